import { relationName } from '../src/engine/ast.js';
import { defineRule } from '../src/engine/rule.js';
import type { StatementContext } from '../src/engine/rule.js';
import type { AstNode } from '../src/engine/types.js';

/** No WHERE, or one that is true for every row: `WHERE true`, `WHERE 1 = 1`, `WHERE 'a' = 'a'`. */
function everyRow(where: AstNode | undefined): boolean {
  if (!where) return true;
  if (where.A_Const?.boolval?.boolval === true) return true;
  const expr = where.A_Expr;
  if (expr?.kind === 'AEXPR_OP' && expr.name?.[0]?.String?.sval === '=' && expr.lexpr?.A_Const && expr.rexpr?.A_Const) {
    return JSON.stringify({ ...expr.lexpr.A_Const, location: 0 }) === JSON.stringify({ ...expr.rexpr.A_Const, location: 0 });
  }
  return false;
}

export default defineRule({
  id: 'whole-table-dml',
  severity: 'warning',
  docs: {
    summary: 'UPDATE or DELETE of every row of an existing table in a migration (no WHERE, or one that is always true).',
    why: `One statement that touches every row runs as one transaction: it locks every row it changes until
it commits (concurrent updates of those rows wait), writes a new version of each row (the table
and its indexes bloat, the WAL spikes and replicas lag), and on a large table it runs for minutes
while the deploy waits. A WHERE that is always true (\`WHERE true\`, \`WHERE 1 = 1\`) is the same.`,
    safe: `Backfill in batches, each its own short transaction, outside the schema migration (a job, or a
migration that loops), keyed by the primary key:

~~~sql
UPDATE users SET plan = 'free' WHERE id IN (SELECT id FROM users WHERE plan IS NULL ORDER BY id LIMIT 1000);
-- repeat until it updates no row
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-update.html', 'https://www.postgresql.org/docs/current/routine-vacuuming.html'],
    examples: {
      invalid: [{ sql: "UPDATE users SET plan = 'free';" }, { sql: 'DELETE FROM sessions WHERE 1 = 1;' }],
      valid: [{ sql: "UPDATE users SET plan = 'free' WHERE plan IS NULL AND id < 1000;" }, { sql: "CREATE TABLE plans (id int, name text);\nINSERT INTO plans VALUES (1, 'free');\nUPDATE plans SET name = 'basic';" }],
    },
  },
  messages: {
    update: {
      message: 'UPDATE of every row of "{{table}}" in one statement: each row stays locked until it commits, and the table and its indexes get a new version of every row.',
      help: 'Backfill in batches of a few thousand rows by primary key, each in its own transaction, outside the schema migration.',
    },
    delete: {
      message: 'DELETE of every row of "{{table}}" in one statement: each row stays locked until it commits, and every row is left as a dead version for VACUUM.',
      help: 'Delete in batches by primary key, each in its own transaction; to empty a table no one reads, TRUNCATE is instant (but takes ACCESS EXCLUSIVE).',
    },
  },
  create(context) {
    const check = (kind: 'update' | 'delete', node: AstNode, ctx: StatementContext) => {
      const table = relationName(node.relation);
      if (ctx.isNew(table) || !everyRow(node.whereClause)) return;
      // Under a DDL lock held in the same transaction, backfill-in-ddl-transaction says it already.
      if (ctx.heldLocks.has(table)) return;
      context.report({ messageId: kind, data: { table } });
    };
    return {
      UpdateStmt: (node, ctx) => check('update', node, ctx),
      DeleteStmt: (node, ctx) => check('delete', node, ctx),
    };
  },
});
