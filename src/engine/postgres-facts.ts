// What PostgreSQL does with a statement: which table locks it takes, what it refuses to run in a
// transaction block, which defaults are volatile, which type changes rewrite. Shared by the rules
// and the readers so that each fact is written down once, with its source.
import { formatType, funcName, qualifiedName, relationName, typeRef, walk, type TypeRef } from './ast.js';
import { OBSERVED_ON, TYPE_CHANGES } from './truth/type-changes.js';
import type { Catalog } from './catalog.js';
import { OBSERVED_LOCKS } from './truth/locks.js';
import type { AstNode } from './types.js';

export type LockMode =
  | 'ACCESS SHARE'
  | 'ROW SHARE'
  | 'ROW EXCLUSIVE'
  | 'SHARE UPDATE EXCLUSIVE'
  | 'SHARE'
  | 'SHARE ROW EXCLUSIVE'
  | 'EXCLUSIVE'
  | 'ACCESS EXCLUSIVE';

/** `an ACCESS EXCLUSIVE`, `a SHARE`: the mode with its article, for messages. */
export function lockWithArticle(mode: string): string {
  return `${/^[AEIOU]/.test(mode) ? 'an' : 'a'} ${mode}`;
}

/** Modes that conflict with ROW EXCLUSIVE (writes) or ACCESS SHARE (reads). */
export function blocksReadsOrWrites(mode: LockMode): boolean {
  return mode === 'SHARE' || mode === 'SHARE ROW EXCLUSIVE' || mode === 'EXCLUSIVE' || mode === 'ACCESS EXCLUSIVE';
}

export interface TableLock {
  table: string;
  mode: LockMode;
}

// ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE.
// https://www.postgresql.org/docs/current/sql-altertable.html (the lock level of each form)
const SHARE_UPDATE_EXCLUSIVE_CMDS = new Set([
  'AT_ValidateConstraint',
  'AT_SetStatistics',
  'AT_ClusterOn',
  'AT_DropCluster',
  'AT_SetRelOptions',
  'AT_ResetRelOptions',
  'AT_AttachPartition',
]);

/**
 * The table-level locks a statement takes (relation locks on tables and the tables of indexes).
 * With the catalog, also those on the parent of a partition it drops.
 */
export function tableLocks(ast: AstNode, catalog?: Catalog): TableLock[] {
  const [kind] = Object.keys(ast);
  const node = ast[kind!];
  switch (kind) {
    case 'AlterTableStmt': {
      const commands: AstNode[] = (node.cmds ?? []).map((item: AstNode) => item.AlterTableCmd);
      if (node.objtype === 'OBJECT_INDEX') {
        // ALTER INDEX parent ATTACH PARTITION child locks the child index ACCESS EXCLUSIVE (observed).
        const attached = commands.find((cmd) => cmd.subtype === 'AT_AttachPartition')?.def?.PartitionCmd?.name;
        if (attached) return [{ table: `index ${relationName(attached)}`, mode: 'ACCESS EXCLUSIVE' }];
        // ALTER INDEX ... SET (...) and the like: the lock is on the index (observed where the grid has it).
        return commands.length ? [{ table: `index ${relationName(node.relation)}`, mode: strongestLock(commands.map(alterIndexCmdLock)) }] : [];
      }
      if (node.objtype !== 'OBJECT_TABLE' && node.objtype !== 'OBJECT_MATVIEW') return [];
      const locks: TableLock[] = [];
      for (const cmd of commands) {
        const fk = cmd.def?.Constraint?.contype === 'CONSTR_FOREIGN' ? cmd.def.Constraint : null;
        if (fk?.pktable) locks.push({ table: relationName(fk.pktable), mode: 'SHARE ROW EXCLUSIVE' });
        for (const constraint of cmd.def?.ColumnDef?.constraints ?? []) {
          if (constraint.Constraint?.contype === 'CONSTR_FOREIGN' && constraint.Constraint.pktable) {
            locks.push({ table: relationName(constraint.Constraint.pktable), mode: 'SHARE ROW EXCLUSIVE' });
          }
        }
        // ATTACH and DETACH lock the partition itself ACCESS EXCLUSIVE (observed; DETACH
        // CONCURRENTLY cannot run in a transaction, where the grid observes).
        const partition = cmd.def?.PartitionCmd;
        if (partition?.name && (cmd.subtype === 'AT_AttachPartition' || (cmd.subtype === 'AT_DetachPartition' && !partition.concurrent))) {
          locks.push({ table: relationName(partition.name), mode: 'ACCESS EXCLUSIVE' });
        }
      }
      return [{ table: relationName(node.relation), mode: strongestLock(commands.map(alterTableCmdLock), 'SHARE UPDATE EXCLUSIVE') }, ...locks];
    }
    case 'AlterDomainStmt': {
      // A constraint that checks existing values (ADD CHECK without NOT VALID, SET NOT NULL) locks
      // every table using the domain SHARE while it checks them (observed: src/trace/lock-truth.ts).
      // Subtypes: C add constraint, O SET NOT NULL, V VALIDATE CONSTRAINT (PostgreSQL's AlterDomainStmt).
      const checks = (node.subtype === 'C' && !node.def?.Constraint?.skip_validation) || node.subtype === 'O' || node.subtype === 'V';
      if (!checks || !catalog) return [];
      const domain = qualifiedName(node.typeName);
      return catalog.tablesWithType(domain).map((table) => ({ table, mode: 'SHARE' as const }));
    }
    case 'IndexStmt':
      return node.concurrent ? [] : [{ table: relationName(node.relation), mode: 'SHARE' }];
    case 'CreateStmt': {
      // Creating a table with a foreign key locks the referenced table against writes; a new
      // partition locks its parent ACCESS EXCLUSIVE, a child of INHERITS its parents SHARE UPDATE
      // EXCLUSIVE (observed: src/trace/lock-truth.ts).
      const locks: TableLock[] = (node.inhRelations ?? []).map((parent: AstNode) => ({ table: relationName(parent), mode: node.partbound ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE' }));
      walk(node.tableElts, (type, value) => {
        if (type === 'Constraint' && value.contype === 'CONSTR_FOREIGN' && value.pktable) {
          locks.push({ table: relationName(value.pktable), mode: 'SHARE ROW EXCLUSIVE' });
        }
      });
      return locks;
    }
    case 'DropStmt':
      if (node.removeType === 'OBJECT_TABLE' || node.removeType === 'OBJECT_MATVIEW') {
        // Dropping a partition locks its parent too (observed).
        return dropTargets(node).flatMap((table): TableLock[] => {
          const parent = catalog?.table(table)?.partitionOf;
          return [{ table, mode: 'ACCESS EXCLUSIVE' }, ...(parent ? [{ table: parent, mode: 'ACCESS EXCLUSIVE' as const }] : [])];
        });
      }
      if (node.removeType === 'OBJECT_INDEX' && !node.concurrent) {
        return dropTargets(node).map((index) => ({ table: `index ${index}`, mode: 'ACCESS EXCLUSIVE' }));
      }
      return [];
    case 'RenameStmt':
      if (['OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT', 'OBJECT_INDEX'].includes(node.renameType)) {
        // Observed: renaming an index takes SHARE UPDATE EXCLUSIVE; the others ACCESS EXCLUSIVE.
        const observed = OBSERVED_LOCKS[`Rename:${node.renameType}`];
        return [{ table: relationName(node.relation), mode: observed && observed !== 'none' ? observed : 'ACCESS EXCLUSIVE' }];
      }
      return [];
    case 'TruncateStmt':
      return (node.relations ?? []).map((r: AstNode) => ({ table: relationName(r), mode: 'ACCESS EXCLUSIVE' }));
    case 'LockStmt':
      return (node.relations ?? []).map((r: AstNode) => ({ table: relationName(r), mode: lockStmtMode(node.mode) }));
    case 'CreateTrigStmt':
      return [{ table: relationName(node.relation), mode: 'SHARE ROW EXCLUSIVE' }];
    case 'VacuumStmt': {
      const full = optionOn(node.options, 'full');
      if (!full) return [];
      return (node.rels ?? []).map((r: AstNode) => ({ table: relationName(r.VacuumRelation?.relation), mode: 'ACCESS EXCLUSIVE' }));
    }
    case 'ClusterStmt':
      return node.relation ? [{ table: relationName(node.relation), mode: 'ACCESS EXCLUSIVE' }] : [];
    case 'RefreshMatViewStmt':
      return [{ table: relationName(node.relation), mode: node.concurrent ? 'EXCLUSIVE' : 'ACCESS EXCLUSIVE' }];
    case 'ReindexStmt':
      // REINDEX TABLE blocks writes to the table (SHARE); REINDEX INDEX takes SHARE on the index's
      // table and ACCESS EXCLUSIVE on the index itself, so reads through it wait too (seen by trace).
      if (isConcurrentReindex(node) || !node.relation) return [];
      return node.kind === 'REINDEX_OBJECT_INDEX'
        ? [{ table: `index ${relationName(node.relation)}`, mode: 'ACCESS EXCLUSIVE' }]
        : [{ table: relationName(node.relation), mode: 'SHARE' }];
    default:
      return [];
  }
}

/**
 * The key a statement's lock is looked up with in the observed table (src/engine/truth/locks.ts):
 * an ALTER TABLE with one subcommand by that subcommand (constraints by kind and NOT VALID), a
 * rename by what it renames, an ALTER INDEX by its subcommand; null for the rest.
 */
export function lockKey(ast: AstNode): string | null {
  const [kind] = Object.keys(ast);
  const node = ast[kind!];
  if (kind === 'AlterTableStmt' && node.cmds?.length === 1) return alterTableCmdKey(node.cmds[0].AlterTableCmd, node.objtype);
  if (kind === 'RenameStmt') return `Rename:${node.renameType}`;
  return null;
}

function alterTableCmdKey(cmd: AstNode, objtype = 'OBJECT_TABLE'): string {
  const constraint = cmd.def?.Constraint;
  const detail = constraint ? `:${constraint.contype}${constraint.skip_validation ? ':NOT VALID' : ''}${constraint.indexname ? ':USING INDEX' : ''}` : '';
  return `${objtype === 'OBJECT_INDEX' ? 'AlterIndex' : 'AlterTable'}:${cmd.subtype}${detail}`;
}

function alterIndexCmdLock(cmd: AstNode): LockMode {
  const observed = OBSERVED_LOCKS[alterTableCmdKey(cmd, 'OBJECT_INDEX')];
  return observed && observed !== 'none' ? observed : 'ACCESS EXCLUSIVE';
}

function alterTableCmdLock(cmd: AstNode): LockMode {
  // What PostgreSQL was seen to take for this subcommand (npm run truth), where the grid has it.
  const observed = OBSERVED_LOCKS[alterTableCmdKey(cmd)];
  if (observed && observed !== 'none') return observed;
  if (SHARE_UPDATE_EXCLUSIVE_CMDS.has(cmd.subtype)) return 'SHARE UPDATE EXCLUSIVE';
  if (cmd.subtype === 'AT_DetachPartition' && cmd.def?.PartitionCmd?.concurrent) return 'SHARE UPDATE EXCLUSIVE';
  // ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE on both tables.
  if (cmd.subtype === 'AT_AddConstraint' && cmd.def?.Constraint?.contype === 'CONSTR_FOREIGN') return 'SHARE ROW EXCLUSIVE';
  return 'ACCESS EXCLUSIVE';
}

const LOCK_ORDER: LockMode[] = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
];

function lockStrength(mode: LockMode): number {
  return LOCK_ORDER.indexOf(mode);
}

/** The strongest of the modes, and at least `floor`. */
export function strongestLock(modes: LockMode[], floor: LockMode = 'ACCESS SHARE'): LockMode {
  return modes.reduce((strongest, mode) => (lockStrength(mode) > lockStrength(strongest) ? mode : strongest), floor);
}

/** A mode as pg_locks names it (`ShareUpdateExclusiveLock`), as LockMode (`SHARE UPDATE EXCLUSIVE`). */
export function lockModeOf(pgLocksMode: string): LockMode {
  const mode = pgLocksMode.replace(/Lock$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase() as LockMode;
  if (!LOCK_ORDER.includes(mode)) throw new Error(`not a relation lock mode: ${pgLocksMode}`);
  return mode;
}

function lockStmtMode(mode: number | undefined): LockMode {
  // LockStmt.mode is PostgreSQL's LOCKMODE number (1 = AccessShareLock ... 8 = AccessExclusiveLock).
  return LOCK_ORDER[(mode ?? 8) - 1] ?? 'ACCESS EXCLUSIVE';
}

export function dropTargets(drop: AstNode): string[] {
  return (drop.objects ?? []).map((object: AstNode) => {
    // Tables and indexes are name lists, schemas a bare String, types a TypeName.
    const items: AstNode[] = object.List?.items ?? object.TypeName?.names ?? (object.String ? [object] : []);
    const parts = items.map((i) => i.String?.sval ?? '');
    if (parts.length > 1 && parts[0] === 'public') parts.shift();
    return parts.join('.');
  });
}

export function isConcurrentReindex(reindex: AstNode): boolean {
  return optionOn(reindex.params, 'concurrently');
}

/**
 * Whether a parenthesised option (`VACUUM (FULL)`, `REINDEX (CONCURRENTLY false)`) is on, read as
 * PostgreSQL's defGetBoolean reads it: no value, true/on/1 are on; false/off/0 are off.
 * https://www.postgresql.org/docs/current/sql-vacuum.html (the boolean parameter of each option)
 */
export function optionOn(options: AstNode[] | undefined, name: string): boolean {
  const option = (options ?? []).find((o: AstNode) => o.DefElem?.defname === name)?.DefElem;
  if (!option) return false;
  const arg = option.arg;
  if (!arg) return true;
  if (arg.Integer) return (arg.Integer.ival ?? 0) !== 0;
  if (arg.Boolean) return !!arg.Boolean.boolval;
  const text = String(arg.String?.sval ?? arg.A_Const?.sval?.sval ?? '').toLowerCase();
  return !['false', 'off', '0', 'no'].includes(text);
}

/**
 * Statements PostgreSQL refuses inside a transaction block (PreventInTransactionBlock).
 * https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY and the
 * "cannot be executed inside a transaction block" notes of each command's page.
 */
export function refusesTransactionBlock(ast: AstNode): string | null {
  const [kind] = Object.keys(ast);
  const node = ast[kind!];
  switch (kind) {
    case 'IndexStmt':
      return node.concurrent ? 'CREATE INDEX CONCURRENTLY' : null;
    case 'DropStmt':
      return node.concurrent ? 'DROP INDEX CONCURRENTLY' : null;
    case 'ReindexStmt':
      if (isConcurrentReindex(node)) return 'REINDEX CONCURRENTLY';
      return node.kind === 'REINDEX_OBJECT_DATABASE' || node.kind === 'REINDEX_OBJECT_SYSTEM' ? 'REINDEX DATABASE' : null;
    case 'AlterTableStmt':
      return (node.cmds ?? []).some(
        (c: AstNode) => c.AlterTableCmd?.subtype === 'AT_DetachPartition' && c.AlterTableCmd.def?.PartitionCmd?.concurrent,
      )
        ? 'DETACH PARTITION CONCURRENTLY'
        : null;
    case 'VacuumStmt':
      return node.is_vacuumcmd ? 'VACUUM' : null;
    case 'DoStmt': {
      // A DO block that commits (batched backfills) fails in a transaction block, and beside another
      // statement in one query: "invalid transaction termination" (observed on PostgreSQL 15).
      const body = (node.args ?? []).find((a: AstNode) => a.DefElem?.defname === 'as')?.DefElem?.arg?.String?.sval ?? '';
      return /\b(COMMIT|ROLLBACK)\s*;/i.test(body.replace(/--[^\n]*/g, '')) ? 'a DO block that commits' : null;
    }
    case 'CreatedbStmt':
      return 'CREATE DATABASE';
    case 'DropdbStmt':
      return 'DROP DATABASE';
    case 'CreateTableSpaceStmt':
      return 'CREATE TABLESPACE';
    case 'DropTableSpaceStmt':
      return 'DROP TABLESPACE';
    case 'AlterSystemStmt':
      return 'ALTER SYSTEM';
    case 'CreateSubscriptionStmt':
      return 'CREATE SUBSCRIPTION';
    case 'DropSubscriptionStmt':
      return 'DROP SUBSCRIPTION';
    default:
      return null;
  }
}

// Functions whose result is fixed for a statement (STABLE or IMMUTABLE), so a default using them is
// evaluated once and stored in the catalog: no rewrite on PostgreSQL 11+.
// https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
const NON_VOLATILE_FUNCTIONS = new Set([
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'current_setting',
  'to_timestamp',
  'to_date',
  'to_char',
  'to_json',
  'to_jsonb',
  'json_build_object',
  'jsonb_build_object',
  'json_build_array',
  'jsonb_build_array',
  'array',
  'lower',
  'upper',
  'coalesce',
  'concat',
  'length',
  'make_interval',
  'date_trunc',
  'timezone',
  'abs',
  'greatest',
  'least',
]);

const KNOWN_VOLATILE_FUNCTIONS = new Set([
  'random',
  'clock_timestamp',
  'timeofday',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'nextval',
  'txid_current',
  'setseed',
]);

/**
 * Why a DEFAULT expression would be evaluated per row: the function that makes it volatile (or
 * unknown, since an unknown function may be), or null for a constant or stable expression.
 */
export function volatileDefaultReason(expr: AstNode | undefined): string | null {
  if (!expr) return null;
  let reason: string | null = null;
  const check = (type: string, value: AstNode) => {
    if (reason) return;
    if (type === 'FuncCall') {
      const name = funcName({ FuncCall: value });
      if (KNOWN_VOLATILE_FUNCTIONS.has(name)) reason = `${name}() is volatile`;
      else if (!NON_VOLATILE_FUNCTIONS.has(name)) reason = `${name}() is not known to be stable, so it may be volatile`;
    } else if (type === 'SubLink') {
      reason = 'a subquery is evaluated per row';
    }
  };
  const [rootType] = Object.keys(expr);
  if (rootType) check(rootType, expr[rootType]);
  walk(expr, check);
  return reason;
}

/** The parser's names for the serial pseudo-types (which fill a column from a sequence), and how migrations spell them. */
export const SERIAL_TYPES = new Map([
  ['serial2', 'smallserial'],
  ['serial4', 'serial'],
  ['serial8', 'bigserial'],
]);

export interface TypeChangeVerdict {
  rewrites: boolean;
  /** The table stays, but every index on the column is rebuilt (observed: citext <-> text). */
  rebuildsIndexes?: boolean;
  /** True when the old type is not known, so the verdict is a possibility. */
  uncertain: boolean;
  reason: string;
}

/**
 * Whether ALTER COLUMN TYPE from `from` to `to` rewrites the table. Binary-coercible changes with
 * no narrowing check skip the rewrite (and the index rebuild).
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 */
/** Zones PostgreSQL finds at a fixed offset of zero, where timestamp and timestamptz share their bits. */
const UTC_ZONES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'uct', 'etc/uct', 'zulu', 'etc/zulu', 'universal', 'etc/universal', 'greenwich', 'etc/greenwich', 'gmt0', 'etc/gmt0', 'gmt+0', 'gmt-0', 'etc/gmt+0', 'etc/gmt-0']);

/** What a type change does; `session` gives the target version and the TimeZone the migration set, where known. */
export function typeChangeVerdict(from: TypeRef | null, to: TypeRef, hasUsing: boolean, session?: { pgVersion: number; timeZone: string | null }): TypeChangeVerdict {
  if (!from) {
    return { rewrites: true, uncertain: true, reason: 'the column\'s current type is not known from earlier migrations' };
  }
  const same = from.name === to.name && from.array === to.array;
  if (hasUsing && !(same && sameMods(from, to))) {
    return { rewrites: true, uncertain: false, reason: 'a USING expression is evaluated for every row' };
  }
  if (((from.name === 'timestamp' && to.name === 'timestamptz') || (from.name === 'timestamptz' && to.name === 'timestamp')) && sameMods(from, to)) {
    // Observed (test/truth-effects.test.ts): with the session TimeZone at UTC the table is kept and
    // the indexes on the column are rebuilt (PostgreSQL 12+); in any other zone it is rewritten.
    const change = `${from.name} to ${to.name}`;
    if (session && session.pgVersion >= 12 && session.timeZone !== null && UTC_ZONES.has(session.timeZone.toLowerCase())) {
      return { rewrites: false, rebuildsIndexes: true, uncertain: false, reason: `${change} with the session TimeZone at ${session.timeZone} keeps the values' bits, but rebuilds the indexes on the column` };
    }
    if (session?.timeZone) return { rewrites: true, uncertain: false, reason: `${change} converts every value in the session TimeZone ${session.timeZone}` };
    return { rewrites: true, uncertain: true, reason: `${change} skips the rewrite only when the session TimeZone is UTC (PostgreSQL 12+; SET TimeZone = 'UTC' in the migration says so), and rebuilds the indexes on the column even then` };
  }
  // What PostgreSQL did for this very change, where the truth table has it (src/engine/truth/).
  const observed = hasUsing ? undefined : TYPE_CHANGES[`${formatType(from)} -> ${formatType(to)}`];
  if (observed === 'none') return { rewrites: false, uncertain: false, reason: `observed on ${OBSERVED_ON}: no rewrite` };
  if (observed === 'index') return { rewrites: false, rebuildsIndexes: true, uncertain: false, reason: `the table is kept but indexes on the column are rebuilt, as observed on ${OBSERVED_ON}` };
  if (observed === 'rewrite') return { rewrites: true, uncertain: false, reason: `${formatType(from)} to ${formatType(to)} is not binary coercible, as observed on ${OBSERVED_ON}` };
  if (from.array !== to.array) return { rewrites: true, uncertain: false, reason: 'the array-ness changes' };
  const textLike = (t: TypeRef) => t.name === 'text' || (t.name === 'varchar' && t.mods.length === 0);
  if (same && sameMods(from, to)) return { rewrites: false, uncertain: false, reason: 'the type does not change' };
  if ((from.name === 'varchar' || from.name === 'text') && textLike(to)) {
    return { rewrites: false, uncertain: false, reason: `${from.name} to ${to.name} is binary coercible` };
  }
  if (from.name === 'varchar' && to.name === 'varchar' && (from.mods[0] ?? Infinity) <= (to.mods[0] ?? Infinity)) {
    return { rewrites: false, uncertain: false, reason: 'widening varchar needs no rewrite' };
  }
  if ((from.name === 'varbit' || from.name === 'bit varying') && from.name === to.name && (from.mods[0] ?? Infinity) <= (to.mods[0] ?? Infinity)) {
    return { rewrites: false, uncertain: false, reason: 'widening varbit needs no rewrite' };
  }
  if (from.name === 'numeric' && to.name === 'numeric') {
    if (to.mods.length === 0) return { rewrites: false, uncertain: false, reason: 'numeric without precision accepts every value' };
    const [fp, fs = 0] = from.mods;
    const [tp, ts = 0] = to.mods;
    if (fp !== undefined && tp !== undefined && tp >= fp && ts === fs) {
      return { rewrites: false, uncertain: false, reason: 'a numeric precision increase at the same scale needs no rewrite' };
    }
  }
  if (from.name === 'cidr' && to.name === 'inet') return { rewrites: false, uncertain: false, reason: 'cidr to inet is binary coercible' };
  if (from.name === 'xml' && textLike(to)) return { rewrites: false, uncertain: false, reason: 'xml to text is binary coercible' };
  return { rewrites: true, uncertain: false, reason: `${from.name} to ${to.name} is not binary coercible` };
}

function sameMods(a: TypeRef, b: TypeRef): boolean {
  return a.mods.length === b.mods.length && a.mods.every((m, i) => m === b.mods[i]);
}

export function columnType(columnDef: AstNode): TypeRef | null {
  return typeRef(columnDef.typeName);
}
