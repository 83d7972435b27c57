import { qualifiedName, relationName, walk } from '../src/engine/ast.js';
import { defineRule } from '../src/engine/rule.js';
import { alterTable, copy, dropConstraint, rewriteOf } from '../src/engine/rewrite.js';
import type { Rewrite } from '../src/engine/types.js';
import { dropTargets } from '../src/engine/postgres-facts.js';
import type { AstNode, Statement } from '../src/engine/types.js';

const DROP_KINDS: Record<string, string> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_INDEX: 'index',
  OBJECT_TYPE: 'type',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_DOMAIN: 'type',
};

interface Created {
  kind: string;
  name: string;
  /** The table a column, index or constraint belongs to: dropping it drops them too. */
  table?: string;
  /** An index's or a constraint's columns: dropping one of them drops it too. */
  columns?: string[];
  statement: Statement;
  /** The statement that drops it, built from the names as written (quoting and schema kept). */
  drop: AstNode;
}

export default defineRule({
  id: 'incomplete-down',
  severity: 'warning',
  fixable: true,
  docs: {
    summary: 'The down half leaves behind what the up half created (a table, column, index, type or constraint).',
    why: `After up and down the schema should be what it was before up. Whatever down forgets stays behind
(an index on a column that down drops goes with the column, as in PostgreSQL):
the next up then fails on "already exists", and an enum type created in up and never dropped in down
blocks re-running the migration.`,
    safe: `Drop in down everything up created, in reverse order:

~~~sql
-- up
CREATE TYPE user_status AS ENUM ('active', 'banned');
ALTER TABLE users ADD COLUMN status user_status;
-- down
ALTER TABLE users DROP COLUMN status;
DROP TYPE user_status;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-droptype.html'],
    examples: {
      invalid: [
        {
          sql: "CREATE TYPE user_status AS ENUM ('active', 'banned');\nALTER TABLE users ADD COLUMN status user_status;",
          down: 'ALTER TABLE users DROP COLUMN status;',
        },
      ],
      valid: [
        {
          sql: "CREATE TYPE user_status AS ENUM ('active', 'banned');\nALTER TABLE users ADD COLUMN status user_status;",
          down: 'ALTER TABLE users DROP COLUMN status;\nDROP TYPE user_status;',
        },
      ],
    },
  },
  messages: {
    leftBehind: {
      message: 'The down migration leaves {{kind}} {{name}} behind: up creates it here and down never drops it.',
      help: 'Add to the down migration:\n  {{rewrite}}',
    },
  },
  create: () => ({}),
  checkMigration({ migration }, context) {
    const down = migration.down;
    if (!down || down.statements.length === 0) return;
    const created = createdObjects(migration.up.statements);
    const dropped = droppedObjects(down.statements);
    for (const object of created) {
      if (dropped.has(`${object.kind} ${object.name}`) || (object.table && dropped.has(`table ${object.table}`))) continue;
      if (object.columns?.some((column) => dropped.has(`column ${object.table}.${column}`))) continue;
      if (dropped.has(`schema ${object.name.split('.')[0]}`)) continue;
      context.report({
        messageId: 'leftBehind',
        statement: object.statement,
        section: 'up',
        data: { kind: object.kind, name: `"${object.name}"` },
        rewrite: downRewrite(object.drop),
      });
    }
  },
});

/** A rewrite that adds the statement to the migration's down half. */
function downRewrite(drop: AstNode): Rewrite | undefined {
  const rewrite = rewriteOf({ statements: [drop] });
  return rewrite && { ...rewrite, addTo: 'down' };
}

const nameList = (relation: AstNode) => ({ List: { items: [...(relation.schemaname ? [relation.schemaname] : []), relation.relname].map((sval: string) => ({ String: { sval } })) } });
const dropOf = (removeType: string, object: AstNode): AstNode => ({ DropStmt: { objects: [object], removeType, behavior: 'DROP_RESTRICT' } });

function createdObjects(statements: Statement[]): Created[] {
  const created: Created[] = [];
  const newTables = new Set<string>();
  for (const statement of statements) {
    const ast = statement.ast;
    if (!ast || statement.origin === 'function-body') continue;
    const add = (kind: string, name: string, drop: AstNode, table?: string, columns?: string[]) => created.push({ kind, name, table, columns, statement, drop });
    if (ast.CreateStmt) {
      const table = relationName(ast.CreateStmt.relation);
      newTables.add(table);
      add('table', table, dropOf('OBJECT_TABLE', nameList(ast.CreateStmt.relation)));
    } else if (ast.CreateEnumStmt || ast.CompositeTypeStmt || ast.CreateDomainStmt) {
      const names: AstNode[] | undefined = ast.CreateEnumStmt?.typeName ?? ast.CreateDomainStmt?.domainname;
      const typeNames = names ? copy(names) : nameList(ast.CompositeTypeStmt.typevar).List.items;
      add('type', names ? qualifiedName(names) : relationName(ast.CompositeTypeStmt.typevar), dropOf(ast.CreateDomainStmt ? 'OBJECT_DOMAIN' : 'OBJECT_TYPE', { TypeName: { names: typeNames, typemod: -1 } }));
    } else if (ast.IndexStmt?.idxname) {
      const table = relationName(ast.IndexStmt.relation);
      const columns = (ast.IndexStmt.indexParams ?? []).map((p: AstNode) => p.IndexElem?.name).filter(Boolean);
      const index = nameList({ schemaname: ast.IndexStmt.relation.schemaname, relname: ast.IndexStmt.idxname });
      if (!newTables.has(table)) add('index', schemaPrefix(ast.IndexStmt.relation) + ast.IndexStmt.idxname, dropOf('OBJECT_INDEX', index), table, columns);
    } else if (ast.ViewStmt && !ast.ViewStmt.replace) {
      add('view', relationName(ast.ViewStmt.view), dropOf('OBJECT_VIEW', nameList(ast.ViewStmt.view)));
    } else if (ast.CreateTableAsStmt?.objtype === 'OBJECT_MATVIEW') {
      add('materialized view', relationName(ast.CreateTableAsStmt.into?.rel), dropOf('OBJECT_MATVIEW', nameList(ast.CreateTableAsStmt.into.rel)));
    } else if (ast.CreateSeqStmt) {
      add('sequence', relationName(ast.CreateSeqStmt.sequence), dropOf('OBJECT_SEQUENCE', nameList(ast.CreateSeqStmt.sequence)));
    } else if (ast.AlterTableStmt) {
      const table = relationName(ast.AlterTableStmt.relation);
      if (newTables.has(table)) continue;
      for (const item of ast.AlterTableStmt.cmds ?? []) {
        const cmd: AstNode = item.AlterTableCmd;
        const relation = ast.AlterTableStmt.relation;
        if (cmd?.subtype === 'AT_AddColumn') add('column', `${table}.${cmd.def.ColumnDef.colname}`, alterTable(relation, [{ subtype: 'AT_DropColumn', name: cmd.def.ColumnDef.colname, behavior: 'DROP_RESTRICT' }]), table);
        if (cmd?.subtype === 'AT_AddConstraint' && cmd.def?.Constraint?.conname) {
          // Dropping a column the constraint is on drops the constraint too.
          const constraint = cmd.def.Constraint;
          const columns = [...(constraint.fk_attrs ?? []), ...(constraint.keys ?? [])].map((c: AstNode) => c.String?.sval).filter(Boolean);
          walk(constraint.raw_expr, (type, value) => {
            if (type === 'ColumnRef') columns.push(...(value.fields ?? []).map((f: AstNode) => f.String?.sval).filter(Boolean).slice(-1));
          });
          add('constraint', `${table}.${constraint.conname}`, dropConstraint(relation, constraint.conname), table, columns);
        }
      }
    }
  }
  return created;
}

function droppedObjects(statements: Statement[]): Set<string> {
  const dropped = new Set<string>();
  for (const statement of statements) {
    const ast = statement.ast;
    if (!ast) continue;
    if (ast.DropStmt) {
      const kind = DROP_KINDS[ast.DropStmt.removeType];
      if (ast.DropStmt.removeType === 'OBJECT_SCHEMA') for (const name of dropTargets(ast.DropStmt)) dropped.add(`schema ${name}`);
      if (kind) for (const name of dropTargets(ast.DropStmt)) dropped.add(`${kind} ${name}`);
    } else if (ast.AlterTableStmt) {
      const table = relationName(ast.AlterTableStmt.relation);
      for (const item of ast.AlterTableStmt.cmds ?? []) {
        const cmd: AstNode = item.AlterTableCmd;
        if (cmd?.subtype === 'AT_DropColumn') dropped.add(`column ${table}.${cmd.name}`);
        if (cmd?.subtype === 'AT_DropConstraint') dropped.add(`constraint ${table}.${cmd.name}`);
      }
    }
  }
  return dropped;
}

function schemaPrefix(rangeVar: AstNode): string {
  return rangeVar?.schemaname && rangeVar.schemaname !== 'public' ? `${rangeVar.schemaname}.` : '';
}
