import { qualifiedName, relationName } from '../src/engine/ast.js';
import { defineRule } from '../src/engine/rule.js';
import { alterTable, copy, firstColumnOf, leaving, rewriteOf, validateConstraint, withoutCommands } from '../src/engine/rewrite.js';
import { addedColumnConstraints, existingTableCommands } from '../src/engine/rule-helpers.js';

export default defineRule({
  id: 'constraint-without-not-valid',
  severity: 'error',
  fixable: true,
  docs: {
    summary: 'ADD CONSTRAINT CHECK or FOREIGN KEY without NOT VALID scans the table while holding a blocking lock.',
    why: `Adding a CHECK constraint takes an ACCESS EXCLUSIVE lock and reads every row to check it. Adding
one to a domain (ALTER DOMAIN ... ADD CONSTRAINT) checks every column of that type in every table,
under a SHARE lock on each (observed on PostgreSQL: test/truth-domains.test.ts). Adding a
FOREIGN KEY takes SHARE ROW EXCLUSIVE locks on both the table and the referenced table (writes to
both stop) and checks every row against the referenced table. Either way the lock is held for the
whole scan.

A foreign key declared on a column added by the same statement, without a default, checks nothing:
the column is NULL in every row, and PostgreSQL reads no row (observed:
test/truth-effects.test.ts). It is not reported. Added by a statement of its own after the column
(as knex does), it reads every row even so.`,
    safe: `Add the constraint NOT VALID (instant: only new rows are checked), then validate it in a separate
migration; VALIDATE CONSTRAINT takes only a SHARE UPDATE EXCLUSIVE lock, so reads and writes go on:

~~~sql
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
-- next migration:
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
~~~`,
    sources: [
      'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT',
      'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES',
    ],
    examples: {
      invalid: [
        { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);' },
        { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);' },
        { sql: 'ALTER TABLE orders ADD COLUMN owner_id int DEFAULT 1 REFERENCES users (id);' },
      ],
      valid: [
        // A new column without a default is NULL in every row: the foreign key validates nothing.
        { sql: 'ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id);' },
        { sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;' },
        { sql: 'CREATE TABLE orders (id bigint, user_id bigint);\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);' },
      ],
    },
  },
  messages: {
    foreignKey: {
      message: 'Adding foreign key {{name}} validates every row of "{{table}}" while holding SHARE ROW EXCLUSIVE locks on "{{table}}" and "{{referenced}}": writes to both stop.',
      effect: { kind: 'scan' },
      help: 'Add it NOT VALID, then validate it in a separate migration (SHARE UPDATE EXCLUSIVE, no blocking):\n  {{rewrite}}',
    },
    domain: {
      message: 'Adding CHECK constraint {{name}} to domain "{{domain}}" checks every column of that type in every table, while holding a lock that blocks writes to them.',
      help: 'Add it NOT VALID (instant; new values are checked). Its VALIDATE still blocks writes to every table using the domain while it scans them (a SHARE lock, unlike a table constraint\'s VALIDATE), so run it apart, in a quiet window with a lock_timeout; or check the columns with table CHECK constraints, which validate under SHARE UPDATE EXCLUSIVE:\n  {{rewrite}}',
    },
    check: {
      message: 'Adding CHECK constraint {{name}} scans every row of "{{table}}" under an ACCESS EXCLUSIVE lock.',
      effect: { kind: 'scan' },
      help: 'Add it NOT VALID, then validate it in a separate migration (SHARE UPDATE EXCLUSIVE, no blocking):\n  {{rewrite}}',
    },
  },
  create(context) {
    const reportConstraint = (node: Record<string, any>, cmd: Record<string, any>, constraint: Record<string, any>, table: string, columns: string[]) => {
      if (constraint.skip_validation) return;
      const name = constraint.conname ? `"${constraint.conname}"` : '(unnamed)';
      // PostgreSQL's own name for an unnamed one (<table>_<columns>_fkey / _check), so that the
      // VALIDATE after it can name it.
      const named = constraint.contype === 'CONSTR_CHECK' && !columns.length ? [firstColumnOf(constraint.raw_expr)].filter((c): c is string => !!c) : columns;
      const suggested = constraint.conname ?? [node.relation?.relname ?? table, ...named, constraint.contype === 'CONSTR_FOREIGN' ? 'fkey' : 'check'].join('_');
      const notValid: Record<string, any> = { ...copy(constraint), conname: suggested, skip_validation: true, ...(constraint.contype === 'CONSTR_FOREIGN' && !constraint.fk_attrs?.length ? { fk_attrs: columns.map((c) => ({ String: { sval: c } })) } : {}) };
      delete notValid.initially_valid;
      const addConstraint = { subtype: 'AT_AddConstraint', def: { Constraint: notValid }, behavior: 'DROP_RESTRICT' };
      // An inline constraint of ADD COLUMN: the column without it, then the constraint NOT VALID.
      const commands = cmd.subtype === 'AT_AddColumn'
        ? [{ ...copy(cmd), def: { ColumnDef: { ...copy(cmd.def.ColumnDef), constraints: (cmd.def.ColumnDef.constraints ?? []).filter((c: Record<string, any>) => c.Constraint !== constraint).map(copy) } } }, addConstraint]
        : [addConstraint];
      const rewrite = leaving(rewriteOf({ statements: [alterTable(node.relation, commands)] }, { statements: [validateConstraint(node.relation, suggested)] }), withoutCommands(node, [cmd]));
      if (constraint.contype === 'CONSTR_FOREIGN') {
        context.report({ messageId: 'foreignKey', node: constraint, data: { name, table, referenced: relationName(constraint.pktable) }, rewrite });
      } else if (constraint.contype === 'CONSTR_CHECK') {
        context.report({ messageId: 'check', node: constraint, data: { name, table }, rewrite });
      }
    };
    return {
      AlterDomainStmt(node, ctx) {
        const constraint = node.def?.Constraint;
        if (node.subtype !== 'C' || constraint?.contype !== 'CONSTR_CHECK' || constraint.skip_validation) return;
        const domain = qualifiedName(node.typeName);
        // A domain created in this migration is used by no existing row yet.
        if (ctx.isNew(`type ${domain}`)) return;
        const name = constraint.conname ?? `${domain.split('.').pop()}_check`;
        const notValid: Record<string, any> = { ...copy(constraint), conname: name, skip_validation: true };
        delete notValid.initially_valid;
        const rewrite = rewriteOf({ statements: [{ AlterDomainStmt: { ...copy(node), def: { Constraint: notValid } } }] }, { statements: [{ AlterDomainStmt: { subtype: 'V', typeName: copy(node.typeName), name, behavior: 'DROP_RESTRICT' } }] });
        context.report({ messageId: 'domain', node: constraint, data: { domain, name: constraint.conname ? `"${constraint.conname}"` : '(unnamed)' }, rewrite });
      },
      AlterTableStmt(node, ctx) {
        for (const { cmd, table } of existingTableCommands(node, ctx, ['AT_AddConstraint', 'AT_AddColumn'], { orFilled: true })) {
          if (cmd.subtype === 'AT_AddConstraint') {
            const constraint = cmd.def?.Constraint;
            if (constraint) reportConstraint(node, cmd, constraint, table, (constraint.fk_attrs ?? []).map((a: Record<string, any>) => a.String?.sval));
          } else {
            const constraints = addedColumnConstraints(cmd);
            // A new column without a default is NULL in every row, and a foreign key checks no NULL:
            // PostgreSQL reads nothing (observed, test/truth-effects.test.ts). A CHECK still scans.
            const filled = constraints.some((c) => ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].includes(c.contype));
            for (const constraint of constraints) {
              if (constraint.contype === 'CONSTR_FOREIGN' && !filled) continue;
              reportConstraint(node, cmd, constraint, table, [cmd.def.ColumnDef.colname]);
            }
          }
        }
      },
    };
  },
});
