// Diesel (and sqlx folders, gobuffalo/pop): one folder per migration holding `up.sql` and
// `down.sql`. Diesel runs each migration in a transaction unless its metadata.toml sets
// `run_in_transaction = false`. https://docs.rs/diesel_migrations/latest/diesel_migrations/
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Migration } from '../engine/types.js';
import { makeHalf, parseFileRange, type SqlLayout } from './layout.js';

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
      const transaction = runsInTransaction(folder, context.exists) ? 'wrapped' : 'none';
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
};

function runsInTransaction(folder: string, exists: (p: string) => boolean): boolean {
  const metadata = path.join(folder, 'metadata.toml');
  if (!exists(metadata)) return true;
  return !/^\s*run_in_transaction\s*=\s*false/m.test(readFileSync(metadata, 'utf8'));
}
