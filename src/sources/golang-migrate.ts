// golang-migrate (and sqlx, ory/popx, gobuffalo/pop): `N_name.up.sql` beside `N_name.down.sql`.
// golang-migrate sends a whole file as one multi-statement query; PostgreSQL runs such a query as
// one implicit transaction, so CONCURRENTLY works only alone in its file.
// https://github.com/golang-migrate/migrate/blob/master/database/postgres/TUTORIAL.md
import path from 'node:path';
import type { Migration } from '../engine/types.js';
import { noteLines, numberedFiles, sqlLines } from '../fix/writer.js';
import { makeHalf, parseFileRange, type SqlLayout } from './layout.js';

const HALF = /^(.*)\.(up|down)\.sql$/i;

export const golangMigrateLayout: SqlLayout = {
  name: 'golang-migrate',
  claims: (directory) => directory.files.some((file) => HALF.test(path.basename(file))),
  read(directory, context) {
    const byId = new Map<string, { up?: string; down?: string }>();
    for (const file of directory.files) {
      const match = HALF.exec(path.basename(file));
      const id = match ? match[1]! : path.basename(file).replace(/\.sql$/i, '');
      const entry = byId.get(id) ?? {};
      if (match?.[2]!.toLowerCase() === 'down') entry.down = file;
      else entry.up = file;
      byId.set(id, entry);
    }
    // A directory without any .down.sql file does not use down migrations at all.
    const usesDown = [...byId.values()].some((entry) => entry.down);
    const migrations: Migration[] = [];
    for (const [id, entry] of byId) {
      // A down file without its up file still gets linted, as a migration with an empty up.
      const upFile = context.read(entry.up ?? entry.down!);
      const up = entry.up
        ? makeHalf('up', upFile, parseFileRange(upFile, 0, upFile.text.length, context), 'implicit')
        : makeHalf('up', upFile, [], 'implicit');
      let down = null;
      if (entry.down) {
        const downFile = context.read(entry.down);
        down = makeHalf('down', downFile, parseFileRange(downFile, 0, downFile.text.length, context), 'implicit');
      }
      migrations.push({
        id,
        layout: 'golang-migrate',
        directory: directory.dir,
        up,
        down,
        downExpected: usesDown,
        files: [entry.up, entry.down].filter((f): f is string => !!f).map((f) => context.read(f)),
      });
    }
    return migrations;
  },
  writer: {
    outsideTransaction: 'alone',
    create: (after, next, migrations) =>
      numberedFiles(after, next, migrations, (version, m) => ({
        [`${version}_${m.name}.up.sql`]: noteLines(m.notes) + sqlLines(m.up),
        ...(m.down ? { [`${version}_${m.name}.down.sql`]: sqlLines(m.down) } : {}),
      })),
    // A file of one statement runs outside a transaction as it is.
    optOut: () => [],
  },
};
