// Which lock each statement takes, observed on PostgreSQL rather than remembered: each statement of
// the grid runs in a transaction on a fresh schema, and pg_locks gives the strongest lock held on
// the relation it names. src/engine/truth/locks.ts is generated from it (`npm run truth`) and read
// by postgres-facts' tableLocks; test/truth-locks.test.ts runs the grid again and fails when
// PostgreSQL, that file or migsafe's claim disagree.
// https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES
import { lockModeOf, strongestLock } from '../engine/postgres-facts.js';
import type { Database } from './database.js';
import { relationFiles, sessionLocks } from './trace.js';

export const LOCK_SETUP = `
CREATE TABLE r (id int PRIMARY KEY);
CREATE TABLE t (id int PRIMARY KEY, a int, b text, c int);
CREATE INDEX t_a_idx ON t (a);
ALTER TABLE t ADD CONSTRAINT t_nv CHECK (a > 0) NOT VALID;
ALTER TABLE t ADD CONSTRAINT t_c_fk FOREIGN KEY (c) REFERENCES r (id);
CREATE UNIQUE INDEX t_b_key ON t (b);
CREATE FUNCTION t_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t_trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION t_noop();
CREATE TABLE p (id int, k int) PARTITION BY RANGE (k);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
CREATE TABLE p2 (id int, k int);
CREATE TABLE parent_t (id int);
CREATE MATERIALIZED VIEW mv AS SELECT 1 AS id;
CREATE UNIQUE INDEX mv_id ON mv (id);
CREATE DOMAIN positive AS int;
CREATE TABLE d (id int, v positive);
CREATE TYPE mood AS ENUM ('ok');
CREATE TABLE e (id int, m mood);
CREATE TABLE pi (id int, k int) PARTITION BY RANGE (k);
CREATE TABLE pi1 PARTITION OF pi FOR VALUES FROM (0) TO (10);
CREATE INDEX pi1_k_idx ON pi1 (k);
CREATE INDEX pi_k_idx ON ONLY pi (k);
`;

/** Statements and the relation whose lock is read (`other`: not the one the statement names first, so not in the table keyed by statement). */
export const LOCK_GRID: { sql: string; relation: string; other?: true }[] = [
  ...[
    'ADD COLUMN d int',
    'ADD COLUMN d int DEFAULT 0',
    'ADD COLUMN d int NOT NULL DEFAULT 0',
    'DROP COLUMN b',
    'ALTER COLUMN a TYPE bigint',
    "ALTER COLUMN b SET DEFAULT 'x'",
    'ALTER COLUMN b DROP DEFAULT',
    'ALTER COLUMN a SET NOT NULL',
    'ALTER COLUMN a DROP NOT NULL',
    'ALTER COLUMN a SET STATISTICS 100',
    'ALTER COLUMN a SET (n_distinct = 10)',
    'ALTER COLUMN a RESET (n_distinct)',
    'ALTER COLUMN b SET STORAGE EXTERNAL',
    'ALTER COLUMN b SET COMPRESSION pglz',
    'ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY',
    'ADD CONSTRAINT t_ck CHECK (a > 0)',
    'ADD CONSTRAINT t_ck CHECK (a > 0) NOT VALID',
    'ADD CONSTRAINT t_fk FOREIGN KEY (a) REFERENCES r (id)',
    'ADD CONSTRAINT t_fk FOREIGN KEY (a) REFERENCES r (id) NOT VALID',
    'VALIDATE CONSTRAINT t_nv',
    'DROP CONSTRAINT t_nv',
    'DROP CONSTRAINT t_c_fk',
    'ADD CONSTRAINT t_u UNIQUE (a)',
    'ADD CONSTRAINT t_b_key UNIQUE USING INDEX t_b_key',
    'SET (fillfactor = 70)',
    'RESET (fillfactor)',
    'CLUSTER ON t_a_idx',
    'SET WITHOUT CLUSTER',
    'DISABLE TRIGGER t_trg',
    'ENABLE TRIGGER t_trg',
    'ENABLE ROW LEVEL SECURITY',
    'REPLICA IDENTITY FULL',
    'INHERIT parent_t',
    'SET UNLOGGED',
    'OWNER TO CURRENT_USER',
    'RENAME COLUMN b TO bb',
    'RENAME CONSTRAINT t_nv TO t_nv2',
    'RENAME TO t2',
  ].map((sub) => ({ sql: `ALTER TABLE t ${sub}`, relation: 't' })),
  { sql: 'ALTER TABLE p ATTACH PARTITION p2 FOR VALUES FROM (10) TO (20)', relation: 'p' },
  { sql: 'ALTER TABLE p DETACH PARTITION p1', relation: 'p' },
  { sql: 'ALTER INDEX t_a_idx RENAME TO t_a_idx2', relation: 't_a_idx' },
  { sql: 'ALTER INDEX t_a_idx SET (fillfactor = 70)', relation: 't_a_idx' },
  { sql: 'CREATE INDEX t_c_idx ON t (c)', relation: 't' },
  // The lock on the index itself (migsafe claims it as "index t_a_idx").
  { sql: 'DROP INDEX t_a_idx', relation: 't_a_idx' },
  { sql: 'REINDEX TABLE t', relation: 't' },
  { sql: 'REINDEX (CONCURRENTLY false) TABLE t', relation: 't' },
  { sql: 'REINDEX INDEX t_a_idx', relation: 't_a_idx' },
  { sql: 'CREATE TRIGGER t_trg2 BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION t_noop()', relation: 't' },
  { sql: 'TRUNCATE t', relation: 't' },
  { sql: 'CLUSTER t USING t_a_idx', relation: 't' },
  { sql: 'REFRESH MATERIALIZED VIEW mv', relation: 'mv' },
  { sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY mv', relation: 'mv' },
  { sql: 'LOCK TABLE t IN SHARE MODE', relation: 't' },
  { sql: 'DROP TABLE t CASCADE', relation: 't' },
  // Locks on the other relations a statement touches: the referenced table of a foreign key, the
  // parent of a new partition or child table, the partition being attached, detached or dropped, the
  // child index attached, the tables using a domain or an enum.
  ...(
    [
      ['r', 'ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (a) REFERENCES r (id)'],
      ['r', 'CREATE TABLE c2 (id int, x int REFERENCES r (id))'],
      ['p', 'CREATE TABLE p3 PARTITION OF p FOR VALUES FROM (20) TO (30)'],
      ['parent_t', 'CREATE TABLE c1 (id int) INHERITS (parent_t)'],
      ['p2', 'ALTER TABLE p ATTACH PARTITION p2 FOR VALUES FROM (10) TO (20)'],
      ['p1', 'ALTER TABLE p DETACH PARTITION p1'],
      ['p', 'DROP TABLE p1'],
      ['p', 'CREATE INDEX p_k_idx ON p (k)'],
      ['p', 'CREATE INDEX p_k_idx ON ONLY p (k)'],
      ['pi1_k_idx', 'ALTER INDEX pi_k_idx ATTACH PARTITION pi1_k_idx'],
      ['d', 'ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0)'],
      ['d', 'ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID'],
      ['d', 'ALTER DOMAIN positive SET NOT NULL'],
      ['e', "ALTER TYPE mood ADD VALUE 'sad'"],
      ['e', "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'"],
    ] as const
  ).map(([relation, sql]) => ({ sql, relation, other: true as const })),
  // More ALTER TABLE forms.
  ...[
    'SET TABLESPACE pg_default',
    'SET ACCESS METHOD heap',
    'ALTER CONSTRAINT t_c_fk DEFERRABLE',
    'ALTER COLUMN c SET DEFAULT 1',
    'ALTER COLUMN b SET STATISTICS -1',
    'DISABLE ROW LEVEL SECURITY',
  ].map((sub) => ({ sql: `ALTER TABLE t ${sub}`, relation: 't' })),
];

/** The strongest lock the statement holds on the relation until COMMIT (read as trace reads locks), or 'error: ...' when PostgreSQL refused it. */
export async function observeLock(db: Database, sql: string, relation: string): Promise<string> {
  await db.exec('DROP SCHEMA IF EXISTS lock_truth CASCADE; CREATE SCHEMA lock_truth; SET search_path = lock_truth;');
  await db.exec(LOCK_SETUP);
  // Named from before the statement too: a relation it drops is gone from pg_class.
  const known = new Map([...(await relationFiles(db))].map(([name, file]) => [file.oid, name]));
  const oid = [...known].find(([, name]) => name === `lock_truth.${relation}`)![0];
  await db.exec('BEGIN');
  try {
    await db.exec(sql);
    // The relation by its oid: a rename gives it a new name.
    const now = [...(await relationFiles(db))].find(([, file]) => file.oid === oid)?.[0] ?? `lock_truth.${relation}`;
    const modes = (await sessionLocks(db, known)).filter((lock) => lock.relation === now).map((lock) => lockModeOf(lock.mode));
    return modes.length ? strongestLock(modes) : 'none';
  } catch (error) {
    return `error: ${(error as Error).message}`;
  } finally {
    await db.exec('ROLLBACK').catch(() => undefined);
    await db.exec('RESET search_path');
  }
}
