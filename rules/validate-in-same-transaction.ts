import { relationName } from '../src/engine/ast.js';
import { lockWithArticle } from '../src/engine/postgres-facts.js';
import { defineRule } from '../src/engine/rule.js';
import { leaving, rewriteOf, validateConstraint, withoutCommands } from '../src/engine/rewrite.js';

export default defineRule({
  id: 'validate-in-same-transaction',
  severity: 'warning',
  fixable: true,
  docs: {
    summary: 'VALIDATE CONSTRAINT in the same transaction as the NOT VALID add, or as another strong lock on the table.',
    why: `The point of NOT VALID is to split a constraint into an instant add and a VALIDATE that takes only
a SHARE UPDATE EXCLUSIVE lock. In the same transaction as the ADD ... NOT VALID (or any statement that
took a lock blocking reads or writes on the table), the strong lock taken earlier is held until
COMMIT, so the whole validation scan runs under it: nothing was gained.`,
    safe: `Validate in a separate migration (or after a COMMIT):

~~~sql
-- migration 1
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
-- migration 2
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES'],
    examples: {
      invalid: [
        {
          sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;',
          transaction: 'wrapped',
        },
      ],
      valid: [
        { sql: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;', transaction: 'wrapped' },
        { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;' },
      ],
    },
  },
  messages: {
    sameTransaction: {
      message: 'VALIDATE CONSTRAINT "{{constraint}}" runs in the same transaction as {{earlier}} (line {{line}}), which holds {{mode}} lock on "{{table}}" until COMMIT: the validation scan runs under that lock.',
      effect: { kind: 'scan' },
      help: 'Move the VALIDATE into a separate migration, so it runs under SHARE UPDATE EXCLUSIVE only:\n  {{rewrite}}',
    },
  },
  create(context) {
    return {
      AlterTableStmt(node, ctx) {
        if (!ctx.inTransaction) return;
        const table = relationName(node.relation);
        if (ctx.isNew(table)) return;
        for (const item of node.cmds ?? []) {
          const cmd = item.AlterTableCmd;
          if (cmd?.subtype !== 'AT_ValidateConstraint') continue;
          const held = ctx.heldLocks.get(table);
          if (!held) continue;
          const file = held.statement.file;
          const line = file.text.slice(0, held.statement.span.start).split('\n').length;
          const addsIt = new RegExp(`\\bconstraint\\s+"?${cmd.name}"?`, 'i').test(held.statement.text);
          context.report({
            messageId: 'sameTransaction',
            data: { constraint: cmd.name, table, mode: lockWithArticle(held.mode), line, earlier: addsIt ? 'the statement that added it' : 'an earlier statement' },
            rewrite: leaving(rewriteOf({ statements: [validateConstraint(node.relation, cmd.name)], apart: true }), withoutCommands(node, [cmd])),
          });
        }
      },
    };
  },
});
