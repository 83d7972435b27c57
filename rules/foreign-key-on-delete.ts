import { columnConstraints, relationName } from '../src/engine/ast.js';
import { defineRule, type StatementContext } from '../src/engine/rule.js';
import type { AstNode } from '../src/engine/types.js';

export default defineRule({
  id: 'foreign-key-on-delete',
  severity: 'info',
  checksDown: false,
  docs: {
    summary: 'A foreign key without an explicit ON DELETE.',
    why: `Without ON DELETE the default is NO ACTION: deleting a referenced row fails while rows point at it.
That may be right, but it should be decided, not defaulted: CASCADE deletes the children, SET NULL
orphans them, RESTRICT/NO ACTION refuses. Deletes of parents also scan the child table when the
foreign key columns have no index.`,
    safe: `Say what deleting the parent does:

~~~sql
ALTER TABLE orders ADD CONSTRAINT orders_user_fk
  FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK'],
    examples: {
      invalid: [{ sql: 'CREATE TABLE orders (id bigint, user_id bigint REFERENCES users (id));' }],
      valid: [{ sql: 'CREATE TABLE orders (id bigint, user_id bigint REFERENCES users (id) ON DELETE CASCADE);' }],
    },
  },
  messages: {
    onDelete: {
      message: 'Foreign key to "{{table}}" has no ON DELETE: deleting a "{{table}}" row fails while rows reference it (NO ACTION by default).',
      help: 'Decide and say what deleting the parent does: ON DELETE CASCADE, SET NULL, or RESTRICT.',
    },
  },
  create(context) {
    const check = (node: AstNode, ctx: StatementContext) => {
      const foreignKeys = tableConstraints(node).filter((c) => c.contype === 'CONSTR_FOREIGN');
      if (!foreignKeys.length) return;
      // Each foreign key's own clause: the statement's SQL from its REFERENCES to the next one (in
      // source order, as the AST lists them). The SQL, not the file: a lowered Alembic or ORM
      // operation spells ondelete= differently in the file.
      const clauses = ctx.statement.text.split(/\breferences\b/i).slice(1);
      foreignKeys.forEach((fk, i) => {
        if (/\bon\s+delete\b/i.test(clauses[i] ?? '')) return;
        context.report({ messageId: 'onDelete', node: fk, data: { table: relationName(fk.pktable) } });
      });
    };
    return { CreateStmt: check, AlterTableStmt: check };
  },
});

/** Table and column constraints declared by CREATE TABLE or ALTER TABLE (ADD CONSTRAINT, ADD COLUMN). */
function tableConstraints(node: AstNode): AstNode[] {
  const definitions: AstNode[] = [
    ...(node.tableElts ?? []),
    ...(node.cmds ?? []).map((c: AstNode) => c.AlterTableCmd?.def).filter(Boolean),
  ];
  return definitions.flatMap((d) => (d.Constraint ? [d.Constraint] : d.ColumnDef ? columnConstraints(d.ColumnDef) : []));
}
