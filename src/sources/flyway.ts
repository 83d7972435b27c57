// Flyway: versioned `V<version>__<name>.sql`, undo `U<version>__<name>.sql`, repeatable
// `R__<name>.sql`. Flyway runs each migration in a transaction unless its `<script>.sql.conf`
// sets `executeInTransaction=false`; since Flyway 9 its PostgreSQL parser also runs a migration
// made only of statements PostgreSQL refuses in a transaction (CREATE INDEX CONCURRENTLY, ...)
// without one, and refuses a migration that mixes both kinds.
// https://documentation.red-gate.com/fd/script-configuration-184127614.html
import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { Migration, Statement, TransactionMode } from '../engine/types.js';
import { refusesTransactionBlock } from '../engine/postgres-facts.js';
import { noteLines, sqlLines, versionsBetween } from '../fix/writer.js';
import { compareMigrationIds, makeHalf, parseFileRange, type SqlLayout } from './layout.js';

const NAME = /^([VUR])(.*?)__(.+)\.sql$/i;

export const flywayLayout: SqlLayout = {
  name: 'flyway',
  ordersItself: true,
  claims: (directory) => directory.files.some((file) => NAME.test(path.basename(file))),
  read(directory, context) {
    const versions = new Map<string, { up?: string; undo?: string; repeatable?: boolean }>();
    let usesUndo = false;
    for (const file of directory.files) {
      const match = NAME.exec(path.basename(file));
      const prefix = match?.[1]!.toUpperCase();
      const key = match ? (prefix === 'R' ? `R__${match[3]}` : match[2]!) : path.basename(file);
      const entry = versions.get(key) ?? {};
      if (prefix === 'U') {
        entry.undo = file;
        usesUndo = true;
      } else {
        entry.up = file;
        entry.repeatable = prefix === 'R';
      }
      versions.set(key, entry);
    }
    const migrations: Migration[] = [];
    for (const [, entry] of versions) {
      const upFile = context.read(entry.up ?? entry.undo!);
      const upStatements = entry.up ? parseFileRange(upFile, 0, upFile.text.length, context) : [];
      const up = makeHalf('up', upFile, upStatements, flywayTransaction(upFile.path, upStatements, context.exists));
      const undoFile = entry.undo ? context.read(entry.undo) : null;
      let down = null;
      if (undoFile) {
        const statements = parseFileRange(undoFile, 0, undoFile.text.length, context);
        down = makeHalf('down', undoFile, statements, flywayTransaction(undoFile.path, statements, context.exists));
      }
      migrations.push({
        id: path.basename(upFile.path).replace(/\.sql$/i, ''),
        layout: 'flyway',
        directory: directory.dir,
        up,
        down,
        // Repeatable migrations have no undo; versioned ones need one only where the team uses undo.
        downExpected: usesUndo && !entry.repeatable,
        files: undoFile ? [upFile, undoFile] : [upFile],
      });
    }
    // Flyway applies versioned migrations by version, then repeatable ones.
    return migrations.sort((a, b) => compareMigrationIds(flywayOrder(a.id), flywayOrder(b.id)));
  },
  writer: {
    // A migration of statements that all refuse a transaction runs without one (Flyway 9+).
    outsideTransaction: 'alone',
    create(after, next, migrations) {
      // After V3: V3.1, V3.2, ... (Flyway compares versions part by part).
      const version = (id: string) => {
        const match = /^V([\d._]+?)__/i.exec(id);
        return match ? (id === after.id ? `${match[1]}.0` : match[1]!) : null;
      };
      const versions = versionsBetween(after, next && /^V/i.test(next.id) ? next : null, migrations.length, version);
      if (!Array.isArray(versions)) return versions;
      const files: Record<string, string> = {};
      migrations.forEach((m, i) => {
        files[path.join(after.directory, `V${versions[i]}__${m.name}.sql`)] = noteLines(m.notes) + sqlLines(m.up);
        if (m.down) files[path.join(after.directory, `U${versions[i]}__${m.name}.sql`)] = sqlLines(m.down);
      });
      return files;
    },
    optOut: () => [],
  },
};

function flywayOrder(id: string): string {
  return id.startsWith('R') ? `~${id}` : id.slice(1).replace(/\./g, '_');
}

function flywayTransaction(file: string, statements: Statement[], exists: (p: string) => boolean): TransactionMode {
  const conf = `${file}.conf`;
  if (exists(conf) && /^\s*executeInTransaction\s*=\s*false/im.test(readFileSync(conf, 'utf8'))) return 'none';
  const parsed = statements.filter((s) => s.ast && s.origin === 'top');
  if (parsed.length > 0 && parsed.every((s) => refusesTransactionBlock(s.ast!))) return 'none';
  return 'wrapped';
}
