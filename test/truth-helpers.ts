// What one statement does on PGlite, read the way `migsafe trace` reads it, for the truth tests.
import type { Database } from '../src/trace/database.js';
import { relationFiles, sessionLocks } from '../src/trace/trace.js';

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
