import { defineRule } from '../src/engine/rule.js';
import { dropTargets } from '../src/engine/postgres-facts.js';

export default defineRule({
  id: 'drop-table',
  severity: 'warning',
  checksDown: false,
  docs: {
    summary: 'DROP TABLE (or DROP SCHEMA ... CASCADE) breaks running code and loses data.',
    why: `Code still using the table fails the moment the drop commits, and its data is gone. DROP SCHEMA
... CASCADE drops every table in the schema. DROP TABLE also takes an ACCESS EXCLUSIVE lock (and
CASCADE drops foreign keys on other tables). Not reported in down migrations.`,
    safe: `Stop using the table in a release first; drop it in a later migration, after a backup if the
data may be needed. Renaming it aside first (\`ALTER TABLE t RENAME TO t_deprecated\`) makes a
forgotten reader fail loudly while the data is still there.`,
    sources: ['https://www.postgresql.org/docs/current/sql-droptable.html', 'https://www.postgresql.org/docs/current/sql-dropschema.html'],
    examples: {
      invalid: [{ sql: 'DROP TABLE audit_log;' }, { sql: 'DROP SCHEMA reporting CASCADE;' }],
      valid: [{ sql: 'CREATE TABLE tmp_import (id int);\nDROP TABLE tmp_import;' }, { sql: 'DROP SCHEMA reporting;' }],
    },
  },
  messages: {
    table: {
      message: 'Dropping table "{{table}}" breaks code that still uses it and deletes its data{{cascade}}.',
      help: 'Stop using "{{table}}" in a release first, back it up if the data may be needed, then drop it in a later migration.',
    },
    schema: {
      message: 'DROP SCHEMA "{{schema}}" CASCADE drops every table, view and function in it, with their data.',
      help: 'Drop the objects you mean to drop by name, so the migration says what it deletes; then DROP SCHEMA {{schema}} without CASCADE.',
    },
  },
  create(context) {
    return {
      DropStmt(node, ctx) {
        const cascade = node.behavior === 'DROP_CASCADE';
        if (node.removeType === 'OBJECT_TABLE') {
          for (const table of dropTargets(node)) {
            if (ctx.isNew(table)) continue;
            context.report({ messageId: 'table', data: { table, cascade: cascade ? ' (CASCADE also drops the views and foreign keys that depend on it)' : '' } });
          }
        } else if (node.removeType === 'OBJECT_SCHEMA' && cascade) {
          for (const schema of dropTargets(node)) context.report({ messageId: 'schema', data: { schema } });
        }
      },
    };
  },
});
