// What one statement does on PGlite, read the way `migsafe trace` reads it, for the truth tests.
import { parseSync } from 'libpg-query';
import { formatType, typeRef } from '../src/engine/ast.js';
import { Catalog } from '../src/engine/catalog.js';
import { strongestLock, tableLocks } from '../src/engine/postgres-facts.js';
import type { AstNode } from '../src/engine/types.js';
import type { Database } from '../src/trace/database.js';
import { LOCK_SETUP } from '../src/trace/lock-truth.js';
import { relationFiles, sessionLocks } from '../src/trace/trace.js';
import { changeKey, observeTypeChange, TYPE_GRID, type TypeChangeOutcome } from '../src/trace/type-change-truth.js';

export interface StatementEffect {
  /** Sequential scans of the relation the statement made. */
  scans: number;
  /** Whether the relation's file changed (a rewrite). */
  rewritten: boolean;
  /** Relation locks the session held after it, pg_locks' mode names, relations without `public.`. */
  locks: { relation: string; mode: string }[];
}

/**
 * Runs the statement in a transaction that is rolled back. Scans are counted within the
 * transaction: pg_stat_xact_user_tables also holds counts of earlier transactions not yet flushed.
 */
export async function observeStatement(db: Database, sql: string, relation: string): Promise<StatementEffect> {
  const seqScans = async () => Number((await db.query<{ s: string }>(`SELECT seq_scan::text AS s FROM pg_stat_xact_user_tables WHERE relname = '${relation}'`))[0]!.s);
  const file = async () => (await relationFiles(db)).get(`public.${relation}`)?.node;
  const before = await file();
  await db.exec('BEGIN');
  try {
    const scansBefore = await seqScans();
    await db.exec(sql);
    const scans = (await seqScans()) - scansBefore;
    const locks = (await sessionLocks(db)).map((lock) => ({ relation: lock.relation.replace(/^public\./, ''), mode: lock.mode }));
    return { scans, rewritten: (await file()) !== before, locks };
  } finally {
    await db.exec('ROLLBACK');
  }
}

/** A type of the grid as migsafe reads it from SQL (libpg-query's module loaded). */
export const typeOf = (sql: string) => typeRef((parseSync(`CREATE TABLE x (c ${sql})`).stmts![0]!.stmt as AstNode).CreateStmt.tableElts[0].ColumnDef.typeName)!;

/** Every pair of the type grid, by migsafe's key for the change (prepareTruthDatabase first). */
export async function observeTypeGrid(db: Database): Promise<Map<string, { from: string; to: string; outcome: TypeChangeOutcome }>> {
  const observed = new Map<string, { from: string; to: string; outcome: TypeChangeOutcome }>();
  let i = 0;
  for (const from of TYPE_GRID) {
    for (const to of TYPE_GRID) {
      if (from !== to) observed.set(changeKey(formatType(typeOf(from)), formatType(typeOf(to))), { from, to, outcome: await observeTypeChange(db, from, to, i++) });
    }
  }
  return observed;
}

/** The statements of the lock grid whose lock migsafe's claim (tableLocks, on the set-up's schema as replayed) does not name. */
export function wrongLockClaims(observed: { sql: string; relation: string; mode: string }[], on: string): string[] {
  const catalog = new Catalog();
  for (const { stmt } of parseSync(LOCK_SETUP).stmts!) catalog.apply(stmt as AstNode);
  const wrong: string[] = [];
  for (const { sql, relation, mode } of observed) {
    // A lock on an index is claimed as "index <name>".
    const claims = tableLocks(parseSync(sql).stmts![0]!.stmt as AstNode, catalog).filter((l) => l.table === relation || l.table === `index ${relation}`);
    const claimed = claims.length ? strongestLock(claims.map((l) => l.mode)) : 'none';
    if (claimed !== mode) wrong.push(`${sql}: ${on} ${mode}, migsafe ${claimed}`);
  }
  return wrong;
}
