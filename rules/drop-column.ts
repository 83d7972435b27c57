import { defineRule } from '../src/engine/rule.js';
import { existingTableCommands } from '../src/engine/rule-helpers.js';

export default defineRule({
  id: 'drop-column',
  severity: 'warning',
  checksDown: false,
  docs: {
    summary: 'DROP COLUMN breaks code that still reads the column and loses its data.',
    why: `Code of the previous release that selects, inserts or updates the column fails as soon as the
drop commits (ORMs that list every column fail on any query of the table). The data is gone: a
rollback of the code cannot bring it back. Not reported in down migrations, where dropping what up
added is the point.`,
    safe: `First deploy code that no longer uses the column (for Rails-style ORMs, tell the ORM to ignore
it), then drop it in a later migration. Take a backup of the data if it may be needed.

~~~sql
-- release 1: stop reading and writing users.legacy_flag
-- release 2:
ALTER TABLE users DROP COLUMN legacy_flag;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DROP-COLUMN'],
    examples: {
      invalid: [{ sql: 'ALTER TABLE users DROP COLUMN legacy_flag;' }],
      valid: [{ sql: 'CREATE TABLE users (id int, legacy_flag bool);\nALTER TABLE users DROP COLUMN legacy_flag;' }],
    },
  },
  messages: {
    drop: {
      message: 'Dropping "{{table}}"."{{column}}" breaks code that still uses it and deletes its data.',
      help: 'Deploy code that no longer reads or writes "{{column}}" first; drop it in a later migration.',
    },
  },
  create(context) {
    return {
      AlterTableStmt(node, ctx) {
        for (const { cmd, table } of existingTableCommands(node, ctx, ['AT_DropColumn'])) {
          context.report({ messageId: 'drop', data: { table, column: cmd.name } });
        }
      },
    };
  },
});
