// The grid of test/truth-effects.test.ts: statements, how PostgreSQL's effects are read, and
// how migsafe's claims are compared with them.
import path from 'node:path';
import { blocksReadsOrWrites, lockModeOf, strongestLock } from '../src/engine/postgres-facts.js';
import type { Diagnostic } from '../src/engine/types.js';
import type { Database } from '../src/trace/database.js';
import { relationFiles, sessionLocks } from '../src/trace/trace.js';
import { lintWith, tempProject } from './helpers.js';

const SETUP = [
  'CREATE TABLE r (id int PRIMARY KEY)',
  'INSERT INTO r VALUES (1), (2)',
  'CREATE DOMAIN positive AS int CHECK (VALUE > 0)',
  'CREATE DOMAIN label AS text',
  'CREATE TABLE t (id int PRIMARY KEY, a int, b text, c int, v varchar(10), n numeric(10,2), ts timestamp, u int)',
  'CREATE INDEX t_a_idx ON t (a)',
  'CREATE INDEX t_b_idx ON t (b)',
  "INSERT INTO t SELECT g, g, 'x' || g, 1, 'v', 1.5, '2024-01-01', g FROM generate_series(1, 50) g",
  'CREATE TABLE p (id int, k int) PARTITION BY RANGE (k)',
  'CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10)',
  'CREATE TABLE p2 (id int, k int)',
  'INSERT INTO p2 VALUES (1, 15)',
  'CREATE MATERIALIZED VIEW mv AS SELECT id FROM r',
];

const PROVE_A_NOT_NULL = ['ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL) NOT VALID', 'ALTER TABLE t VALIDATE CONSTRAINT t_a_nn'];
const PROVE_P2_BOUND = ['ALTER TABLE p2 ALTER COLUMN k SET NOT NULL', 'ALTER TABLE p2 ADD CONSTRAINT p2_bound CHECK (k >= 10 AND k < 20) NOT VALID', 'ALTER TABLE p2 VALIDATE CONSTRAINT p2_bound'];
const UNIQUE_U = ['CREATE UNIQUE INDEX CONCURRENTLY t_u_key ON t (u)'];

interface GridEntry {
  sql: string;
  /** The relation whose rewrite and scan are read (default t). */
  relation?: string;
  /** Earlier statements on top of SETUP (an earlier migration). */
  before?: string[];
  /** Statements of the same migration, before it (in its transaction). */
  earlier?: string[];
}

const alterT = (...subcommands: string[]): GridEntry[] => subcommands.map((sub) => ({ sql: `ALTER TABLE t ${sub}` }));

/** Statements with the state they run in; what each does is read from PostgreSQL, not written here. */
export const GRID: GridEntry[] = [
  ...alterT(
    'ADD COLUMN x int',
    'ADD COLUMN x int DEFAULT 0',
    'ADD COLUMN x int NOT NULL DEFAULT 0',
    "ADD COLUMN x text DEFAULT 'a'",
    'ADD COLUMN x timestamptz DEFAULT now()',
    'ADD COLUMN x float8 DEFAULT random()',
    'ADD COLUMN x uuid DEFAULT gen_random_uuid()',
    'ADD COLUMN x serial',
    'ADD COLUMN x bigserial',
    'ADD COLUMN x int GENERATED ALWAYS AS IDENTITY',
    'ADD COLUMN x int GENERATED ALWAYS AS (a + 1) STORED',
    'ADD COLUMN x positive',
    'ADD COLUMN x positive DEFAULT 1',
    'ADD COLUMN x label',
    "ADD COLUMN x label DEFAULT 'a'",
    'ADD COLUMN x int[]',
    'ADD COLUMN x int REFERENCES r (id)',
    'ADD COLUMN x int DEFAULT 1 REFERENCES r (id)',
    'ADD COLUMN x int CHECK (x > 0)',
    'ADD COLUMN x int DEFAULT 1 CHECK (x > 0)',
    'ADD COLUMN x int UNIQUE',
    // add-column-rewrite's safe form: the column, its default for new rows and a NOT NULL proof, at once.
    'ADD COLUMN x uuid, ALTER COLUMN x SET DEFAULT gen_random_uuid(), ADD CONSTRAINT t_x_not_null_check CHECK (x IS NOT NULL) NOT VALID',
    'DROP COLUMN b',
    'ALTER COLUMN a TYPE bigint',
    'ALTER COLUMN a TYPE int',
    'ALTER COLUMN v TYPE varchar(20)',
    'ALTER COLUMN v TYPE varchar(5)',
    'ALTER COLUMN v TYPE text',
    'ALTER COLUMN b TYPE varchar(100)',
    'ALTER COLUMN n TYPE numeric(12,2)',
    'ALTER COLUMN n TYPE numeric(12,4)',
    'ALTER COLUMN ts TYPE timestamp(3)',
    'ALTER COLUMN b TYPE text COLLATE "C"',
    'ALTER COLUMN b TYPE varchar(100) COLLATE "C"',
    'ALTER COLUMN v TYPE varchar(20) COLLATE "C"',
    'ALTER COLUMN u TYPE bigint',
    'ALTER COLUMN a TYPE bigint USING a::bigint',
    'ALTER COLUMN c TYPE text',
    "ALTER COLUMN b SET DEFAULT 'x'",
    'ALTER COLUMN a SET NOT NULL',
    'ALTER COLUMN a DROP NOT NULL',
    'ALTER COLUMN a SET STATISTICS 100',
    'ADD CONSTRAINT t_ck CHECK (a > 0)',
    'ADD CONSTRAINT t_ck CHECK (a > 0) NOT VALID',
    'ADD CONSTRAINT t_fk FOREIGN KEY (c) REFERENCES r (id)',
    'ADD CONSTRAINT t_fk FOREIGN KEY (c) REFERENCES r (id) NOT VALID',
    'ADD CONSTRAINT t_u UNIQUE (u)',
    'ADD CONSTRAINT t_x EXCLUDE USING btree (u WITH =)',
    'SET UNLOGGED',
    'SET (fillfactor = 70)',
    'CLUSTER ON t_a_idx',
    'REPLICA IDENTITY FULL',
    'RENAME COLUMN b TO bb',
  ),
  { sql: 'ALTER TABLE t ALTER COLUMN a SET NOT NULL', before: PROVE_A_NOT_NULL },
  // timestamp <-> timestamptz depends on the session TimeZone, which a migration can set.
  { sql: 'ALTER TABLE t ALTER COLUMN ts TYPE timestamptz', before: ['CREATE INDEX t_ts_idx ON t (ts)'], earlier: ["SET TimeZone = 'UTC'"] },
  { sql: 'ALTER TABLE t ALTER COLUMN ts TYPE timestamptz', before: ['CREATE INDEX t_ts_idx ON t (ts)'], earlier: ["SET TimeZone = 'America/New_York'"] },
  { sql: 'ALTER TABLE t ALTER COLUMN ts TYPE timestamptz', earlier: ['SET TIME ZONE UTC'] },
  { sql: 'ALTER TABLE t ALTER COLUMN tz TYPE timestamp', before: ['ALTER TABLE t ADD COLUMN tz timestamptz', 'CREATE INDEX t_tz_idx ON t (tz)'], earlier: ["SET TimeZone = 'Etc/UTC'"] },
  // To and from domains: a domain over the same type with a CHECK, and one without.
  { sql: 'ALTER TABLE t ALTER COLUMN a TYPE positive' },
  { sql: 'ALTER TABLE t ALTER COLUMN b TYPE label' },
  { sql: 'ALTER TABLE t ALTER COLUMN pd TYPE int', before: ['ALTER TABLE t ADD COLUMN pd positive DEFAULT 1', 'CREATE INDEX t_pd_idx ON t (pd)'] },
  { sql: 'ALTER TABLE t ALTER COLUMN lb TYPE text', before: ['ALTER TABLE t ADD COLUMN lb label', 'CREATE INDEX t_lb_idx ON t (lb)'] },
  // A CHECK on the column is checked again after the type change, even without a rewrite.
  { sql: 'ALTER TABLE t ALTER COLUMN v TYPE varchar(20)', before: ['ALTER TABLE t ADD CONSTRAINT t_v_check CHECK (length(v) > 0)'] },
  { sql: 'ALTER TABLE t ALTER COLUMN a TYPE bigint', before: ['ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0)'] },
  { sql: 'ALTER TABLE t ALTER COLUMN b TYPE text USING (b::text)', before: ["ALTER TABLE t ADD CHECK (b <> '')"] },
  { sql: 'ALTER TABLE t ALTER COLUMN b TYPE text USING (b::text)', before: ["ALTER TABLE t ADD CHECK (b <> '')", 'ALTER TABLE t DROP CONSTRAINT t_b_check'] },
  { sql: 'ALTER TABLE t ALTER COLUMN b TYPE text COLLATE "C"', before: ['ALTER TABLE t ALTER COLUMN b TYPE text COLLATE "C"'] },
  { sql: 'ALTER TABLE t ALTER COLUMN v TYPE varchar(20) COLLATE "C"', before: ['CREATE INDEX t_v_idx ON t (v)'] },
  { sql: 'ALTER TABLE t ALTER COLUMN v TYPE varchar(20)', before: ['CREATE INDEX t_v_idx ON t (v)', 'ALTER TABLE t ALTER COLUMN v TYPE varchar(10) COLLATE "C"'] },
  { sql: 'ALTER TABLE t ADD CONSTRAINT t_a_u UNIQUE USING INDEX t_u_key', before: UNIQUE_U },
  { sql: 'ALTER TABLE t ADD CONSTRAINT t_pk2 PRIMARY KEY USING INDEX t_u_key', before: ['ALTER TABLE t DROP CONSTRAINT t_pkey', ...UNIQUE_U] },
  { sql: 'ALTER TABLE t ADD PRIMARY KEY (u)', before: ['ALTER TABLE t DROP CONSTRAINT t_pkey'] },
  { sql: 'ALTER TABLE t ADD PRIMARY KEY (u)', before: ['ALTER TABLE t DROP CONSTRAINT t_pkey', 'ALTER TABLE t ALTER COLUMN u SET NOT NULL'] },
  { sql: 'ALTER TABLE t VALIDATE CONSTRAINT t_a_nn', before: PROVE_A_NOT_NULL.slice(0, 1) },
  // VALIDATE after a statement that took ACCESS EXCLUSIVE in the same transaction scans under it.
  { sql: 'ALTER TABLE t VALIDATE CONSTRAINT t_a_nn', before: PROVE_A_NOT_NULL.slice(0, 1), earlier: ['ALTER TABLE t ADD COLUMN z int'] },
  { sql: 'ALTER TABLE t SET LOGGED', before: ['ALTER TABLE t SET UNLOGGED'] },
  { sql: 'ALTER TABLE n ALTER COLUMN a SET NOT NULL', relation: 'n', earlier: ['CREATE TABLE n (id int, a int)'] },
  { sql: 'ALTER TABLE n ALTER COLUMN a SET NOT NULL', relation: 'n', earlier: ['CREATE TABLE n (id int, a int)', 'INSERT INTO n SELECT id, a FROM t'] },
  { sql: 'ALTER TABLE n ADD COLUMN x float8 DEFAULT random()', relation: 'n', earlier: ['CREATE TABLE n (id int, a int)'] },
  { sql: 'ALTER TABLE n ADD COLUMN x float8 DEFAULT random()', relation: 'n', earlier: ['CREATE TABLE n (id int, a int)', 'INSERT INTO n SELECT id, a FROM t'] },
  { sql: 'CREATE INDEX t_c_idx ON t (c)' },
  { sql: 'CREATE UNIQUE INDEX t_u_idx ON t (u)' },
  { sql: 'REINDEX TABLE t' },
  { sql: 'CLUSTER t USING t_a_idx' },
  { sql: 'UPDATE t SET c = 2' },
  { sql: 'ALTER TABLE p ATTACH PARTITION p2 FOR VALUES FROM (10) TO (20)', relation: 'p2' },
  { sql: 'ALTER TABLE p ATTACH PARTITION p2 FOR VALUES FROM (10) TO (20)', relation: 'p2', before: PROVE_P2_BOUND },
  { sql: 'REFRESH MATERIALIZED VIEW mv', relation: 'mv' },
  { sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY mv', relation: 'mv', before: ['CREATE UNIQUE INDEX mv_id ON mv (id)'] },
];

export interface Effects {
  /** The relation got a new file. */
  rewrite: boolean;
  /** An index that existed before got a new file, the table did not. */
  indexRebuild: boolean;
  /** Every row was read (a sequential scan, or a rewrite) under a lock that blocks reads or writes. */
  blockingRead: boolean;
}

export const describeEntry = (entry: GridEntry) =>
  `${entry.before ? `[after ${entry.before.join('; ')}] ` : ''}${entry.earlier ? `[same migration: ${entry.earlier.join('; ')}] ` : ''}${entry.sql}`;

async function observe(db: Database, entry: GridEntry): Promise<Effects | string> {
  const relation = `public.${entry.relation ?? 't'}`;
  await db.reset();
  for (const sql of [...SETUP, ...(entry.before ?? [])]) await db.exec(sql);
  const existedBefore = (await relationFiles(db)).has(relation);
  await db.exec('BEGIN');
  try {
    for (const sql of entry.earlier ?? []) await db.exec(sql);
    // A table created in the same migration is seen by no one else; reading or rewriting it costs
    // something only when it has rows.
    if (!existedBefore && (await db.query(`SELECT 1 FROM ${relation} LIMIT 1`)).length === 0) return { rewrite: false, indexRebuild: false, blockingRead: false };
    const filesBefore = await relationFiles(db);
    const oid = filesBefore.get(relation)!.oid;
    const indexesBefore = await db.query<{ name: string }>(`SELECT 'public.' || indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = ${oid}`);
    const seqScans = async () => Number((await db.query<{ s: string }>(`SELECT coalesce(sum(seq_scan), 0)::text AS s FROM pg_stat_xact_user_tables WHERE relid = ${oid}`))[0]!.s);
    const scansBefore = await seqScans();
    await db.exec(entry.sql);
    const scanned = (await seqScans()) > scansBefore;
    const filesAfter = await relationFiles(db);
    // The table by its oid (a rename keeps it); an index by its name, which ALTER COLUMN TYPE keeps
    // when it drops and recreates the index, reusing the old file where it can. A dropped index is
    // not a rebuild.
    const rewrite = filesBefore.get(relation)!.node !== [...filesAfter.values()].find((f) => f.oid === oid)?.node;
    const indexRebuild = !rewrite && indexesBefore.some(({ name }) => filesAfter.has(name) && filesAfter.get(name)!.node !== filesBefore.get(name)!.node);
    const modes = (await sessionLocks(db)).filter((lock) => lock.relation === relation).map((lock) => lockModeOf(lock.mode));
    const strongest = modes.length ? strongestLock(modes) : null;
    // Nothing writes to a materialized view but its refresh: for one, only a lock that blocks reads counts.
    const blocking = strongest !== null && (filesBefore.get(relation)!.kind === 'm' ? strongest === 'ACCESS EXCLUSIVE' : blocksReadsOrWrites(strongest));
    return { rewrite, indexRebuild, blockingRead: blocking && (scanned || rewrite) };
  } catch (error) {
    return `error: ${(error as Error).message}`;
  } finally {
    await db.exec('ROLLBACK');
  }
}

function claimed(diagnostics: Diagnostic[], relation: string): Effects {
  const kinds = diagnostics.filter((d) => d.effect?.relation === relation).map((d) => d.effect!.kind);
  return { rewrite: kinds.includes('rewrite'), indexRebuild: kinds.includes('index-rebuild'), blockingRead: kinds.length > 0 };
}

/**
 * The grid on one PostgreSQL (db), and migsafe's claims for the same statements linted for that
 * major version: the statements PostgreSQL refused, and each disagreement.
 */
export async function runEffectGrid(db: Database): Promise<{ observed: (Effects | string)[]; refused: string[]; wrong: string[] }> {
  const version = Number((await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v"))[0]!.v.slice(0, -4));
  const observed: (Effects | string)[] = [];
  const files: Record<string, string> = {};
  for (const [i, entry] of GRID.entries()) {
    observed.push(await observe(db, entry));
    files[`e${i}/0001_setup.sql`] = `${[...SETUP, ...(entry.before ?? [])].join(';\n')};\n`;
    // Statements of the same migration run in one transaction, as they are observed.
    const body = [...(entry.earlier ?? []), entry.sql].join(';\n');
    files[`e${i}/0002_change.sql`] = `SET lock_timeout = '1s';\n${entry.earlier ? `BEGIN;\n${body};\nCOMMIT;` : `${body};`}\n`;
  }
  const dir = tempProject(files);
  const result = await lintWith({ paths: GRID.map((_, i) => `e${i}/0002_change.sql`), cwd: dir, pgVersion: version });
  const refused: string[] = [];
  const wrong: string[] = [];
  for (const [i, entry] of GRID.entries()) {
    const o = observed[i]!;
    if (typeof o === 'string') {
      refused.push(`${describeEntry(entry)}: ${o}`);
      continue;
    }
    const c = claimed(result.diagnostics.filter((d) => d.file === path.join(`e${i}`, '0002_change.sql')), entry.relation ?? 't');
    for (const key of ['rewrite', 'indexRebuild', 'blockingRead'] as const) {
      if (o[key] !== c[key]) wrong.push(`${describeEntry(entry)}: ${key} PostgreSQL ${version} ${o[key]}, migsafe ${c[key]}`);
    }
  }
  return { observed, refused, wrong };
}
