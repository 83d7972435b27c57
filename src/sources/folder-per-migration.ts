// Diesel (and sqlx folders, gobuffalo/pop): one folder per migration holding `up.sql` and
// `down.sql`. Diesel runs each migration in a transaction unless its metadata.toml sets
// `run_in_transaction = false`. https://docs.rs/diesel_migrations/latest/diesel_migrations/
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Migration } from '../engine/types.js';
import { noteLines, numberedFiles, sqlLines } from '../fix/writer.js';
import { makeHalf, parseFileRange, type ReadContext, type SqlLayout } from './layout.js';

export const folderPerMigrationLayout: SqlLayout = {
  name: 'diesel',
  claims: (directory) => directory.files.some((file) => /^(up|down)\.sql$/i.test(path.basename(file))),
  read(directory, context) {
    const folders = new Map<string, { up?: string; down?: string }>();
    for (const file of directory.files) {
      const folder = path.dirname(file);
      const entry = folders.get(folder) ?? {};
      if (/^down\.sql$/i.test(path.basename(file))) entry.down = file;
      else entry.up = file;
      folders.set(folder, entry);
    }
    const migrations: Migration[] = [];
    for (const [folder, entry] of folders) {
      const transaction = runsInTransaction(folder, context) ? 'wrapped' : 'none';
      const upFile = context.read(entry.up ?? entry.down!);
      const up = makeHalf('up', upFile, entry.up ? parseFileRange(upFile, 0, upFile.text.length, context) : [], transaction);
      const downFile = entry.down ? context.read(entry.down) : null;
      const down = downFile
        ? makeHalf('down', downFile, parseFileRange(downFile, 0, downFile.text.length, context), transaction)
        : null;
      migrations.push({
        id: path.basename(folder),
        layout: 'diesel',
        directory: directory.dir,
        up,
        down,
        downExpected: true,
        files: downFile ? [upFile, downFile] : [upFile],
      });
    }
    return migrations;
  },
  writer: {
    // Diesel sends a file as one query (batch_execute), even with run_in_transaction = false.
    outsideTransaction: 'alone',
    create: (after, next, migrations) =>
      numberedFiles(after, next, migrations, (version, m) => ({
        [`${version}_${m.name}/up.sql`]: noteLines(m.notes) + sqlLines(m.up),
        ...(m.down ? { [`${version}_${m.name}/down.sql`]: sqlLines(m.down) } : {}),
        ...(m.outsideTransaction || m.downOutsideTransaction ? { [`${version}_${m.name}/metadata.toml`]: 'run_in_transaction = false\n' } : {}),
      })),
    optOut(migration) {
      if (migration.up.transaction === 'none') return [];
      const metadata = path.join(path.dirname(migration.up.files[0]!.path), 'metadata.toml');
      // One that says something else is left as it is (the fix then writes a new migration).
      if (existsSync(metadata)) return null;
      return [{ file: metadata, start: 0, end: 0, text: 'run_in_transaction = false\n' }];
    },
  },
};

function runsInTransaction(folder: string, context: ReadContext): boolean {
  const metadata = path.join(folder, 'metadata.toml');
  if (!context.exists(metadata)) return true;
  return !RUN_OUTSIDE.test(context.read(metadata).text);
}

const RUN_OUTSIDE = /^\s*run_in_transaction\s*=\s*false/m;
