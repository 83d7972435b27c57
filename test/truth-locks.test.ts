// Lock levels, checked against PostgreSQL itself (PGlite): every statement of the grid in
// src/trace/lock-truth.ts runs in a transaction and pg_locks gives the strongest lock on the
// relation it names. The checked-in table (src/engine/truth/locks.ts, `npm run truth`) must equal
// what PostgreSQL does now, and migsafe's claim (tableLocks) must name the same mode.
import { loadModule, parseSync } from 'libpg-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockKey } from '../src/engine/postgres-facts.js';
import { LOCKS_OBSERVED_ON, OBSERVED_LOCKS } from '../src/engine/truth/locks.js';
import { openPglite, type Database } from '../src/trace/database.js';
import { LOCK_GRID, observeLock } from '../src/trace/lock-truth.js';
import { wrongLockClaims } from './truth-helpers.js';

let db: Database;
let version = '';
const observed: { sql: string; relation: string; other?: true; mode: string }[] = [];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const astOf = (sql: string) => parseSync(sql).stmts![0]!.stmt as any;

beforeAll(async () => {
  await loadModule();
  db = await openPglite();
  version = (await db.query<{ server_version: string }>('SHOW server_version'))[0]!.server_version;
  for (const entry of LOCK_GRID) observed.push({ ...entry, mode: await observeLock(db, entry.sql, entry.relation) });
}, 180_000);

afterAll(async () => {
  await db?.close();
});

describe('lock levels on PostgreSQL', () => {
  it('every statement of the grid runs', () => {
    expect(observed.filter((o) => o.mode.startsWith('error'))).toEqual([]);
  });

  it('the truth table is what PostgreSQL does now (else: npm run truth)', () => {
    expect(LOCKS_OBSERVED_ON).toBe(`PostgreSQL ${version}`);
    const now: Record<string, string> = {};
    for (const o of observed) {
      const key = o.other ? null : lockKey(astOf(o.sql));
      if (key) now[key] = o.mode;
    }
    expect(now).toEqual(OBSERVED_LOCKS);
  });

  it("migsafe's claim names the lock PostgreSQL took, for every statement of the grid", () => {
    expect(wrongLockClaims(observed, 'PostgreSQL')).toEqual([]);
  });

  it('the lock levels issue #13 found misremembered', () => {
    const mode = (sql: string) => observed.find((o) => o.sql === sql)!.mode;
    expect(mode('ALTER INDEX t_a_idx RENAME TO t_a_idx2')).toBe('SHARE UPDATE EXCLUSIVE');
    expect(mode('ALTER TABLE t ALTER COLUMN a SET (n_distinct = 10)')).toBe('SHARE UPDATE EXCLUSIVE');
  });
});
