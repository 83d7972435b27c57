import { relationName } from '../src/engine/ast.js';
import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  id: 'truncate-table',
  severity: 'error',
  checksDown: false,
  docs: {
    summary: 'TRUNCATE deletes all rows under an ACCESS EXCLUSIVE lock; CASCADE reaches other tables.',
    why: `TRUNCATE takes an ACCESS EXCLUSIVE lock on each table and removes every row, with no way back
once committed. With CASCADE it also empties every table with a foreign key to it. In a migration it
runs against production data. Not reported in down migrations.`,
    safe: `Delete exactly the rows you mean to, in batches, or move the data aside first:

~~~sql
DELETE FROM sessions WHERE expires_at < now() - interval '30 days';
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-truncate.html'],
    examples: {
      invalid: [{ sql: 'TRUNCATE sessions;' }, { sql: 'TRUNCATE users CASCADE;' }],
      valid: [{ sql: 'CREATE TABLE staging (id int);\nTRUNCATE staging;' }],
    },
  },
  messages: {
    truncate: {
      message: 'TRUNCATE "{{table}}" deletes every row under an ACCESS EXCLUSIVE lock{{cascade}}.',
      help: 'Delete only the rows you mean to, in batches (DELETE ... WHERE ...), or copy the data aside first.',
    },
  },
  create(context) {
    return {
      TruncateStmt(node, ctx) {
        const cascade = node.behavior === 'DROP_CASCADE' ? ', and CASCADE also empties every table that references it' : '';
        for (const relation of node.relations ?? []) {
          const table = relationName(relation);
          if (ctx.isNew(table)) continue;
          context.report({ messageId: 'truncate', data: { table, cascade } });
        }
      },
    };
  },
});
