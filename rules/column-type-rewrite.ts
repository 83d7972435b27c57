import { formatType, typeRef } from '../src/engine/ast.js';
import { collationOf } from '../src/engine/catalog.js';
import { defineRule } from '../src/engine/rule.js';
import { alterTable, changeTypePlan, checkNotValidCmd, copy, dropConstraintCmd, rewriteOf, typeSql, validateConstraint } from '../src/engine/rewrite.js';
import { backfillOptions, existingTableCommands, primaryKeyColumn } from '../src/engine/rule-helpers.js';
import { typeChangeVerdict } from '../src/engine/postgres-facts.js';

export default defineRule({
  id: 'column-type-rewrite',
  severity: 'error',
  fixable: true,
  docs: {
    summary: 'ALTER COLUMN TYPE that rewrites the table and its indexes under an ACCESS EXCLUSIVE lock.',
    why: `Changing a column's type takes an ACCESS EXCLUSIVE lock and, unless the old type is binary
coercible to the new one, rewrites every row and rebuilds every index of the table: reads and writes
stop for the whole rewrite. Changes that skip the rewrite: varchar(n) to a larger varchar(m) or to
text/unlimited varchar, numeric(p,s) to a larger precision at the same scale or to unconstrained
numeric, cidr to inet. migsafe knows the old type from the earlier migrations it replays; when it
does not, it says the change may rewrite. What each change does is read from PostgreSQL itself, for
992 pairs of types (src/engine/truth/type-changes.ts).

Even without a rewrite the lock can last: some changes keep the table but rebuild the indexes on the
column (citext to text, a new COLLATE, timestamp to timestamptz with the session TimeZone at UTC,
which a migration can SET; in any other zone that change rewrites), and a CHECK constraint on the
column is checked again on every row (observed: test/truth-effects.test.ts).`,
    safe: `Add a new column of the new type, write to both (trigger or application), backfill in batches, then
switch reads and drop the old column:

~~~sql
ALTER TABLE orders ADD COLUMN amount_v2 bigint;
-- backfill in batches, switch the application, then:
ALTER TABLE orders DROP COLUMN amount;
ALTER TABLE orders RENAME COLUMN amount_v2 TO amount;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES'],
    examples: {
      invalid: [
        { before: ['CREATE TABLE orders (id bigint, amount integer);'], sql: 'ALTER TABLE orders ALTER COLUMN amount TYPE bigint;' },
        { sql: 'ALTER TABLE orders ALTER COLUMN amount TYPE bigint;' },
        { before: ['CREATE TABLE users (id bigint, name varchar(100) CONSTRAINT users_name_check CHECK (name <> \'\'));'], sql: 'ALTER TABLE users ALTER COLUMN name TYPE varchar(200);' },
      ],
      valid: [
        { before: ['CREATE TABLE users (id bigint, name varchar(100));'], sql: 'ALTER TABLE users ALTER COLUMN name TYPE varchar(200);' },
        { before: ['CREATE TABLE users (id bigint, name varchar(100));'], sql: 'ALTER TABLE users ALTER COLUMN name TYPE text;' },
        { before: ['CREATE TABLE events (id bigint, at timestamp);'], sql: "SET TimeZone = 'UTC';\nALTER TABLE events ALTER COLUMN at TYPE timestamptz;" },
      ],
    },
  },
  messages: {
    rewrite: {
      message: 'Changing "{{table}}"."{{column}}" from {{from}} to {{to}} rewrites the table and all its indexes under an ACCESS EXCLUSIVE lock ({{reason}}).',
      effect: { kind: 'rewrite' },
      help: 'Add a new {{to}} column kept written by a trigger, backfill it in batches, swap the two by name, then drop the old one (`migsafe fix` writes this plan to a proposal file):\n  {{rewrite}}',
    },
    indexRebuild: {
      message: 'Changing "{{table}}"."{{column}}" from {{from}} to {{to}} keeps the table but rebuilds the indexes on the column under an ACCESS EXCLUSIVE lock ({{reason}}).',
      effect: { kind: 'index-rebuild' },
      help: 'Build the index the new type needs concurrently first, or make the change in a low-traffic window with a lock_timeout; on a large index, prefer a new column backfilled in batches.',
    },
    checkScan: {
      message: 'Changing "{{table}}"."{{column}}" from {{from}} to {{to}} keeps the table but checks {{constraints}} again on every row under an ACCESS EXCLUSIVE lock.',
      effect: { kind: 'scan' },
      help: 'Drop the CHECK, change the type and add the CHECK back NOT VALID in one step (no scan), then validate it in a separate migration (SHARE UPDATE EXCLUSIVE, no blocking):\n  {{rewrite}}',
    },
    mayRewrite: {
      message: 'Changing "{{table}}"."{{column}}" to {{to}} may rewrite the table and all its indexes under an ACCESS EXCLUSIVE lock: {{reason}}.',
      effect: { kind: 'rewrite' },
      help: 'If the change is not binary coercible (e.g. varchar widening, varchar to text), add a new {{to}} column, backfill it in batches, switch the application to it, then drop the old column.',
    },
  },
  create(context) {
    return {
      AlterTableStmt(node, ctx) {
        for (const { cmd, table } of existingTableCommands(node, ctx, ['AT_AlterColumnType'], { orFilled: true })) {
          const def = cmd.def?.ColumnDef;
          const to = typeRef(def?.typeName);
          if (!to) continue;
          const known = ctx.catalog.column(table, cmd.name);
          const from = known?.type ?? null;
          // A domain is its base type underneath (observed: test/truth-effects.test.ts): to or from
          // one without checks is the change of its base type; to one that checks values (CHECK,
          // NOT NULL), every row is rewritten through the check.
          const fromDomain = from ? ctx.catalog.domain(from.name) : undefined;
          const toDomain = ctx.catalog.domain(to.name);
          const hasUsing = !!def.raw_default && !usesColumnAsIs(def.raw_default, cmd.name);
          let verdict =
            toDomain && (toDomain.check || toDomain.notNull) && !(from && from.name === to.name)
              ? { rewrites: true, uncertain: false, reason: `domain ${to.name} checks every value, so every row is rewritten` }
              : typeChangeVerdict(fromDomain ? fromDomain.base : from, toDomain?.base ?? to, hasUsing, { pgVersion: ctx.pgVersion, timeZone: ctx.timeZone });
          // A new collation keeps the values but orders them differently: the table is kept and the
          // indexes on the column are rebuilt (observed, test/truth-effects.test.ts).
          const collation = collationOf(def);
          const collationChanges = known ? collation !== known.collation : collation !== undefined;
          if (!verdict.rewrites && collationChanges) {
            verdict = { ...verdict, rebuildsIndexes: true, reason: `${collation === undefined ? 'the default collation' : `COLLATE "${collation}"`} orders the values differently` };
          }
          const toText = `${formatType(to)}${collation === undefined ? '' : ` COLLATE "${collation}"`}`;
          const fromText = from ? `${formatType(from)}${known?.collation === undefined ? '' : ` COLLATE "${known.collation}"`}` : 'its current type';
          if (verdict.rebuildsIndexes && ctx.catalog.columnIndexed(table, cmd.name)) {
            context.report({ messageId: 'indexRebuild', data: { table, column: cmd.name, from: fromText, to: toText, reason: verdict.reason } });
            continue;
          }
          if (!verdict.rewrites) {
            // Without a rewrite PostgreSQL still checks the column's CHECK constraints again, reading
            // every row under the ACCESS EXCLUSIVE lock (observed, test/truth-effects.test.ts).
            // Those the same statement drops first are not checked.
            const dropped = new Set((node.cmds ?? []).map((item: Record<string, any>) => item.AlterTableCmd).filter((c: Record<string, any>) => c?.subtype === 'AT_DropConstraint').map((c: Record<string, any>) => c.name));
            const checks = [...(ctx.catalog.table(table)?.constraints.values() ?? [])].filter((c) => c.kind === 'check' && c.checkedColumns?.includes(cmd.name) && !dropped.has(c.name));
            if (checks.length) {
              const names = checks.map((c) => c.name);
              const canRewrite = checks.every((c) => c.expression);
              context.report({
                messageId: 'checkScan',
                data: { table, column: cmd.name, from: fromText, to: toText, constraints: names.map((n) => `"${n}"`).join(', ') },
                rewrite: canRewrite
                  ? rewriteOf(
                      {
                        statements: [
                          alterTable(node.relation, [...names.map(dropConstraintCmd), copy(cmd)]),
                          alterTable(node.relation, checks.map((c) => checkNotValidCmd(c.name, c.expression!))),
                        ],
                      },
                      { statements: names.map((n) => validateConstraint(node.relation, n)) },
                    )
                  : undefined,
              });
            }
            continue;
          }
          // The expand/contract plan: the new column filled with what the USING (or a cast) gives.
          const value = def.raw_default ? copy(def.raw_default) : { TypeCast: { arg: { ColumnRef: { fields: [{ String: { sval: cmd.name } }] } }, typeName: copy(def.typeName) } };
          const plan = verdict.uncertain ? undefined : changeTypePlan(node.relation, cmd.name, typeSql(def.typeName), value, { key: primaryKeyColumn(ctx, table), notNull: !!known?.notNull, pgVersion: ctx.pgVersion, ...backfillOptions(context.options) });
          context.report({
            messageId: verdict.uncertain ? 'mayRewrite' : 'rewrite',
            data: { table, column: cmd.name, from: from ? formatType(from) : 'its current type', to: formatType(to), reason: verdict.reason },
            ...(plan ? { rewrite: plan } : {}),
          });
        }
      },
    };
  },
});

/**
 * A USING that is the column itself (`USING email`, `USING email::text`): PostgreSQL treats it as no
 * USING at all (observed: test/truth-type-changes.test.ts), so it decides nothing about the rewrite.
 */
function usesColumnAsIs(using: Record<string, any>, column: string): boolean {
  const expression = using.TypeCast ? using.TypeCast.arg : using;
  const fields = expression?.ColumnRef?.fields;
  return Array.isArray(fields) && fields.length === 1 && fields[0]?.String?.sval === column;
}
