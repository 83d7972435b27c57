// What undoes a statement that `migsafe fix` writes, for the down half of the migration it lands in,
// and which statement of an existing down half undoes a statement that fix moves or replaces.
// Only the statements fix writes are covered; anything else is "unknown" (null), and fix then does
// not touch that migration.
import type { AstNode } from '../engine/types.js';
import { alterTable, copy } from '../engine/rewrite.js';
import { relationName } from '../engine/ast.js';

/**
 * The statements that undo `statement`, in the order to run them: [] when there is nothing to undo
 * (VALIDATE, REINDEX, SET), null when fix does not know. `earlier` are the statements before it in
 * the same plan (a DROP CONSTRAINT is undone by the ADD CONSTRAINT that made it).
 */
export function undoOf(statement: AstNode, earlier: AstNode[] = []): AstNode[] | null {
  const [kind, node] = Object.entries(statement)[0] ?? [];
  switch (kind) {
    case 'IndexStmt':
      if (!node.idxname) return null;
      return [{ DropStmt: { objects: [{ List: { items: [...(node.relation?.schemaname ? [node.relation.schemaname] : []), node.idxname].map((sval: string) => ({ String: { sval } })) } }], removeType: 'OBJECT_INDEX', behavior: 'DROP_RESTRICT', missing_ok: true, ...(node.concurrent ? { concurrent: true } : {}) } }];
    case 'ReindexStmt':
    case 'RefreshMatViewStmt':
    case 'VariableSetStmt':
      return [];
    case 'DoStmt': {
      // A DO block that only fills rows (the batched backfill fix writes) changes no schema: the down
      // of the migration that added the column drops what it filled.
      const body = (node.args ?? []).find((a: AstNode) => a.DefElem?.defname === 'as')?.DefElem?.arg?.String?.sval ?? '';
      return /\b(CREATE|ALTER|DROP|TRUNCATE|INSERT|DELETE|GRANT|REVOKE|EXECUTE)\b/i.test(body) ? null : [];
    }
    case 'AlterTableStmt': {
      const undone: AstNode[] = [];
      for (const item of [...(node.cmds ?? [])].reverse()) {
        const cmd = undoCommand(item.AlterTableCmd ?? {}, node.relation, earlier);
        if (cmd === null) return null;
        if (cmd !== 'nothing') undone.push(...(Array.isArray(cmd) ? cmd : [cmd]));
      }
      // One statement a subcommand: a VALIDATE in the same statement as the ADD it follows would
      // run before it.
      return undone.map((c) => alterTable(node.relation, [c]));
    }
    default:
      return null;
  }
}

function undoCommand(cmd: AstNode, relation: AstNode, earlier: AstNode[]): AstNode | AstNode[] | 'nothing' | null {
  switch (cmd.subtype) {
    case 'AT_ValidateConstraint': {
      // Validated stays validated: it is dropped and added back NOT VALID (instant, no row read).
      const added = addedConstraint(cmd.name, relation, earlier);
      if (!added) return null;
      return [{ subtype: 'AT_DropConstraint', name: cmd.name, behavior: 'DROP_RESTRICT' }, notValid(added)];
    }
    case 'AT_AddConstraint': {
      const constraint = cmd.def?.Constraint;
      const name = constraint?.conname;
      return name ? { subtype: 'AT_DropConstraint', name, behavior: 'DROP_RESTRICT', missing_ok: true } : null;
    }
    case 'AT_SetNotNull':
      return { subtype: 'AT_DropNotNull', name: cmd.name, behavior: 'DROP_RESTRICT' };
    case 'AT_AddColumn':
      return { subtype: 'AT_DropColumn', name: cmd.def?.ColumnDef?.colname, behavior: 'DROP_RESTRICT', missing_ok: true };
    case 'AT_ColumnDefault':
      return cmd.def ? { subtype: 'AT_ColumnDefault', name: cmd.name, behavior: 'DROP_RESTRICT' } : null;
    case 'AT_DropConstraint': {
      // A constraint the migration added and now drops (the NOT NULL proof): added back as it was,
      // NOT VALID, then validated if it had been.
      const added = addedConstraint(cmd.name, relation, earlier);
      if (!added) return null;
      const validated = earlier.some((s) => sameRelation(s.AlterTableStmt?.relation, relation) && s.AlterTableStmt.cmds?.some((c: AstNode) => c.AlterTableCmd?.subtype === 'AT_ValidateConstraint' && c.AlterTableCmd.name === cmd.name));
      return validated ? [notValid(added), { subtype: 'AT_ValidateConstraint', name: cmd.name, behavior: 'DROP_RESTRICT' }] : notValid(added);
    }
    default:
      return null;
  }
}

/** The ADD CONSTRAINT subcommand that added `name` to the relation, among the statements. */
function addedConstraint(name: string, relation: AstNode, statements: AstNode[]): AstNode | null {
  for (const statement of statements) {
    if (!sameRelation(statement.AlterTableStmt?.relation, relation)) continue;
    for (const item of statement.AlterTableStmt.cmds ?? []) {
      const added = item.AlterTableCmd;
      if (added?.subtype === 'AT_AddConstraint' && added.def?.Constraint?.conname === name) return added;
    }
  }
  return null;
}

function notValid(added: AstNode): AstNode {
  const constraint = { ...copy(added.def.Constraint), skip_validation: true };
  delete constraint.initially_valid;
  return { ...copy(added), def: { Constraint: constraint } };
}

function sameRelation(a: AstNode | undefined, b: AstNode | undefined): boolean {
  return relationName(a) === relationName(b);
}

/**
 * A statement with what does not change its effect on a migration that ran to its end taken out
 * (positions, IF [NOT] EXISTS, CONCURRENTLY, the default public schema), for comparing two.
 */
export function normalized(node: unknown): string {
  return astText(node, LOOSE);
}

const POSITIONS = new Set(['location', 'stmt_len', 'stmt_location']);
const LOOSE = new Set([...POSITIONS, 'missing_ok', 'if_not_exists', 'concurrent']);

/** A node as text without the keys given (and the default public schema when loose), to compare two. */
export function astText(node: unknown, ignored: Set<string> = POSITIONS): string {
  return JSON.stringify(node, (key, value) => (ignored.has(key) || (ignored === LOOSE && key === 'schemaname' && value === 'public') ? undefined : value));
}

/** The index a DROP INDEX drops (its last name part), or null for any other statement. */
function droppedIndex(statement: AstNode): string | null {
  const drop = statement.DropStmt;
  if (drop?.removeType !== 'OBJECT_INDEX' || drop.objects?.length !== 1) return null;
  const items = drop.objects[0].List?.items ?? [];
  return items[items.length - 1]?.String?.sval ?? null;
}

/** The partition an ALTER TABLE ... DETACH|ATTACH PARTITION names, with the subtype. */
function partitionCommand(statement: AstNode): { subtype: string; parent: AstNode; partition: string } | null {
  const node = statement.AlterTableStmt;
  const cmd = node?.cmds?.length === 1 ? node.cmds[0].AlterTableCmd : null;
  if (!cmd || (cmd.subtype !== 'AT_DetachPartition' && cmd.subtype !== 'AT_AttachPartition')) return null;
  return { subtype: cmd.subtype, parent: node.relation, partition: cmd.def?.PartitionCmd?.name?.relname ?? '' };
}

/**
 * Whether a down statement undoes an up statement: it is the statement undoOf writes (up to IF
 * EXISTS and CONCURRENTLY), or it recreates what the up statement drops (CREATE INDEX of the index
 * a DROP INDEX drops, ATTACH of the partition a DETACH detaches).
 */
export function undoes(down: AstNode, up: AstNode): boolean {
  const undo = undoOf(up);
  if (undo?.length === 1 && normalized(undo[0]) === normalized(down)) return true;
  const index = droppedIndex(up);
  if (index !== null) return down.IndexStmt?.idxname === index;
  const detach = partitionCommand(up);
  if (detach?.subtype === 'AT_DetachPartition') {
    const attach = partitionCommand(down);
    return attach?.subtype === 'AT_AttachPartition' && attach.partition === detach.partition && sameRelation(attach.parent, detach.parent);
  }
  return false;
}

/**
 * DETACH PARTITION CONCURRENTLY leaves a CHECK constraint on the partition that matches its bound
 * (named <partition>_<first key column>_check; observed by verify on PGlite): the down that attaches
 * the partition back drops it, so that the round trip restores the schema. Nothing when the
 * partition key is not in the migrations.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DETACH-PARTITION
 */
export function detachLeftover(detach: AstNode, history: AstNode[]): AstNode[] {
  const cmd = detach.AlterTableStmt?.cmds?.[0]?.AlterTableCmd;
  if (cmd?.subtype !== 'AT_DetachPartition' || !cmd.def?.PartitionCmd?.concurrent) return [];
  const parent = detach.AlterTableStmt.relation;
  const created = history.find((s) => s.CreateStmt && sameRelation(s.CreateStmt.relation, parent) && s.CreateStmt.partspec);
  const column = created?.CreateStmt.partspec.partParams?.[0]?.PartitionElem?.name;
  const partition = cmd.def.PartitionCmd.name;
  if (!column || !partition?.relname) return [];
  return [alterTable(partition, [{ subtype: 'AT_DropConstraint', name: `${partition.relname}_${column}_check`, behavior: 'DROP_RESTRICT', missing_ok: true }])];
}

/** A statement that recreates an object, made to run the way the migration it moves to runs. */
export function concurrentlyIfIndex(statement: AstNode, outsideTransaction: boolean): AstNode {
  if (!outsideTransaction || !statement.IndexStmt) return statement;
  return { IndexStmt: { ...copy(statement.IndexStmt), concurrent: true } };
}
