// What ALTER COLUMN TYPE does, observed on PostgreSQL rather than remembered: for a grid of types,
// each change is run on a table with an index on the column, and the table's and the index's
// relfilenode are compared before and after (a new relfilenode is a rewrite). The grid is the one
// migsafe's static verdict is checked against (test/truth-type-changes.test.ts) and from which
// src/engine/truth/type-changes.ts is generated (`npm run truth`).
// https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
import type { Database } from './database.js';
import { relationFiles } from './trace.js';

/** What happened: the table rewritten, only the column's index rebuilt, nothing, or PostgreSQL refused the change (no cast). */
export type TypeChangeOutcome = 'rewrite' | 'index' | 'none' | 'error';

/** Types as migrations write them: precisions, lengths, arrays, citext, the date/time family. */
export const TYPE_GRID = [
  'text',
  'varchar',
  'varchar(10)',
  'varchar(20)',
  'char(10)',
  'citext',
  'smallint',
  'integer',
  'bigint',
  'numeric',
  'numeric(10,2)',
  'numeric(12,2)',
  'numeric(10,4)',
  'real',
  'double precision',
  'boolean',
  'date',
  'timestamp',
  'timestamp(3)',
  'timestamptz',
  'timestamptz(3)',
  'time',
  'time(3)',
  'interval',
  'uuid',
  'json',
  'jsonb',
  'bytea',
  'inet',
  'cidr',
  'text[]',
  'varchar(20)[]',
] as const;

export async function prepareTruthDatabase(db: Database): Promise<void> {
  await db.exec('CREATE EXTENSION IF NOT EXISTS citext');
  // A zone away from UTC: timestamp <-> timestamptz rewrites unless a migration sets UTC itself.
  await db.exec("SET TimeZone = 'America/New_York'");
}

/** One ALTER COLUMN ... TYPE on a fresh table holding one row, with a btree index on the column where the type has one. */
export async function observeTypeChange(db: Database, from: string, to: string, index: number, using = ''): Promise<TypeChangeOutcome> {
  const table = `truth_${index}`;
  // The table's and its index's files, as trace reads them (a new relfilenode is a rewrite).
  const nodes = async () => {
    const files = await relationFiles(db);
    return { table: files.get(`public.${table}`)?.node, index: files.get(`public.${table}_c_idx`)?.node };
  };
  try {
    await db.exec(`CREATE TABLE ${table} (id int, c ${from}); INSERT INTO ${table} (id) VALUES (1);`);
    // json has no btree operator class; any other type gets the index whose rebuild is watched.
    if (from !== 'json') await db.exec(`CREATE INDEX ${table}_c_idx ON ${table} (c)`);
    const before = await nodes();
    try {
      await db.exec(`ALTER TABLE ${table} ALTER COLUMN c TYPE ${to}${using ? ` USING ${using}` : ''}`);
    } catch {
      return 'error';
    }
    const after = await nodes();
    if (before.table !== after.table) return 'rewrite';
    return before.index !== after.index ? 'index' : 'none';
  } finally {
    await db.exec(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  }
}

/** The key migsafe's verdicts use for a change: its types as formatType prints them. */
export function changeKey(from: string, to: string): string {
  return `${from} -> ${to}`;
}
