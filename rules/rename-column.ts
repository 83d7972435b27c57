import { formatType, relationName } from '../src/engine/ast.js';
import { renameColumnPlan } from '../src/engine/rewrite.js';
import { backfillOptions, primaryKeyColumn } from '../src/engine/rule-helpers.js';
import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  id: 'rename-column',
  severity: 'warning',
  fixable: true,
  docs: {
    summary: 'RENAME COLUMN breaks code still running against the old name.',
    why: `During a deploy the old version of the application keeps running until every instance is
replaced. The moment the rename commits, its queries that name the old column fail. The rename also
takes a brief ACCESS EXCLUSIVE lock.`,
    safe: `Expand and contract: add the new column, write to both, backfill, move reads, then drop the old
column in a later release. Or keep the old name for the old code with a view.

~~~sql
ALTER TABLE users ADD COLUMN full_name text;
-- deploy code that writes both and reads full_name; backfill; then later:
ALTER TABLE users DROP COLUMN name;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-RENAME'],
    examples: {
      invalid: [{ sql: 'ALTER TABLE users RENAME COLUMN name TO full_name;' }],
      valid: [{ sql: 'CREATE TABLE users (name text);\nALTER TABLE users RENAME COLUMN name TO full_name;' }],
    },
  },
  messages: {
    rename: {
      message: 'Renaming "{{table}}"."{{from}}" to "{{to}}" breaks every running query that still uses "{{from}}" (the previous release, during the deploy).',
      help: 'Expand and contract: add "{{to}}", write both and backfill, move reads to "{{to}}", and drop "{{from}}" in a later release.',
    },
    renamePlan: {
      message: 'Renaming "{{table}}"."{{from}}" to "{{to}}" breaks every running query that still uses "{{from}}" (the previous release, during the deploy).',
      help: 'Expand and contract: add "{{to}}", kept equal to "{{from}}" by a trigger, backfill it, move the application to "{{to}}", then drop "{{from}}" (`migsafe fix` writes this plan to a proposal file):\n  {{rewrite}}',
    },
  },
  create(context) {
    return {
      RenameStmt(node, ctx) {
        if (node.renameType !== 'OBJECT_COLUMN' || node.relationType !== 'OBJECT_TABLE') return;
        const table = relationName(node.relation);
        if (ctx.isNew(table)) return;
        const known = ctx.catalog.column(table, node.subname);
        const data = { table, from: node.subname, to: node.newname };
        if (!known?.type) {
          context.report({ messageId: 'rename', data });
          return;
        }
        const plan = renameColumnPlan(node.relation, node.subname, node.newname, formatType(known.type), { key: primaryKeyColumn(ctx, table), notNull: known.notNull, pgVersion: ctx.pgVersion, ...backfillOptions(context.options) });
        context.report({ messageId: 'renamePlan', data, rewrite: plan });
      },
    };
  },
});
