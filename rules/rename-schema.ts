import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  id: 'rename-schema',
  severity: 'warning',
  docs: {
    summary: 'ALTER SCHEMA ... RENAME breaks every query and search_path that still names the old schema.',
    why: `The previous release keeps running during a deploy, and its queries name the schema (or find
their tables through a search_path that names it): all of them fail as soon as the rename commits.
Views, functions and roles' search_path settings that spell the old name break too.`,
    safe: `Leave the old name working while code moves: create the new schema, move tables one by one with
\`ALTER TABLE ... SET SCHEMA\` and a view under the old name for each, or keep the schema's name and
change what code calls it. Rename only once nothing uses the old name.`,
    sources: ['https://www.postgresql.org/docs/current/sql-alterschema.html', 'https://www.postgresql.org/docs/current/ddl-schemas.html#DDL-SCHEMAS-PATH'],
    examples: {
      invalid: [{ sql: 'ALTER SCHEMA billing RENAME TO payments;' }],
      valid: [{ sql: 'CREATE SCHEMA billing;\nALTER SCHEMA billing RENAME TO payments;' }],
    },
  },
  messages: {
    rename: {
      message: 'Renaming schema "{{from}}" to "{{to}}" breaks every running query, view and search_path that still names "{{from}}".',
      help: 'Move what code uses step by step (a view under the old name for each table), and rename once nothing uses the old name.',
    },
  },
  create(context) {
    return {
      RenameStmt(node, ctx) {
        if (node.renameType !== 'OBJECT_SCHEMA') return;
        // A schema created in this migration is used by nothing yet.
        if (ctx.isNew(`schema ${node.subname}`)) return;
        context.report({ messageId: 'rename', data: { from: node.subname, to: node.newname } });
      },
    };
  },
});
