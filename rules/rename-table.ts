import { relationName } from '../src/engine/ast.js';
import { defineRule } from '../src/engine/rule.js';
import { copy, rewriteOf, selectAllView } from '../src/engine/rewrite.js';

export default defineRule({
  id: 'rename-table',
  severity: 'warning',
  docs: {
    summary: 'RENAME TABLE breaks code still running against the old name.',
    why: `The previous release keeps running during a deploy; its queries name the old table and fail as
soon as the rename commits. The rename also takes an ACCESS EXCLUSIVE lock.`,
    safe: `Rename, and leave an updatable view under the old name until no code uses it:

~~~sql
ALTER TABLE customers RENAME TO clients;
CREATE VIEW customers AS SELECT * FROM clients;
-- a later release:
DROP VIEW customers;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-RENAME'],
    examples: {
      invalid: [{ sql: 'ALTER TABLE customers RENAME TO clients;' }],
      valid: [{ sql: 'CREATE TABLE customers (id int);\nALTER TABLE customers RENAME TO clients;' }],
    },
  },
  messages: {
    rename: {
      message: 'Renaming table "{{from}}" to "{{to}}" breaks every running query that still uses "{{from}}".',
      help: 'Keep the old name working until no code uses it, in the same migration:\n  {{rewrite}}',
    },
  },
  create(context) {
    return {
      RenameStmt(node, ctx) {
        if (node.renameType !== 'OBJECT_TABLE') return;
        const from = relationName(node.relation);
        if (ctx.isNew(from)) return;
        const renamed = { ...copy(node.relation), relname: node.newname };
        // The advice followed: a view under the old name, later in the same migration.
        const keepsOldName = ctx.half.statements.slice(ctx.index + 1).some((s) => s.ast?.ViewStmt && relationName(s.ast.ViewStmt.view) === from);
        if (keepsOldName) return;
        context.report({ messageId: 'rename', data: { from, to: node.newname }, rewrite: rewriteOf({ statements: [{ RenameStmt: copy(node) }, selectAllView(node.relation, renamed)] }) });
      },
    };
  },
});
