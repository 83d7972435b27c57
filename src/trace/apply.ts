// Runs a migration half on a database the way its runner would: statement by statement, inside
// the transactions the runner opens (and the ones the SQL opens itself).
import { assignTransactions } from '../engine/transactions.js';
import { refusesTransactionBlock } from '../engine/postgres-facts.js';
import type { MigrationHalf, Statement } from '../engine/types.js';
import { postgresError, type Database, type PostgresError } from './database.js';

export interface StatementStep {
  statement: Statement;
  /** Whether the statement ran inside a transaction that stays open after it. */
  inTransaction: boolean;
  /** The runner's transaction (or null), as the rules see it. */
  transactionId: number | null;
}

export interface HalfOutcome {
  failed?: { statement: Statement; error: PostgresError };
  /** Operations that could not be lowered to SQL, so were not run. */
  skipped: Statement[];
}

/**
 * `observe` is called after each statement, still inside its transaction: that is when the locks
 * it took are visible in pg_locks. A statement the runner runs outside a transaction is wrapped in
 * one here (unless PostgreSQL refuses that), so that its locks can be observed too.
 */
export async function applyHalf(db: Database, half: MigrationHalf, observe?: (step: StatementStep) => Promise<void>): Promise<HalfOutcome> {
  const top = half.statements.filter((s) => s.origin !== 'function-body');
  const ids = assignTransactions(half, half.statements.filter((s) => s.origin === 'top').length);
  const outcome: HalfOutcome = { skipped: [] };
  let inTransaction = false;
  let runnerOpened = false;
  let runnerId: number | null = null;
  for (let index = 0; index < half.statements.length; index++) {
    const statement = half.statements[index]!;
    if (statement.origin !== 'top' || !top.includes(statement)) continue;
    if (statement.unanalyzable !== undefined) {
      outcome.skipped.push(statement);
      continue;
    }
    const id = ids[index] ?? null;
    const kind = statement.ast?.TransactionStmt?.kind as string | undefined;
    try {
      if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
        if (!inTransaction) await db.exec(statement.text);
        inTransaction = true;
        runnerOpened = false;
        continue;
      }
      if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') {
        if (inTransaction) await db.exec(statement.text);
        inTransaction = false;
        runnerOpened = false;
        continue;
      }
      if (inTransaction && runnerOpened && id !== runnerId) {
        await db.exec('COMMIT');
        inTransaction = false;
        runnerOpened = false;
      }
      if (!inTransaction && id !== null) {
        await db.exec('BEGIN');
        inTransaction = true;
        runnerOpened = true;
        runnerId = id;
      }
      if (statement.parseError) throw { message: statement.parseError.message };
      const observeOnly = !inTransaction && observe && statement.ast && !refusesTransactionBlock(statement.ast);
      if (observeOnly) await db.exec('BEGIN');
      await db.exec(statement.text);
      if (observe) await observe({ statement, inTransaction, transactionId: id });
      if (observeOnly) await db.exec('COMMIT');
    } catch (error) {
      await db.exec('ROLLBACK').catch(() => undefined);
      outcome.failed = { statement, error: postgresError(error) };
      return outcome;
    }
  }
  if (inTransaction) await db.exec('COMMIT');
  return outcome;
}

/** Errors that mean "PGlite (or this server) lacks something", not "the migration is wrong". */
export function unsupportedReason(error: PostgresError): string | null {
  if (/extension ".*" is not available|could not open extension control file/i.test(error.message)) return error.message;
  if (/role ".*" does not exist/i.test(error.message)) return error.message;
  if (/tablespace ".*" does not exist/i.test(error.message)) return error.message;
  if (/permission denied|must be (superuser|owner)/i.test(error.message)) return error.message;
  if (/(language|text search configuration|collation) ".*" does not exist/i.test(error.message)) return error.message;
  return null;
}

/** Why a migration cannot be run at all: templated SQL keeps its placeholders. */
export function unrunnableReason(half: MigrationHalf): string | null {
  const templated = half.statements.find((s) => s.placeholders?.size);
  if (templated) return `templated SQL (${[...templated.placeholders!.values()][0]}) needs its template values`;
  return null;
}
