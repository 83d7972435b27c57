import { relationName } from '../src/engine/ast.js';
import { lockWithArticle } from '../src/engine/postgres-facts.js';
import { defineRule, type StatementContext } from '../src/engine/rule.js';

export default defineRule({
  id: 'backfill-in-ddl-transaction',
  severity: 'warning',
  docs: {
    summary: 'UPDATE, DELETE or INSERT ... SELECT on a table in the same transaction as DDL that locked it.',
    why: `DDL locks (ACCESS EXCLUSIVE for most ALTER TABLE forms) are held until the transaction commits. A
backfill that runs after the DDL in the same transaction keeps the table locked for as long as the
backfill takes, which on a large table is minutes: every read and write of the table waits.`,
    safe: `Commit the DDL first, then backfill in batches, each in its own short transaction (a separate
migration or a background job):

~~~sql
-- migration 1
ALTER TABLE users ADD COLUMN normalized_email text;
-- migration 2 (or a job), repeated until done:
UPDATE users SET normalized_email = lower(email)
WHERE id IN (SELECT id FROM users WHERE normalized_email IS NULL LIMIT 10000);
~~~`,
    sources: ['https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES'],
    examples: {
      invalid: [{ sql: 'ALTER TABLE users ADD COLUMN normalized_email text;\nUPDATE users SET normalized_email = lower(email);', transaction: 'wrapped' }],
      valid: [
        { sql: 'ALTER TABLE users ADD COLUMN normalized_email text;\nUPDATE users SET normalized_email = lower(email);' },
        { sql: 'CREATE TABLE users (email text, normalized_email text);\nUPDATE users SET normalized_email = lower(email);', transaction: 'wrapped' },
      ],
    },
  },
  messages: {
    backfill: {
      message: '{{verb}} on "{{table}}" runs in the same transaction as the statement at line {{line}}, which holds {{mode}} lock on it until COMMIT: the table stays locked for the whole backfill.',
      help: 'Commit the DDL first, then backfill in batches in separate short transactions (a later migration or a job).',
    },
  },
  create(context) {
    const check = (verb: string, relation: Record<string, unknown> | undefined, ctx: StatementContext) => {
      if (ctx.statement.origin === 'function-body' || !relation) return;
      const table = relationName(relation);
      const held = ctx.heldLocks.get(table);
      if (!held || ctx.isNew(table)) return;
      const line = held.statement.file.text.slice(0, held.statement.span.start).split('\n').length;
      context.report({ messageId: 'backfill', data: { verb, table, line, mode: lockWithArticle(held.mode) } });
    };
    return {
      UpdateStmt: (node, ctx) => check('UPDATE', node.relation, ctx),
      DeleteStmt: (node, ctx) => check('DELETE', node.relation, ctx),
      InsertStmt(node, ctx) {
        if (node.selectStmt?.SelectStmt?.fromClause) check('INSERT ... SELECT', node.relation, ctx);
      },
    };
  },
});
