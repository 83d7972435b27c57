import { defineRule } from '../src/engine/rule.js';
import type { Statement } from '../src/engine/types.js';

const kindOf = (statement: Statement): string => statement.ast?.TransactionStmt?.kind ?? '';
const isBegin = (kind: string) => kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START';
const isEnd = (kind: string) => kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK';

export default defineRule({
  id: 'transaction-nesting',
  severity: 'error',
  docs: {
    summary: 'BEGIN/COMMIT inside a migration the runner already wraps in a transaction, or BEGIN without COMMIT.',
    why: `PostgreSQL has no nested transactions. A BEGIN inside the runner's transaction only warns
("there is already a transaction in progress"), and the COMMIT that follows commits the runner's
transaction early: the statements after it run outside any transaction, and a failure there leaves a
half-applied migration the runner cannot roll back. A BEGIN with no COMMIT leaves the transaction
open after the migration; the runner's bookkeeping then commits or rolls back with it.`,
    safe: `Remove BEGIN/COMMIT from migrations the runner wraps (goose, dbmate, Flyway, Diesel, Atlas,
node-pg-migrate); where the runner does not wrap, close every BEGIN with COMMIT.`,
    sources: ['https://www.postgresql.org/docs/current/sql-begin.html', 'https://www.postgresql.org/docs/current/sql-commit.html'],
    examples: {
      invalid: [
        { sql: 'BEGIN;\nALTER TABLE users ADD COLUMN bio text;\nCOMMIT;', transaction: 'wrapped' },
        { sql: 'BEGIN;\nALTER TABLE users ADD COLUMN bio text;' },
      ],
      valid: [{ sql: 'BEGIN;\nALTER TABLE users ADD COLUMN bio text;\nCOMMIT;' }],
    },
  },
  messages: {
    nested: {
      message: '{{statement}} inside a migration that {{reason}}: PostgreSQL has no nested transactions, so the COMMIT ends the runner\'s transaction early.',
      help: 'Remove the BEGIN/COMMIT: the runner already runs the migration in one transaction.',
    },
    commitsRunner: {
      message: 'COMMIT ends the transaction the runner opened for this migration: the statements after it run outside any transaction.',
      help: 'Remove the COMMIT, or run the migration without the runner\'s transaction.',
    },
    unclosed: {
      message: 'BEGIN without a matching COMMIT: the transaction stays open after the migration.',
      help: 'Add COMMIT; at the end of the migration.',
    },
  },
  create(context) {
    return {
      TransactionStmt(node, ctx) {
        if (ctx.statement.origin !== 'top' || ctx.half.transaction !== 'wrapped') return;
        const kind = String(node.kind ?? '');
        const earlier = ctx.half.statements.slice(0, ctx.index).map(kindOf);
        if (isBegin(kind)) {
          context.report({ messageId: 'nested', data: { statement: 'BEGIN', reason: 'the runner already runs in a transaction' } });
        } else if (isEnd(kind) && !earlier.some(isBegin)) {
          context.report({ messageId: 'commitsRunner' });
        }
      },
    };
  },
  checkMigration({ migration }, context) {
    for (const half of [migration.up, migration.down]) {
      if (!half || half.transaction === 'wrapped') continue;
      let open: Statement | null = null;
      for (const statement of half.statements) {
        if (statement.origin !== 'top') continue;
        const kind = kindOf(statement);
        if (isBegin(kind)) open ??= statement;
        else if (isEnd(kind)) open = null;
      }
      if (open) context.report({ messageId: 'unclosed', statement: open, section: half.section });
    }
  },
});
