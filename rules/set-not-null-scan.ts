import { defineRule } from '../src/engine/rule.js';
import { alterTable, copy, dropConstraint, notNullCheck, leaving, rewriteOf, setNotNull, validateConstraint, withoutCommands } from '../src/engine/rewrite.js';
import type { StatementContext } from '../src/engine/rule.js';
import type { AstNode } from '../src/engine/types.js';
import { existingTableCommands } from '../src/engine/rule-helpers.js';

export default defineRule({
  id: 'set-not-null-scan',
  severity: 'error',
  fixable: true,
  docs: {
    summary: 'SET NOT NULL (or a PRIMARY KEY USING INDEX on nullable columns) on an existing table scans the whole table under an ACCESS EXCLUSIVE lock.',
    why: `ALTER COLUMN ... SET NOT NULL takes an ACCESS EXCLUSIVE lock and reads every row to check that none
is NULL: reads and writes stop for the whole scan. Since PostgreSQL 12 the scan is skipped when a
valid CHECK (col IS NOT NULL) constraint already proves it.

\`ADD PRIMARY KEY USING INDEX\` is the documented way to attach an index built concurrently, but a
primary key makes its columns NOT NULL: on a nullable column it runs the same scan under the same
lock (observed on PostgreSQL: test/truth-effects.test.ts).`,
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
      invalid: [
        { sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;' },
        {
          before: ['CREATE TABLE users (id bigint, email text);', 'CREATE UNIQUE INDEX CONCURRENTLY users_pkey ON users (id);'],
          sql: 'ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_pkey;',
        },
      ],
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
      effect: { kind: 'scan' },
      help: 'Prove it with a CHECK constraint first, validated without blocking in an earlier migration; then SET NOT NULL skips the scan (PostgreSQL 12+) and the CHECK can go:\n  {{rewrite}}',
    },
    primaryKey: {
      message: 'PRIMARY KEY USING INDEX "{{index}}" makes "{{table}}".{{columns}} NOT NULL, which scans every row under an ACCESS EXCLUSIVE lock.',
      effect: { kind: 'scan' },
      help: 'Prove the column NOT NULL with a CHECK constraint first, validated without blocking in an earlier migration; then the primary key is attached without a scan and the CHECK can go:\n  {{rewrite}}',
    },
  },
  create(context) {
    // A validated CHECK (col IS NOT NULL); it spares the scan on PostgreSQL 12+.
    const hasProof = (ctx: StatementContext, table: string, column: string) =>
      [...(ctx.catalog.table(table)?.constraints.values() ?? [])].some((c) => c.provesNotNull === column && c.validated);
    const checkName = (node: AstNode, column: string) => `${node.relation.relname}_${column}_not_null_check`;
    return {
      AlterTableStmt(node, ctx) {
        for (const { cmd, table } of existingTableCommands(node, ctx, ['AT_AddConstraint'], { orFilled: true })) {
          const constraint = cmd.def?.Constraint;
          if (constraint?.contype !== 'CONSTR_PRIMARY' || !constraint.indexname) continue;
          const schema = node.relation.schemaname && node.relation.schemaname !== 'public' ? `${node.relation.schemaname}.` : '';
          const columns = ctx.catalog.indexColumns(schema + constraint.indexname);
          // Without the index's columns from the migrations there is nothing to say.
          const nullable = (columns ?? []).filter((c) => !ctx.catalog.column(table, c)?.notNull && !(ctx.pgVersion >= 12 && hasProof(ctx, table, c)));
          if (!nullable.length) continue;
          context.report({
            messageId: 'primaryKey',
            node: constraint,
            rewrite: leaving(
              rewriteOf(
                { statements: nullable.map((c) => notNullCheck(node.relation, c, checkName(node, c))) },
                { statements: nullable.map((c) => validateConstraint(node.relation, checkName(node, c))) },
                { statements: [alterTable(node.relation, [copy(cmd)]), ...nullable.map((c) => dropConstraint(node.relation, checkName(node, c)))] },
              ),
              withoutCommands(node, [cmd]),
            ),
            data: { table, index: constraint.indexname, columns: nullable.map((c) => `"${c}"`).join(', ') },
          });
        }
        for (const { cmd, table } of existingTableCommands(node, ctx, ['AT_SetNotNull'], { orFilled: true })) {
          const column: string = cmd.name;
          if (ctx.catalog.column(table, column)?.notNull) continue;
          const proven = hasProof(ctx, table, column);
          if (proven && ctx.pgVersion >= 12) continue;
          context.report({
            messageId: 'scan',
            // The CHECK is named apart from PostgreSQL 18's own <table>_<column>_not_null constraint.
            rewrite: leaving(
              rewriteOf(
                { statements: [notNullCheck(node.relation, column, checkName(node, column))] },
                { statements: [validateConstraint(node.relation, checkName(node, column))] },
                { statements: [setNotNull(node.relation, column), dropConstraint(node.relation, checkName(node, column))] },
              ),
              withoutCommands(node, [cmd]),
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
