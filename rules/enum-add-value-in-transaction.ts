import { qualifiedName, walk } from '../src/engine/ast.js';
import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  id: 'enum-add-value-in-transaction',
  severity: 'error',
  docs: {
    summary: 'ALTER TYPE ... ADD VALUE in a transaction before PostgreSQL 12, or with the new value used later in the same transaction.',
    why: `Before PostgreSQL 12, ALTER TYPE ... ADD VALUE cannot run inside a transaction block at all. From
12 on it can, but the new value cannot be used until the transaction commits: a later statement in
the same transaction that inserts or compares the new label fails with "unsafe use of new value".`,
    safe: `Add the value in its own migration (outside a transaction before PostgreSQL 12), and use it in a
later one:

~~~sql
-- migration 1
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';
-- migration 2
UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-altertype.html#SQL-ALTERTYPE-NOTES'],
    examples: {
      invalid: [
        { sql: "ALTER TYPE order_status ADD VALUE 'refunded';\nUPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;", transaction: 'wrapped' },
        { sql: "ALTER TYPE order_status ADD VALUE 'refunded';", transaction: 'wrapped', pgVersion: 11 },
      ],
      valid: [
        { sql: "ALTER TYPE order_status ADD VALUE 'refunded';", transaction: 'wrapped' },
        { sql: "ALTER TYPE order_status ADD VALUE 'refunded';", pgVersion: 11 },
      ],
    },
  },
  messages: {
    beforeTwelve: {
      message: "ALTER TYPE {{type}} ADD VALUE '{{value}}' cannot run inside a transaction block before PostgreSQL 12 (target is {{pgVersion}}), and {{reason}}.",
      help: 'Put it in its own migration that runs outside a transaction.',
    },
    usedLater: {
      message: "The new value '{{value}}' of {{type}} is used at line {{line}} in the same transaction: PostgreSQL refuses it (\"unsafe use of new value\") until the ALTER TYPE commits.",
      help: 'Add the value in one migration and use it in the next one.',
    },
  },
  create(context) {
    return {
      AlterEnumStmt(node, ctx) {
        if (!node.newVal || node.oldVal || !ctx.inTransaction) return;
        const type = qualifiedName(node.typeName);
        if (ctx.isNew(`type ${type}`)) return;
        if (ctx.pgVersion < 12) {
          context.report({ messageId: 'beforeTwelve', data: { type, value: node.newVal, pgVersion: ctx.pgVersion, reason: ctx.transactionReason } });
          return;
        }
        const later = ctx.half.statements.findIndex(
          (s, i) => i > ctx.index && ctx.transactionIds[i] === ctx.transactionId && s.ast && usesLabel(s.ast, node.newVal),
        );
        if (later < 0) return;
        const user = ctx.half.statements[later]!;
        const line = user.file.text.slice(0, user.span.start).split('\n').length;
        context.report({ messageId: 'usedLater', data: { type, value: node.newVal, line } });
      },
    };
  },
});

function usesLabel(ast: Record<string, unknown>, label: string): boolean {
  let found = false;
  walk(ast, (type, value) => {
    if (type === 'A_Const' && value.sval?.sval === label) found = true;
  });
  return found;
}
