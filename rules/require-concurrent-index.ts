import { relationName } from '../src/engine/ast.js';
import { defineRule } from '../src/engine/rule.js';
import { outsideTransactionHint } from '../src/engine/runner-hints.js';
import { copy, rewriteOf } from '../src/engine/rewrite.js';

export default defineRule({
  id: 'require-concurrent-index',
  severity: 'error',
  fixable: true,
  docs: {
    summary: 'CREATE INDEX without CONCURRENTLY on an existing table blocks writes for the whole build.',
    why: `CREATE INDEX takes a SHARE lock on the table: reads go on, but every INSERT, UPDATE and DELETE
waits until the index is built, which on a large table takes minutes to hours. Requests pile up
behind the lock and the application times out.`,
    safe: `Build the index with CONCURRENTLY, which takes only a SHARE UPDATE EXCLUSIVE lock and lets writes
go on. It cannot run inside a transaction block, so it needs a migration of its own that the runner
does not wrap in a transaction. If it fails it leaves an INVALID index: drop it and retry.

~~~sql
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
~~~

An index on a table created in the same migration needs nothing: the table is empty and unseen.`,
    sources: [
      'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY',
      'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES',
    ],
    examples: {
      invalid: [{ sql: 'CREATE INDEX users_email_idx ON users (email);' }],
      valid: [
        { sql: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);' },
        { sql: 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);' },
      ],
    },
  },
  messages: {
    index: {
      message: 'CREATE INDEX on existing table "{{table}}" takes a SHARE lock that blocks every write until the index is built.',
      effect: { kind: 'index-build' },
      help: 'Build it without blocking writes, and {{hint}}:\n  {{rewrite}}',
    },
  },
  create(context) {
    return {
      IndexStmt(node, ctx) {
        const table = relationName(node.relation);
        if (node.concurrent || ctx.isNew(table)) return;
        context.report({
          messageId: 'index',
          data: { table, hint: outsideTransactionHint(ctx.migration, ctx.half) },
          rewrite: rewriteOf({ statements: [{ IndexStmt: { ...copy(node), concurrent: true } }], outsideTransaction: true }),
        });
      },
    };
  },
});
