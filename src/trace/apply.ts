// Runs a migration half on a database the way its runner would: statement by statement, inside
// the transactions the runner opens (and the ones the SQL opens itself).
import { assignTransactions } from '../engine/transactions.js';
import { refusesTransactionBlock } from '../engine/postgres-facts.js';
import type { MigrationHalf, Statement } from '../engine/types.js';
import { refusals } from './containment.js';
import { postgresError, type Database, type PostgresError } from './database.js';

export interface StatementStep {
  statement: Statement;
  /** Whether the statement ran inside a transaction that stays open after it. */
  inTransaction: boolean;
  /** The runner's transaction (or null), as the rules see it. */
  transactionId: number | null;
}

/** A statement that was not run, and why. */
export interface NotRun {
  statement: Statement;
  reason: string;
  /** Refused for its effects beyond the throwaway database (reported as server-effect-refused). */
  serverWide: boolean;
}

export interface HalfOutcome {
  failed?: { statement: Statement; error: PostgresError };
  /** Operations that could not be lowered to SQL, and statements refused where the half ran. */
  skipped: NotRun[];
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
  const refused = refusals(half.statements, db.onServer, db.allowServerWide);
  let inTransaction = false;
  let runnerOpened = false;
  let runnerId: number | null = null;
  for (let index = 0; index < half.statements.length; index++) {
    const statement = half.statements[index]!;
    if (statement.origin !== 'top' || !top.includes(statement)) continue;
    if (statement.unanalyzable !== undefined) {
      outcome.skipped.push({ statement, reason: `migsafe could not run this operation: ${statement.unanalyzable}`, serverWide: false });
      continue;
    }
    const refusal = refused.get(statement);
    if (refusal) {
      outcome.skipped.push({ statement, reason: `migsafe did not run this statement: ${refusal.reason}`, serverWide: refusal.serverWide });
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

/**
 * Errors that mean "PGlite (or this server, or the run role) lacks something", not "the migration
 * is wrong": the reason, with where it comes from.
 */
export function unsupportedReason(error: PostgresError, db: Pick<Database, 'onServer'>): string | null {
  const reason = unsupportedError(error);
  if (!reason) return null;
  if (!db.onServer) return `${reason} (the embedded PostgreSQL lacks it; use --database-url for your server)`;
  return /permission denied|must be|SET ROLE/i.test(reason) ? `${reason} (migsafe runs migrations as a role created for the run, with no server-wide privileges)` : `${reason} (the server lacks it)`;
}

function unsupportedError(error: PostgresError): string | null {
  if (/extension ".*" is not available|could not open extension control file/i.test(error.message)) return error.message;
  if (/role ".*" does not exist/i.test(error.message)) return error.message;
  if (/tablespace ".*" does not exist/i.test(error.message)) return error.message;
  if (/permission denied|must be (superuser|owner|a member of role|able to SET ROLE)/i.test(error.message)) return error.message;
  if (/(language|text search configuration|collation) ".*" does not exist/i.test(error.message)) return error.message;
  return null;
}

/** Why a migration cannot be run at all: templated SQL keeps its placeholders. */
export function unrunnableReason(half: MigrationHalf): string | null {
  const templated = half.statements.find((s) => s.placeholders?.size);
  if (templated) return `templated SQL (${[...templated.placeholders!.values()][0]}) needs its template values`;
  return null;
}
