// The truth grids again on the local PostgreSQL server (15 on this project's machines and CI), where
// one answers: the checked-in tables were observed on PGlite's PostgreSQL, and migsafe's claims must
// hold on the server users run too, or name the version that differs. The run goes through trace's
// own --database-url path (a throwaway database and role, dropped after).
import { loadModule, parseSync } from 'libpg-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatType, typeRef } from '../src/engine/ast.js';
import { Catalog } from '../src/engine/catalog.js';
import { strongestLock, tableLocks, typeChangeVerdict } from '../src/engine/postgres-facts.js';
import { OBSERVED_ON, TYPE_CHANGES } from '../src/engine/truth/type-changes.js';
import type { AstNode } from '../src/engine/types.js';
import type { Database } from '../src/trace/database.js';
import { LOCK_GRID, LOCK_SETUP, observeLock } from '../src/trace/lock-truth.js';
import { openServer } from '../src/trace/server.js';
import { changeKey, observeTypeChange, prepareTruthDatabase, TYPE_GRID, type TypeChangeOutcome } from '../src/trace/type-change-truth.js';
import { SERVER_URL, serverAnswers } from './helpers.js';

const server = await serverAnswers();
if (!server) console.warn(`skipped: the truth grids on a PostgreSQL server (none answers at ${SERVER_URL}; set MIGSAFE_TEST_DATABASE_URL)`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const astOf = (sql: string) => parseSync(sql).stmts![0]!.stmt as any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const typeOf = (sql: string) => typeRef((parseSync(`CREATE TABLE x (c ${sql})`).stmts![0]!.stmt as any).CreateStmt.tableElts[0].ColumnDef.typeName)!;

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
    let i = 0;
    for (const from of TYPE_GRID) {
      for (const to of TYPE_GRID) {
        if (from !== to) types.set(changeKey(formatType(typeOf(from)), formatType(typeOf(to))), { from, to, outcome: await observeTypeChange(db, from, to, i++) });
      }
    }
  }, 300_000);

  afterAll(async () => {
    await db?.close();
  });

  it(`takes the lock migsafe claims, for every statement of the lock grid`, () => {
    const catalog = new Catalog();
    for (const { stmt } of parseSync(LOCK_SETUP).stmts!) catalog.apply(stmt as AstNode);
    const wrong: string[] = [];
    for (const { sql, relation, mode } of locks) {
      const claims = tableLocks(astOf(sql), catalog).filter((l) => l.table === relation || l.table === `index ${relation}`);
      const claimed = claims.length ? strongestLock(claims.map((l) => l.mode)) : 'none';
      if (claimed !== mode) wrong.push(`${sql}: PostgreSQL ${version} ${mode}, migsafe ${claimed}`);
    }
    expect(wrong).toEqual([]);
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
