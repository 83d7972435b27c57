// Small readers over libpg-query's JSON AST, shared by the catalog and the rules so each rule holds
// only what is particular to it.
import type { AstNode } from './types.js';

/** `schema.table`, with the default `public` schema left out so both spellings match. */
export function relationName(rangeVar: AstNode | undefined): string {
  if (!rangeVar) return '';
  const rel = rangeVar.RangeVar ?? rangeVar;
  const schema: string | undefined = rel.schemaname;
  const name: string = rel.relname ?? '';
  return schema && schema !== 'public' ? `${schema}.${name}` : name;
}

/** Names from a list of `String` nodes (`[{String:{sval:'public'}},{String:{sval:'t'}}]`). */
export function stringList(items: AstNode[] | undefined): string[] {
  return (items ?? []).map((item) => item.String?.sval ?? (item.A_Star ? '*' : ''));
}

/** A qualified object name from a name list, `public` left out. */
export function qualifiedName(items: AstNode[] | undefined): string {
  const parts = stringList(items);
  if (parts.length > 1 && parts[0] === 'public') parts.shift();
  return parts.join('.');
}

export interface TypeRef {
  /** Lower-case canonical name: `int4`, `varchar`, `numeric`, `text`, `my_enum`... */
  name: string;
  /** Type modifiers as numbers, when they are constants (`varchar(100)` → [100]). */
  mods: number[];
  array: boolean;
}

const TYPE_ALIASES: Record<string, string> = {
  integer: 'int4',
  int: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  serial: 'serial4',
  bigserial: 'serial8',
  smallserial: 'serial2',
  'character varying': 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  boolean: 'bool',
  real: 'float4',
  'double precision': 'float8',
  decimal: 'numeric',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
};

export function typeRef(typeName: AstNode | undefined): TypeRef | null {
  if (!typeName) return null;
  const node = typeName.TypeName ?? typeName;
  const names = stringList(node.names).filter((n) => n !== 'pg_catalog' && n !== 'public');
  const raw = names.join('.').toLowerCase();
  const mods = (node.typmods ?? []).map((m: AstNode) => constantNumber(m)).filter((n: number | null): n is number => n !== null);
  return { name: TYPE_ALIASES[raw] ?? raw, mods, array: Array.isArray(node.arrayBounds) && node.arrayBounds.length > 0 };
}

export function formatType(type: TypeRef): string {
  return `${type.name}${type.mods.length ? `(${type.mods.join(',')})` : ''}${type.array ? '[]' : ''}`;
}

export function constantNumber(node: AstNode | undefined): number | null {
  const c = node?.A_Const;
  if (!c) return null;
  if (c.ival) return c.ival.ival ?? 0;
  if (c.fval) return Number(c.fval.fval);
  return null;
}

export function constantString(node: AstNode | undefined): string | null {
  const c = node?.A_Const;
  if (c?.sval) return c.sval.sval ?? '';
  if (c?.ival) return String(c.ival.ival ?? 0);
  if (c?.boolval) return String(c.boolval.boolval ?? false);
  if (node?.String) return node.String.sval ?? '';
  return null;
}

/** The function name of a FuncCall node, without schema, lower case. */
export function funcName(node: AstNode): string {
  const names = stringList(node.FuncCall?.funcname);
  return (names[names.length - 1] ?? '').toLowerCase();
}

/** Calls `visit` for every object node below `node` (depth first), keyed by its node type. */
export function walk(node: unknown, visit: (type: string, value: AstNode) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as AstNode)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && /^[A-Z]/.test(key)) visit(key, value);
    walk(value, visit);
  }
}

/** The `DefElem` options of a statement as a name → value map (`WITH (...)`, `SET (...)`). */
export function defElems(list: AstNode[] | undefined): Map<string, AstNode | undefined> {
  const map = new Map<string, AstNode | undefined>();
  for (const item of list ?? []) if (item.DefElem) map.set(item.DefElem.defname, item.DefElem.arg);
  return map;
}

/** The column constraints of a ColumnDef, by ConstrType. */
export function columnConstraints(columnDef: AstNode): AstNode[] {
  return (columnDef.constraints ?? []).map((c: AstNode) => c.Constraint).filter(Boolean);
}
