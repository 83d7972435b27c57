import { defineRule } from '../src/engine/rule.js';
import { dropConstraint, notNullCheck, rewriteOf, setNotNull, validateConstraint } from '../src/engine/rewrite.js';
import { existingTableCommands } from '../src/engine/rule-helpers.js';

export default defineRule({
  id: 'set-not-null-scan',
  severity: 'error',
  docs: {
    summary: 'SET NOT NULL on an existing table scans the whole table under an ACCESS EXCLUSIVE lock.',
    why: `ALTER COLUMN ... SET NOT NULL takes an ACCESS EXCLUSIVE lock and reads every row to check that none
is NULL: reads and writes stop for the whole scan. Since PostgreSQL 12 the scan is skipped when a
valid CHECK (col IS NOT NULL) constraint already proves it.`,
    safe: `Prove it first without the long lock, then set it (PostgreSQL 12+):

~~~sql
ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
-- next migration (VALIDATE takes only SHARE UPDATE EXCLUSIVE):
ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_email_not_null;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL'],
    examples: {
      invalid: [{ sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;' }],
      valid: [
        {
          before: ['ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;', 'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;'],
          sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        },
      ],
    },
  },
  messages: {
    scan: {
      message: 'SET NOT NULL on "{{table}}"."{{column}}" scans every row under an ACCESS EXCLUSIVE lock{{knownNote}}.',
      help: 'Prove it with a CHECK constraint first, validated without blocking in an earlier migration; then SET NOT NULL skips the scan (PostgreSQL 12+) and the CHECK can go:\n  {{rewrite}}',
    },
  },
  create(context) {
    return {
      AlterTableStmt(node, ctx) {
        for (const { cmd, table } of existingTableCommands(node, ctx, ['AT_SetNotNull'])) {
          const column: string = cmd.name;
          const info = ctx.catalog.table(table);
          if (info?.columns.get(column)?.notNull) continue;
          const proven = [...(info?.constraints.values() ?? [])].some((c) => c.provesNotNull === column && c.validated);
          if (proven && ctx.pgVersion >= 12) continue;
          context.report({
            messageId: 'scan',
            // The CHECK is named apart from PostgreSQL 18's own <table>_<column>_not_null constraint.
            rewrite: rewriteOf(
              { statements: [notNullCheck(node.relation, column, `${node.relation.relname}_${column}_not_null_check`)] },
              { statements: [validateConstraint(node.relation, `${node.relation.relname}_${column}_not_null_check`)] },
              { statements: [setNotNull(node.relation, column), dropConstraint(node.relation, `${node.relation.relname}_${column}_not_null_check`)] },
            ),
            data: {
              table,
              column,
              knownNote: proven ? ` (the CHECK that proves it only skips the scan on PostgreSQL 12+; target is ${ctx.pgVersion})` : '',
            },
          });
        }
      },
    };
  },
});
