import { defineRule } from '../src/engine/rule.js';
import { dropTargets } from '../src/engine/postgres-facts.js';

export default defineRule({
  id: 'enum-drop',
  severity: 'error',
  checksDown: false,
  docs: {
    summary: 'DROP TYPE fails while columns use the type; with CASCADE it drops those columns.',
    why: `DROP TYPE fails with "cannot drop type ... because other objects depend on it" while any column,
function or view uses it. DROP TYPE ... CASCADE succeeds by dropping those columns, with their data.
Not reported in down migrations, where dropping the type up created is the cleanup.`,
    safe: `Move the columns off the type first (to text, or to the new type), deploy code that no longer uses
it, then drop it without CASCADE:

~~~sql
ALTER TABLE users ALTER COLUMN status TYPE text;
DROP TYPE user_status;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-droptype.html'],
    examples: {
      invalid: [{ sql: 'DROP TYPE user_status;' }, { sql: 'DROP TYPE user_status CASCADE;' }],
      valid: [{ sql: "CREATE TYPE mood AS ENUM ('ok');\nDROP TYPE mood;" }],
    },
  },
  messages: {
    drop: {
      message: 'DROP TYPE "{{type}}" fails while any column still uses it{{cascade}}.',
      help: 'Move the columns that use "{{type}}" to another type first, then drop it without CASCADE.',
    },
  },
  create(context) {
    return {
      DropStmt(node, ctx) {
        if (node.removeType !== 'OBJECT_TYPE') return;
        for (const type of dropTargets(node)) {
          if (ctx.isNew(`type ${type}`)) continue;
          const cascade = node.behavior === 'DROP_CASCADE' ? '; with CASCADE it instead drops every column of that type, and its data' : '';
          context.report({ messageId: 'drop', data: { type, cascade } });
        }
      },
    };
  },
});
