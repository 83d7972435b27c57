// The truth grids again on the local PostgreSQL server (15 on this project's machines and CI), where
// one answers: the checked-in tables were observed on PGlite's PostgreSQL, and migsafe's claims must
// hold on the server users run too, or name the version that differs. The run goes through trace's
// own --database-url path (a throwaway database and role, dropped after).
import { loadModule } from 'libpg-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeChangeVerdict } from '../src/engine/postgres-facts.js';
import { OBSERVED_ON, TYPE_CHANGES } from '../src/engine/truth/type-changes.js';
import type { Database } from '../src/trace/database.js';
import { LOCK_GRID, observeLock } from '../src/trace/lock-truth.js';
import { openServer } from '../src/trace/server.js';
import { prepareTruthDatabase, type TypeChangeOutcome } from '../src/trace/type-change-truth.js';
import { SERVER_URL, serverAnswers } from './helpers.js';
import { observeTypeGrid, typeOf, wrongLockClaims } from './truth-helpers.js';

const server = await serverAnswers();
if (!server) console.warn(`skipped: the truth grids on a PostgreSQL server (none answers at ${SERVER_URL}; set MIGSAFE_TEST_DATABASE_URL)`);


describe.skipIf(!server)('the truth grids on the local PostgreSQL server', () => {
  let db: Database;
  let version = '';
  const locks: { sql: string; relation: string; mode: string }[] = [];
  const types = new Map<string, { from: string; to: string; outcome: TypeChangeOutcome }>();

  beforeAll(async () => {
    await loadModule();
    db = await openServer(SERVER_URL);
    version = (await db.query<{ server_version: string }>('SHOW server_version'))[0]!.server_version;
    for (const { sql, relation } of LOCK_GRID) locks.push({ sql, relation, mode: await observeLock(db, sql, relation) });
    await prepareTruthDatabase(db);
    for (const [key, value] of await observeTypeGrid(db)) types.set(key, value);
  }, 300_000);

  afterAll(async () => {
    await db?.close();
  });

  it(`takes the lock migsafe claims, for every statement of the lock grid`, () => {
    expect(wrongLockClaims(locks, `PostgreSQL ${version}`)).toEqual([]);
  });

  it(`rewrites what migsafe says it rewrites, for every pair of the type grid (observed on ${OBSERVED_ON} for the table)`, () => {
    const wrong: string[] = [];
    const differs: string[] = [];
    for (const [key, { from, to, outcome }] of types) {
      if (outcome !== TYPE_CHANGES[key]) differs.push(`${key}: ${OBSERVED_ON} ${TYPE_CHANGES[key]}, PostgreSQL ${version} ${outcome}`);
      if (outcome === 'error') continue;
      const verdict = typeChangeVerdict(typeOf(from), typeOf(to), false);
      const said: TypeChangeOutcome = verdict.rewrites ? 'rewrite' : verdict.rebuildsIndexes ? 'index' : 'none';
      if (said !== outcome) wrong.push(`${key}: PostgreSQL ${version} ${outcome}, migsafe ${said}`);
    }
    expect(wrong).toEqual([]);
    expect(differs).toEqual([]);
  });
});
