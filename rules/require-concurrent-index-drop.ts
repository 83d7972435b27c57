import { defineRule } from '../src/engine/rule.js';
import { dropTargets } from '../src/engine/postgres-facts.js';
import { outsideTransactionHint } from '../src/engine/runner-hints.js';
import { copy, leaving, rewriteOf } from '../src/engine/rewrite.js';

export default defineRule({
  id: 'require-concurrent-index-drop',
  severity: 'warning',
  fixable: true,
  docs: {
    summary: 'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table.',
    why: `A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: every read and write of the
table waits. Dropping is quick, but the lock must first wait for every running transaction on the
table, and everything queued behind it waits too.`,
    safe: `Drop it with CONCURRENTLY (outside a transaction block), which waits for conflicting transactions
without blocking new reads and writes:

~~~sql
DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-dropindex.html'],
    examples: {
      invalid: [{ sql: 'DROP INDEX users_email_idx;' }],
      valid: [
        { sql: 'DROP INDEX CONCURRENTLY users_email_idx;' },
        { sql: 'CREATE TABLE t (a int);\nCREATE INDEX t_a_idx ON t (a);\nDROP INDEX t_a_idx;' },
      ],
    },
  },
  messages: {
    drop: {
      message: 'DROP INDEX "{{index}}" takes an ACCESS EXCLUSIVE lock on its table, blocking reads and writes while it waits and runs.',
      help: 'Drop it concurrently, and {{hint}}:\n  {{rewrite}}',
    },
  },
  create(context) {
    return {
      DropStmt(node, ctx) {
        if (node.removeType !== 'OBJECT_INDEX' || node.concurrent) return;
        // DROP INDEX CONCURRENTLY drops one index at a time: one rewrite per index.
        (node.objects ?? []).forEach((object: Record<string, unknown>, i: number) => {
          const index = dropTargets({ ...node, objects: [object] })[0];
          if (index === undefined) return;
          const table = ctx.catalog.indexTable(index);
          if (ctx.isNew(`index ${index}`) || (table && ctx.isNew(table))) return;
          context.report({
            messageId: 'drop',
            data: { index, hint: outsideTransactionHint(ctx.migration, ctx.half) },
            rewrite: leaving(
              rewriteOf({ statements: [{ DropStmt: { ...copy(node), objects: [copy(node.objects[i])], concurrent: true, behavior: 'DROP_RESTRICT' } }], outsideTransaction: true }),
              node.objects.length > 1 ? { DropStmt: { ...copy(node), objects: node.objects.filter((_: unknown, j: number) => j !== i).map(copy) } } : null,
            ),
          });
        });
      },
    };
  },
});
