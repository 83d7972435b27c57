// A static model of the schema, built by replaying migrations in order without a database. Rules
// ask it what existed before a statement: a column's type and nullability, whether a CHECK proving
// NOT NULL was validated, which indexes and types exist.
import { columnConstraints, qualifiedName, relationName, stringList, typeRef, walk, type TypeRef } from './ast.js';
import { dropTargets } from './postgres-facts.js';
import type { AstNode } from './types.js';

export interface ColumnInfo {
  name: string;
  type: TypeRef | null;
  notNull: boolean;
  hasDefault: boolean;
  /** An explicit COLLATE (its last name part); undefined: the type's default. */
  collation?: string;
}

export interface ConstraintInfo {
  name: string;
  kind: 'check' | 'foreign-key' | 'unique' | 'primary-key' | 'exclude' | 'not-null';
  validated: boolean;
  /** For `CHECK (col IS NOT NULL)`: the column it proves non-null. */
  provesNotNull?: string;
  /** For UNIQUE, PRIMARY KEY and EXCLUDE: the columns its index is on. */
  columns?: string[];
  /** For CHECK: the columns its expression reads, and the expression. */
  checkedColumns?: string[];
  expression?: AstNode;
}

export interface TableInfo {
  name: string;
  columns: Map<string, ColumnInfo>;
  constraints: Map<string, ConstraintInfo>;
  /** Declared PARTITION BY: a partitioned parent, which holds no rows itself. */
  partitioned?: boolean;
  /** The partitioned table it is a partition of (CREATE TABLE ... PARTITION OF, ATTACH PARTITION). */
  partitionOf?: string;
}

export class Catalog {
  // Own entries; null marks one deleted here while the parent still has it. A layer made by
  // `layer()` reads through to its parent and copies a table before changing it, so judging a
  // down half costs what the down half touches, not a copy of the whole schema.
  private readonly tables = new Map<string, TableInfo | null>();
  /** Index name → its table and columns (null columns: it has an expression). */
  private readonly indexes = new Map<string, { table: string; columns: string[] | null } | null>();
  /** Enum type name → labels. */
  private readonly enums = new Map<string, string[] | null>();
  /** Domain → whether it has a CHECK constraint (null: dropped). */
  private readonly domains = new Map<string, { check: boolean; notNull: boolean; base: TypeRef | null } | null>();

  constructor(private readonly parent: Catalog | null = null) {}

  /** A copy-on-write layer over this catalog: changes to it leave this one as it was. */
  layer(): Catalog {
    return new Catalog(this);
  }

  table(name: string): TableInfo | undefined {
    const own = this.tables.get(name);
    if (own !== undefined) return own ?? undefined;
    return this.parent?.table(name);
  }

  column(table: string, column: string): ColumnInfo | undefined {
    return this.table(table)?.columns.get(column);
  }

  /** Whether any index is known on the table (created by the migrations replayed so far). */
  hasIndexes(table: string): boolean {
    for (const on of this.visible((catalog) => catalog.indexes).values()) if (on.table === table) return true;
    return false;
  }

  /**
   * Whether an index known from the migrations covers the column: a CREATE INDEX naming it or
   * with an expression (which may use it), or a UNIQUE, PRIMARY KEY or EXCLUDE constraint on it.
   */
  columnIndexed(table: string, column: string): boolean {
    for (const on of this.visible((catalog) => catalog.indexes).values()) {
      if (on.table === table && (on.columns === null || on.columns.includes(column))) return true;
    }
    return [...(this.table(table)?.constraints.values() ?? [])].some((c) => c.columns?.includes(column));
  }

  /** The tables with a column of this type (a domain or an enum), as the migrations left them. */
  tablesWithType(type: string): string[] {
    return [...this.visible((catalog) => catalog.tables)].filter(([, table]) => [...table.columns.values()].some((c) => c.type?.name === type)).map(([name]) => name);
  }

  /** The table an index is on. */
  indexTable(index: string): string | undefined {
    return this.index(index)?.table;
  }

  /** The columns of an index (null: it has an expression). */
  indexColumns(index: string): string[] | null | undefined {
    return this.index(index)?.columns;
  }

  /** One of the layered maps as this layer sees it: its parents' entries, then its own (null: deleted in it). */
  private visible<T>(own: (catalog: Catalog) => Map<string, T | null>): Map<string, T> {
    const merged = new Map(this.parent?.visible(own) ?? []);
    for (const [name, value] of own(this)) {
      if (value) merged.set(name, value);
      else merged.delete(name);
    }
    return merged;
  }

  private index(name: string): { table: string; columns: string[] | null } | undefined {
    const own = this.indexes.get(name);
    if (own !== undefined) return own ?? undefined;
    return this.parent?.index(name);
  }

  /** Whether a domain known from the migrations has a CHECK constraint (undefined: not a known domain). */
  domainHasCheck(type: string): boolean | undefined {
    return this.domain(type)?.check;
  }

  /** A domain known from the migrations: its base type, and whether values are checked (CHECK or NOT NULL). */
  domain(type: string): { check: boolean; notNull: boolean; base: TypeRef | null } | undefined {
    const own = this.domains.get(type);
    if (own !== undefined) return own ?? undefined;
    return this.parent?.domain(type);
  }

  enumLabels(type: string): string[] | undefined {
    const own = this.enums.get(type);
    if (own !== undefined) return own ?? undefined;
    return this.parent?.enumLabels(type);
  }

  /** The table to change: this layer's own copy. */
  private writableTable(name: string): TableInfo | undefined {
    const own = this.tables.get(name);
    if (own !== undefined) return own ?? undefined;
    const inherited = this.parent?.table(name);
    if (!inherited) return undefined;
    const copy = structuredClone(inherited);
    this.tables.set(name, copy);
    return copy;
  }

  private deleteTable(name: string): void {
    if (this.parent) this.tables.set(name, null);
    else this.tables.delete(name);
  }

  /** Applies the effect of one parsed statement. Unknown statements change nothing. */
  apply(ast: AstNode): void {
    const [kind] = Object.keys(ast);
    const node = ast[kind!];
    switch (kind) {
      case 'CreateStmt':
        this.createTable(node);
        break;
      case 'CreateTableAsStmt':
        if (node.into?.rel) this.tables.set(relationName(node.into.rel), emptyTable(relationName(node.into.rel)));
        break;
      case 'AlterTableStmt':
        this.alterTable(node);
        break;
      case 'RenameStmt':
        this.rename(node);
        break;
      case 'DropStmt':
        this.drop(node);
        break;
      case 'IndexStmt':
        if (node.idxname) {
          const elements = (node.indexParams ?? []).map((p: AstNode) => p.IndexElem);
          const columns = elements.every((e: AstNode) => e?.name) ? elements.map((e: AstNode) => e.name as string) : null;
          this.indexes.set(schemaOf(node.relation) + node.idxname, { table: relationName(node.relation), columns });
        }
        break;
      case 'CreateDomainStmt':
        this.domains.set(qualifiedName(node.domainname), {
          check: (node.constraints ?? []).some((c: AstNode) => c.Constraint?.contype === 'CONSTR_CHECK'),
          notNull: (node.constraints ?? []).some((c: AstNode) => c.Constraint?.contype === 'CONSTR_NOTNULL'),
          base: typeRef(node.typeName),
        });
        break;
      case 'AlterDomainStmt':
        if (node.subtype === 'C' && node.def?.Constraint?.contype === 'CONSTR_CHECK') {
          const known = this.domain(qualifiedName(node.typeName));
          this.domains.set(qualifiedName(node.typeName), { base: known?.base ?? null, notNull: known?.notNull ?? false, check: true });
        }
        break;
      case 'CreateEnumStmt':
        this.enums.set(qualifiedName(node.typeName), stringList(node.vals));
        break;
      case 'AlterEnumStmt': {
        const name = qualifiedName(node.typeName);
        const labels = this.enumLabels(name);
        if (labels && node.newVal && !node.oldVal) this.enums.set(name, [...labels, node.newVal]);
        break;
      }
    }
  }

  private createTable(node: AstNode): void {
    const name = relationName(node.relation);
    const table = emptyTable(name);
    if (node.partspec) table.partitioned = true;
    if (node.partbound && node.inhRelations?.length) table.partitionOf = relationName(node.inhRelations[0]);
    for (const element of node.tableElts ?? []) {
      if (element.ColumnDef) this.addColumn(table, element.ColumnDef);
      if (element.Constraint) this.addConstraint(table, element.Constraint);
    }
    this.tables.set(name, table);
  }

  private addColumn(table: TableInfo, def: AstNode): void {
    const constraints = columnConstraints(def);
    const column: ColumnInfo = {
      name: def.colname,
      type: typeRef(def.typeName),
      notNull: constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY'),
      hasDefault: constraints.some((c) => c.contype === 'CONSTR_DEFAULT' || c.contype === 'CONSTR_IDENTITY'),
      collation: collationOf(def),
    };
    table.columns.set(column.name, column);
    for (const constraint of constraints) {
      if (['CONSTR_CHECK', 'CONSTR_FOREIGN', 'CONSTR_UNIQUE', 'CONSTR_PRIMARY'].includes(constraint.contype)) {
        this.addConstraint(table, { ...constraint, keys: constraint.keys ?? [{ String: { sval: column.name } }] });
      }
    }
  }

  private addConstraint(table: TableInfo, constraint: AstNode): void {
    const kind = constraintKind(constraint.contype);
    if (!kind) return;
    const info: ConstraintInfo = { name: '', kind, validated: !constraint.skip_validation };
    if (kind === 'unique' || kind === 'primary-key') info.columns = stringList(constraint.keys);
    if (kind === 'check' && constraint.raw_expr) {
      const read = new Set<string>();
      walk(constraint.raw_expr, (type, value) => {
        const last = stringList(value.fields).pop();
        if (type === 'ColumnRef' && last) read.add(last);
      });
      info.checkedColumns = [...read];
      info.expression = constraint.raw_expr;
    }
    if (kind === 'exclude') info.columns = (constraint.exclusions ?? []).map((e: AstNode) => e.List?.items?.[0]?.IndexElem?.name).filter(Boolean);
    const nullTest = constraint.raw_expr?.NullTest;
    if (kind === 'check' && nullTest?.nulltesttype === 'IS_NOT_NULL') {
      const fields = stringList(nullTest.arg?.ColumnRef?.fields);
      if (fields.length === 1) info.provesNotNull = fields[0];
    }
    info.name = constraint.conname ?? generatedConstraintName(table, info, constraint);
    table.constraints.set(info.name, info);
    if (kind === 'primary-key') {
      for (const key of stringList(constraint.keys)) {
        const column = table.columns.get(key);
        if (column) column.notNull = true;
      }
    }
  }

  private alterTable(node: AstNode): void {
    const name = relationName(node.relation);
    let table = this.writableTable(name);
    for (const item of node.cmds ?? []) {
      const cmd = item.AlterTableCmd;
      if (!cmd) continue;
      if (!table && ['AT_AddColumn', 'AT_AddConstraint'].includes(cmd.subtype)) {
        // A table created outside the replayed migrations: start modelling what we learn about it.
        table = emptyTable(name);
        this.tables.set(name, table);
      }
      if (!table) continue;
      const column = cmd.name ? table.columns.get(cmd.name) : undefined;
      switch (cmd.subtype) {
        case 'AT_AddColumn':
          this.addColumn(table, cmd.def.ColumnDef);
          break;
        case 'AT_DropColumn':
          if (cmd.name) table.columns.delete(cmd.name);
          break;
        case 'AT_AlterColumnType':
          if (column) {
            column.type = typeRef(cmd.def?.ColumnDef?.typeName);
            column.collation = collationOf(cmd.def?.ColumnDef);
          }
          break;
        case 'AT_SetNotNull':
          if (column) column.notNull = true;
          break;
        case 'AT_DropNotNull':
          if (column) column.notNull = false;
          break;
        case 'AT_ColumnDefault':
          if (column) column.hasDefault = !!cmd.def;
          break;
        case 'AT_AddConstraint':
          this.addConstraint(table, cmd.def.Constraint);
          break;
        case 'AT_ValidateConstraint': {
          const constraint = cmd.name ? table.constraints.get(cmd.name) : undefined;
          if (constraint) constraint.validated = true;
          break;
        }
        case 'AT_DropConstraint':
          if (cmd.name) table.constraints.delete(cmd.name);
          break;
        case 'AT_AttachPartition':
        case 'AT_DetachPartition': {
          const partition = this.writableTable(relationName(cmd.def?.PartitionCmd?.name));
          if (partition) partition.partitionOf = cmd.subtype === 'AT_AttachPartition' ? name : undefined;
          break;
        }
      }
    }
  }

  private rename(node: AstNode): void {
    if (node.renameType === 'OBJECT_TABLE') {
      const from = relationName(node.relation);
      const table = this.writableTable(from);
      const schema = node.relation?.schemaname && node.relation.schemaname !== 'public' ? `${node.relation.schemaname}.` : '';
      if (table) {
        this.deleteTable(from);
        table.name = schema + node.newname;
        this.tables.set(table.name, table);
      }
    } else if (node.renameType === 'OBJECT_COLUMN') {
      const table = this.writableTable(relationName(node.relation));
      const column = table?.columns.get(node.subname);
      if (table && column) {
        table.columns.delete(node.subname);
        column.name = node.newname;
        table.columns.set(column.name, column);
      }
    }
  }

  private drop(node: AstNode): void {
    for (const target of dropTargets(node)) {
      if (node.removeType === 'OBJECT_TABLE') this.deleteTable(target);
      else if (node.removeType === 'OBJECT_INDEX') this.indexes.set(target, null);
      else if (node.removeType === 'OBJECT_TYPE') this.enums.set(target, null);
      else if (node.removeType === 'OBJECT_DOMAIN') this.domains.set(target, null);
    }
  }
}

/**
 * The name PostgreSQL gives a constraint declared without one (ChooseConstraintName): <table>_pkey,
 * <table>_<columns>_key / _fkey / _excl, <table>_<column>_check for a CHECK that reads one column and
 * <table>_check otherwise; a number is appended while the name is taken; 63 bytes at most.
 * https://www.postgresql.org/docs/current/ddl-constraints.html
 */
function generatedConstraintName(table: TableInfo, { kind, columns: indexed, checkedColumns }: ConstraintInfo, constraint: AstNode): string {
  const relname = table.name.split('.').pop()!;
  const columns =
    kind === 'foreign-key'
      ? stringList(constraint.fk_attrs?.length ? constraint.fk_attrs : constraint.keys)
      : kind === 'check'
        ? checkedColumns?.length === 1
          ? checkedColumns
          : []
        : (indexed ?? []);
  const label = { 'primary-key': 'pkey', unique: 'key', 'foreign-key': 'fkey', check: 'check', exclude: 'excl', 'not-null': 'not_null' }[kind];
  const base = kind === 'primary-key' ? relname : [relname, ...columns].join('_');
  for (let n = 0; ; n++) {
    const suffix = `_${label}${n ? n : ''}`;
    const name = `${base.slice(0, 63 - suffix.length)}${suffix}`;
    if (!table.constraints.has(name)) return name;
  }
}

/** The COLLATE of a column definition, by its last name part (`"C"`, `und-x-icu`). */
export function collationOf(def: AstNode | undefined): string | undefined {
  const names = stringList(def?.collClause?.CollateClause?.collname ?? def?.collClause?.collname);
  return names.length ? names[names.length - 1] : undefined;
}

function emptyTable(name: string): TableInfo {
  return { name, columns: new Map(), constraints: new Map() };
}

function schemaOf(rangeVar: AstNode | undefined): string {
  const schema = rangeVar?.schemaname;
  return schema && schema !== 'public' ? `${schema}.` : '';
}

function constraintKind(contype: string): ConstraintInfo['kind'] | null {
  switch (contype) {
    case 'CONSTR_CHECK':
      return 'check';
    case 'CONSTR_FOREIGN':
      return 'foreign-key';
    case 'CONSTR_UNIQUE':
      return 'unique';
    case 'CONSTR_PRIMARY':
      return 'primary-key';
    case 'CONSTR_EXCLUSION':
      return 'exclude';
    default:
      return null;
  }
}
