import { qualifiedName } from '../src/engine/ast.js';
import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  id: 'enum-rename-value',
  severity: 'warning',
  docs: {
    summary: 'ALTER TYPE ... RENAME VALUE breaks code that still compares or writes the old label.',
    why: `Renaming an enum label is instant, but code of the previous release that writes the old label
fails with "invalid input value for enum", and code that compares with it silently matches nothing.`,
    safe: `Add the new label, move the rows and the code to it, and stop using the old one (enum labels cannot
be dropped; switch to a lookup table if labels change often):

~~~sql
ALTER TYPE order_status ADD VALUE 'cancelled';
-- later, after the code writes 'cancelled':
UPDATE orders SET status = 'cancelled' WHERE status = 'canceled';
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-altertype.html'],
    examples: {
      invalid: [{ sql: "ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';" }],
      valid: [{ sql: "ALTER TYPE order_status ADD VALUE 'cancelled';" }],
    },
  },
  messages: {
    rename: {
      message: "Renaming label '{{from}}' of {{type}} to '{{to}}' breaks code that still writes or compares '{{from}}'.",
      help: "Add '{{to}}' as a new value, move rows and code to it, and stop using '{{from}}'.",
    },
  },
  create(context) {
    return {
      AlterEnumStmt(node, ctx) {
        if (!node.oldVal) return;
        const type = qualifiedName(node.typeName);
        if (ctx.isNew(`type ${type}`)) return;
        context.report({ messageId: 'rename', data: { type, from: node.oldVal, to: node.newVal } });
      },
    };
  },
});
