import { defineRule } from '../src/engine/rule.js';
import { addedColumnConstraints, existingTableCommands } from '../src/engine/rule-helpers.js';
import { typeRef } from '../src/engine/ast.js';
import { SERIAL_TYPES } from '../src/engine/postgres-facts.js';


export default defineRule({
  id: 'not-null-without-default',
  severity: 'error',
  docs: {
    summary: 'ADD COLUMN ... NOT NULL without a DEFAULT fails on a table that has rows.',
    why: `Existing rows get NULL in a new column unless it has a default, so PostgreSQL rejects
ADD COLUMN ... NOT NULL without DEFAULT with "column contains null values" as soon as the table has a
single row. It works in development on an empty table and fails in production.`,
    safe: `Add the column with a constant default (no rewrite since PostgreSQL 11), or add it nullable,
backfill it in batches, then add the NOT NULL through a validated CHECK constraint:

~~~sql
ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-COLUMN'],
    examples: {
      invalid: [{ sql: 'ALTER TABLE users ADD COLUMN status text NOT NULL;' }],
      valid: [
        { sql: "ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';" },
        { sql: 'CREATE TABLE users (id bigint);\nALTER TABLE users ADD COLUMN status text NOT NULL;' },
      ],
    },
  },
  messages: {
    notNull: {
      message: 'ADD COLUMN "{{column}}" NOT NULL without a DEFAULT fails with "column contains null values" as soon as "{{table}}" has a row.',
      help: 'Give it a constant default (stored in the catalog, no rewrite on PostgreSQL 11+):\n  ALTER TABLE {{table}} ADD COLUMN {{column}} {{type}} NOT NULL DEFAULT <value>;\nor add it nullable, backfill, then add NOT NULL through a validated CHECK constraint.',
    },
  },
  create(context) {
    return {
      AlterTableStmt(node, ctx) {
        for (const { cmd, table } of existingTableCommands(node, ctx, ['AT_AddColumn'])) {
          const constraints = addedColumnConstraints(cmd);
          const notNull = constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
          const filled = constraints.some((c) => ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].includes(c.contype));
          const type = typeRef(cmd.def.ColumnDef.typeName);
          if (!notNull || filled || (type && SERIAL_TYPES.has(type.name))) continue;
          context.report({
            messageId: 'notNull',
            node: cmd.def.ColumnDef,
            data: { table, column: cmd.def.ColumnDef.colname, type: type?.name ?? 'type' },
          });
        }
      },
    };
  },
});
