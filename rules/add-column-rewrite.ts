import { defineRule } from '../src/engine/rule.js';
import { alterTable, batchedBackfill, copy, dropConstraint, leaving, notNullCheckCmd, rewriteOf, setDefaultCmd, setNotNull, validateConstraint, withoutCommands } from '../src/engine/rewrite.js';
import { addedColumnConstraints, backfillOptions, existingTableCommands, primaryKeyColumn } from '../src/engine/rule-helpers.js';
import { typeRef } from '../src/engine/ast.js';
import { SERIAL_TYPES, volatileDefaultReason } from '../src/engine/postgres-facts.js';


export default defineRule({
  id: 'add-column-rewrite',
  severity: 'error',
  fixable: true,
  docs: {
    summary: 'ADD COLUMN that rewrites the whole table under an ACCESS EXCLUSIVE lock.',
    why: `ADD COLUMN takes an ACCESS EXCLUSIVE lock. With no default or a non-volatile default (a constant,
now(), CURRENT_TIMESTAMP) PostgreSQL 11+ only records the value in the catalog and is done at once.
But a volatile default (random(), clock_timestamp(), gen_random_uuid(), nextval(), and any function
not known to be stable), a serial/bigserial or identity column, a GENERATED ... STORED column, or any
default before PostgreSQL 11, makes PostgreSQL rewrite every row and rebuild every index while
holding that lock: reads and writes stop for the whole rewrite.`,
    safe: `Add the column without the default (or with a constant one), set the default for new rows
separately, and backfill existing rows in batches:

~~~sql
ALTER TABLE users ADD COLUMN token uuid;
ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();
-- then, in batches outside the migration transaction:
UPDATE users SET token = gen_random_uuid() WHERE id BETWEEN 1 AND 10000 AND token IS NULL;
~~~

The rewrite in the finding (and what \`migsafe fix\` writes) does it in one statement, then fills the
rows in a DO block of its own, run outside a transaction: batches in primary-key order, a COMMIT after
each, resumable (filled rows are passed over); a NOT NULL column gets its CHECK NOT VALID at once,
validated after the backfill, then SET NOT NULL. The batch size and the lock_timeout are options:
\`"rules": { "add-column-rewrite": ["error", { "batchSize": 5000, "lockTimeout": "2s" }] }\`. A table
without a one-column primary key gets the advice, and fix leaves it to you.`,
    sources: [
      'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES',
      'https://www.postgresql.org/docs/current/ddl-alter.html#DDL-ALTER-ADDING-A-COLUMN',
    ],
    examples: {
      invalid: [
        { sql: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();' },
        { sql: 'ALTER TABLE users ADD COLUMN seq bigserial;' },
        { sql: "ALTER TABLE users ADD COLUMN status text DEFAULT 'a';", pgVersion: 10 },
      ],
      valid: [
        { sql: "ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';" },
        { sql: 'ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();' },
      ],
    },
  },
  messages: {
    volatile: {
      message: 'ADD COLUMN "{{column}}" rewrites all of "{{table}}" under an ACCESS EXCLUSIVE lock: {{reason}}.',
      effect: { kind: 'rewrite' },
      help: 'Add the column without it, set the default for new rows, then backfill existing rows in batches (and add NOT NULL, if wanted, through a validated CHECK):\n  {{rewrite}}',
    },
    rewrite: {
      message: 'ADD COLUMN "{{column}}" rewrites all of "{{table}}" under an ACCESS EXCLUSIVE lock: {{reason}}.',
      effect: { kind: 'rewrite' },
      help: '{{help}}',
    },
  },
  create(context) {
    return {
      AlterTableStmt(node, ctx) {
        for (const { cmd, table } of existingTableCommands(node, ctx, ['AT_AddColumn'], { orFilled: true })) {
          const def = cmd.def.ColumnDef;
          const constraints = addedColumnConstraints(cmd);
          const type = typeRef(def.typeName);
          const column = def.colname;
          const typeName = type?.name ?? '';
          const defaultConstraint = constraints.find((c) => c.contype === 'CONSTR_DEFAULT');
          const serial = type ? SERIAL_TYPES.get(type.name) : undefined;
          if (serial) {
            context.report({
              messageId: 'rewrite',
              node: def,
              data: { table, column, reason: `${serial} fills every existing row from a sequence`, help: `Add a nullable ${serial === 'bigserial' ? 'bigint' : 'integer'} column, attach a sequence default for new rows, and backfill existing rows in batches.` },
            });
          } else if (constraints.some((c) => c.contype === 'CONSTR_IDENTITY')) {
            context.report({
              messageId: 'rewrite',
              node: def,
              data: { table, column, reason: 'an identity column fills every existing row', help: 'Add a nullable column, fill it in batches, then ALTER COLUMN ... ADD GENERATED ... AS IDENTITY.' },
            });
          } else if (constraints.some((c) => c.contype === 'CONSTR_GENERATED' && c.generated_kind !== 'v')) {
            context.report({
              messageId: 'rewrite',
              node: def,
              data: { table, column, reason: 'a GENERATED ... STORED column is computed and written for every row', help: 'Use a plain column kept up to date by the application or a trigger and backfilled in batches, or (PostgreSQL 18+) a VIRTUAL generated column.' },
            });
          } else if (type && ctx.catalog.domainHasCheck(type.name)) {
            // Observed on PGlite (test/truth-domains.test.ts): a column of a domain with a CHECK is
            // checked against every existing row by rewriting the table, default or not.
            context.report({
              messageId: 'rewrite',
              node: def,
              data: { table, column, reason: `its type ${type.name} is a domain with a CHECK, which PostgreSQL verifies by rewriting every row`, help: `Add the column as the domain's base type (nullable), backfill it in batches, then add the CHECK NOT VALID and VALIDATE it, or change the column's type to ${type.name} in a maintenance window.` },
            });
          } else if (defaultConstraint) {
            const reason = ctx.pgVersion < 11 ? `before PostgreSQL 11 any DEFAULT is written into every row (target is ${ctx.pgVersion})` : volatileDefaultReason(defaultConstraint.raw_expr);
            if (!reason) continue;
            // The column as written, without its DEFAULT and NOT NULL (existing rows are still NULL).
            const plain = { ...copy(def), constraints: (def.constraints ?? []).filter((c: Record<string, any>) => !['CONSTR_DEFAULT', 'CONSTR_NOTNULL'].includes(c.Constraint?.contype)).map(copy) };
            const notNull = constraints.some((c) => c.contype === 'CONSTR_NOTNULL');
            // Existing rows are filled in batches in the order of a one-column primary key.
            const key = primaryKeyColumn(ctx, table);
            const check = `${node.relation.relname}_${column}_not_null_check`;
            const options = backfillOptions(context.options);
            const filled = rewriteOf(
              // One statement: the column, the default for new rows and the NOT NULL proof, under one
              // brief lock; no row is read or written (observed: test/effect-grid.ts).
              { statements: [alterTable(node.relation, [{ ...copy(cmd), def: { ColumnDef: plain } }, setDefaultCmd(column, defaultConstraint.raw_expr), ...(notNull ? [notNullCheckCmd(column, check)] : [])])] },
              key ? { statements: [batchedBackfill(node.relation, column, key, defaultConstraint.raw_expr, options)], outsideTransaction: true } : null,
              key && notNull ? { statements: [validateConstraint(node.relation, check)] } : null,
              key && notNull ? { statements: [setNotNull(node.relation, column), dropConstraint(node.relation, check)] } : null,
            );
            const rewrite = leaving(key ? filled : filled && { ...filled, manual: `"${table}" has no one-column primary key to fill "${column}" in batches by: write the backfill by hand` }, withoutCommands(node, [cmd]));
            context.report({ messageId: 'volatile', node: def, data: { table, column, reason, type: typeName }, rewrite });
          }
        }
      },
    };
  },
});
