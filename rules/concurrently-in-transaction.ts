import { defineRule } from '../src/engine/rule.js';
import { refusesTransactionBlock } from '../src/engine/postgres-facts.js';
import { outsideTransactionHint } from '../src/engine/runner-hints.js';

export default defineRule({
  id: 'concurrently-in-transaction',
  severity: 'error',
  docs: {
    summary: 'A statement PostgreSQL refuses inside a transaction block runs inside one: the deploy fails.',
    why: `CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION
CONCURRENTLY, VACUUM, CREATE DATABASE and a few others fail with "cannot run inside a transaction
block" when the runner wraps the migration in a transaction, when the SQL says BEGIN before them, or
when the file is sent as one multi-statement query (golang-migrate, Prisma), which PostgreSQL runs as
one implicit transaction. The migration fails at deploy time.`,
    safe: `Move the statement into a migration of its own that runs outside a transaction, with your runner's
marker: goose \`-- +goose NO TRANSACTION\`, dbmate \`-- migrate:up transaction:false\`, Atlas
\`-- atlas:txmode none\`, Flyway \`executeInTransaction=false\`; for golang-migrate and Prisma, alone in
its file.

~~~sql
-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
~~~`,
    sources: [
      'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY',
      'https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT',
    ],
    examples: {
      invalid: [
        { sql: 'BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;' },
        { sql: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);', transaction: 'wrapped' },
      ],
      valid: [{ sql: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);' }],
    },
  },
  messages: {
    refused: {
      message: '{{what}} cannot run inside a transaction block, and this one runs in a transaction: {{reason}}. The migration will fail.',
      help: 'To run it outside a transaction, {{hint}}.',
    },
  },
  create(context) {
    return {
      '*'(ast, ctx) {
        const what = refusesTransactionBlock(ast);
        if (!what || !ctx.inTransaction) return;
        context.report({
          messageId: 'refused',
          data: { what, reason: ctx.transactionReason, hint: outsideTransactionHint(ctx.migration, ctx.half) },
        });
      },
    };
  },
});
