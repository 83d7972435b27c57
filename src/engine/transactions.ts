// Which transaction each statement of a half runs in, as the runner runs it: shared by the rules
// (static) and by trace/verify (which replay the same transactions on a real PostgreSQL).
import type { MigrationHalf } from './types.js';

/**
 * The transaction each statement runs in, by index (null: autocommit). Explicit BEGIN/COMMIT
 * open and close transactions; a wrapping runner holds one open from the start; a multi-statement
 * query is one implicit transaction around everything; DO blocks and function bodies always run
 * inside a transaction of their own statement.
 */
export function assignTransactions(half: MigrationHalf, topLevel: number): (number | null)[] {
  let next = 1;
  let open: number | null = null;
  if (half.transaction === 'wrapped' || (half.transaction === 'implicit' && topLevel > 1)) open = next++;
  const implicit = half.transaction === 'implicit' && topLevel > 1;
  const ids: (number | null)[] = [];
  let enclosing: number | null = null;
  for (const statement of half.statements) {
    if (statement.outsideTransaction) {
      // Alembic commits its transaction before an autocommit block and begins a new one after it.
      ids.push(null);
      if (open !== null) open = next++;
      continue;
    }
    if (statement.origin !== 'top') {
      ids.push(enclosing ?? open ?? next++);
      continue;
    }
    const kind = statement.ast?.TransactionStmt?.kind as string | undefined;
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
      if (open === null) open = next++;
      ids.push(open);
    } else if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') {
      ids.push(open);
      // In a multi-statement query the statements after COMMIT start a new implicit transaction.
      open = implicit ? next++ : null;
    } else {
      ids.push(open);
    }
    enclosing = ids[ids.length - 1] ?? null;
  }
  return ids;
}

