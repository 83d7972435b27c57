import { defineRule } from '../src/engine/rule.js';
import { alterTable, batchedBackfill, copy, dropConstraint, notNullCheckCmd, rewriteOf, setNotNull, validateConstraint } from '../src/engine/rewrite.js';
import { addedColumnConstraints, backfillOptions, existingTableCommands, primaryKeyColumn } from '../src/engine/rule-helpers.js';
import { typeRef } from '../src/engine/ast.js';
import { SERIAL_TYPES } from '../src/engine/postgres-facts.js';


export default defineRule({
  id: 'not-null-without-default',
  severity: 'error',
  fixable: true,
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
    notNullBefore12: {
      message: 'ADD COLUMN "{{column}}" NOT NULL without a DEFAULT fails with "column contains null values" as soon as "{{table}}" has a row.',
      help: 'Give it a constant default (`ALTER TABLE {{table}} ADD COLUMN {{column}} {{type}} NOT NULL DEFAULT <value>`), or add it nullable, backfill it, then SET NOT NULL in a maintenance window (before PostgreSQL 12 a validated CHECK does not spare its scan).',
    },
    notNull: {
      message: 'ADD COLUMN "{{column}}" NOT NULL without a DEFAULT fails with "column contains null values" as soon as "{{table}}" has a row.',
      help: 'Give it a constant default (`ALTER TABLE {{table}} ADD COLUMN {{column}} {{type}} NOT NULL DEFAULT <value>`: stored in the catalog, no rewrite on PostgreSQL 11+), or add it nullable, backfill it in batches after the first migration, then add NOT NULL through a validated CHECK:\n  {{rewrite}}',
    },
  },
  create(context) {
    return {
      AlterTableStmt(node, ctx) {
        for (const { cmd, table } of existingTableCommands(node, ctx, ['AT_AddColumn'], { orFilled: true })) {
          const constraints = addedColumnConstraints(cmd);
          const notNull = constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
          const filled = constraints.some((c) => ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].includes(c.contype));
          const type = typeRef(cmd.def.ColumnDef.typeName);
          if (!notNull || filled || (type && SERIAL_TYPES.has(type.name))) continue;
          const column: string = cmd.def.ColumnDef.colname;
          const check = `${node.relation.relname}_${column}_not_null_check`;
          const nullable = { ...copy(cmd.def.ColumnDef), constraints: (cmd.def.ColumnDef.constraints ?? []).filter((c: Record<string, any>) => c.Constraint?.contype !== 'CONSTR_NOTNULL').map(copy) };
          // Rows already there need a value only the user knows: the plan is a proposal, with a
          // placeholder that fails loudly if it runs unedited.
          const key = primaryKeyColumn(ctx, table);
          const value = { ColumnRef: { fields: [{ String: { sval: 'EXISTING_ROWS_VALUE' } }] } };
          const plan = ctx.pgVersion >= 12
            ? rewriteOf(
                { statements: [alterTable(node.relation, [{ ...copy(cmd), def: { ColumnDef: nullable } }, notNullCheckCmd(column, check)])] },
                key ? { statements: [batchedBackfill(node.relation, column, key, value, backfillOptions(context.options))], outsideTransaction: true } : { statements: [] },
                { statements: [validateConstraint(node.relation, check)] },
                { statements: [setNotNull(node.relation, column), dropConstraint(node.relation, check)] },
              )
            : undefined;
          const notes = ['add it nullable, with its NOT NULL proof for new rows (deploy the application that writes it)', `fill the rows that have none: replace "EXISTING_ROWS_VALUE" with their value${key ? '' : ` (${table} has no one-column primary key to batch by: write the UPDATEs by hand)`}`, 'after the backfill', 'then'];
          const rewrite = plan && {
            ...plan,
            proposal: `add "${column}" NOT NULL to ${table}, whose rows need a value for it`,
            migrations: plan.migrations.map((m, i) => ({ ...m, note: notes[i] })),
          };
          context.report({ messageId: rewrite ? 'notNull' : 'notNullBefore12', node: cmd.def.ColumnDef, data: { table, column, type: type?.name ?? 'type' }, rewrite });
        }
      },
    };
  },
});
