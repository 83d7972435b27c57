// One finding's fix as edits to its migration and new migrations after it. A rewrite (types.ts) is a
// list of migrations: the first goes where the statement was when it can share its transaction, the
// rest (and a first that cannot) become new migrations right after it, each with a down that undoes
// it. The migration's own down is kept in step: what undid the statement is moved with it, or
// replaced by what undoes its replacement.
import type { AstNode, MigrationHalf, Migration, Rewrite, Statement } from '../engine/types.js';
import { copy, sqlOf } from '../engine/rewrite.js';
import { isMigrationFile, sourceKindOf } from '../discover/discover.js';
import { refusesTransactionBlock } from '../engine/postgres-facts.js';
import { outsideTransactionHint } from '../engine/runner-hints.js';
import { astText, concurrentlyIfIndex, detachLeftover, normalized, undoes, undoOf } from './undo.js';
import { firstAfterSets, type MigrationWriter, type NewMigration, type StatementEditor, type TextEdit, type WriterFiles } from './writer.js';

export interface PlanInput {
  migration: Migration;
  statement: Statement;
  rewrite: Rewrite;
  writer: MigrationWriter;
  /** The migration new ones follow (the fixed one, or the last one fix wrote after it). */
  tail: Migration;
  /** The migration after the tail, which new ones must stay before. */
  next: Migration | null;
  /** The statements of the directory's migrations up to this one (what tables were created as). */
  history: AstNode[];
  parse: (sql: string) => AstNode;
  /** The files as fix has them so far, and which of them it may change. */
  files: WriterFiles;
}

export interface Plan {
  edits: TextEdit[];
  /** New files: absolute path → text. */
  files: Record<string, string>;
  /** The last new file, which later fixes of the same migration write after. */
  lastFile: string | null;
}

interface PlannedMigration {
  statements: AstNode[];
  outsideTransaction: boolean;
  notes?: string[];
}

/**
 * The CHECK (col IS NOT NULL) that proved a column NOT NULL is kept, not dropped after SET NOT NULL:
 * the down of a migration that dropped it would have to add it back validated, which reads every
 * row under an ACCESS EXCLUSIVE lock (or VALIDATEs it in the same transaction), and one down runs in
 * one transaction. A note says how to drop it later.
 */
function keepProofs(migrations: PlannedMigration[], before: AstNode[]): PlannedMigration[] {
  const added = new Set<string>();
  const out: PlannedMigration[] = [];
  for (const statement of before) for (const name of addedNotValid(statement)) added.add(name);
  for (const m of migrations) {
    const notes: string[] = [];
    const statements = m.statements.filter((s) => {
      const cmds = s.AlterTableStmt?.cmds ?? [];
      const drop = cmds.length === 1 && cmds[0].AlterTableCmd?.subtype === 'AT_DropConstraint' ? cmds[0].AlterTableCmd.name : null;
      if (drop === null || !added.has(drop)) return true;
      notes.push(`${drop} stays: a down that dropped it here would rebuild it with a scan under an exclusive lock. Drop it later if you like.`);
      return false;
    });
    for (const statement of m.statements) for (const name of addedNotValid(statement)) added.add(name);
    if (statements.length) out.push({ ...m, statements, notes: [...(m.notes ?? []), ...notes] });
  }
  return out;
}

function addedNotValid(statement: AstNode): string[] {
  return (statement.AlterTableStmt?.cmds ?? [])
    .map((c: AstNode) => c.AlterTableCmd)
    .filter((c: AstNode) => c?.subtype === 'AT_AddConstraint' && c.def?.Constraint?.skip_validation && c.def.Constraint.contype === 'CONSTR_CHECK')
    .map((c: AstNode) => c.def.Constraint.conname);
}

export function planFix(input: PlanInput): Plan | { error: string } {
  const { migration, statement, rewrite, writer } = input;
  const ast = statement.ast!;
  let planned: PlannedMigration[];
  try {
    // The statement as written (after a SET lock_timeout) is its own AST: its text may hold template
    // placeholders the reader filled in.
    const written = asWritten(statement);
    planned = rewrite.migrations.map((m) => ({ statements: m.statements.map((sql) => (sql === written && statement.ast ? statement.ast : input.parse(filled(sql, statement)))), outsideTransaction: !!m.outsideTransaction }));
  } catch (error) {
    return { error: `migsafe could not read back its own rewrite (${(error as Error).message})` };
  }
  if (rewrite.manual) return { error: rewrite.manual };
  const editor = writer.editor ?? sqlEditor;
  // Each edit, or the first reason one cannot be made.
  const edits: TextEdit[] = [];
  let refusal: string | null = null;
  const edit = (made: TextEdit | { error: string }) => {
    if ('error' in made) refusal ??= made.error;
    else edits.push(made);
  };
  if (rewrite.addTo === 'down') {
    if (!migration.down) return { error: 'the migration has no down half to add to' };
    edit(editor.insert(migration, migration.down, planned[0]?.statements ?? [], 'start'));
    return refusal ? { error: refusal } : { edits, files: {}, lastFile: null };
  }
  const ownStatements = migration.up.statements.flatMap((s) => (s.ast ? [s.ast] : []));
  const half = migration.up.statements.includes(statement) ? migration.up : migration.down!;
  // A runner that sends the file as one query: nothing can join a statement that refuses a
  // transaction block there (two statements in one query are one implicit transaction).
  const refusing = half.statements.find((s) => s.ast && refusesTransactionBlock(s.ast));
  if (writer.outsideTransaction === 'alone' && refusing && (rewrite.migrations[0]?.statements.length ?? 0) + (rewrite.residual ? 1 : 0) > 1) {
    return { error: `${migration.layout} sends this file as one query, and a statement beside ${refusesTransactionBlock(refusing.ast!)} would make it a transaction block: ${rewrite.migrations[0]?.statements.some((s) => /lock_timeout/i.test(s)) ? "set lock_timeout for the role that runs migrations instead (ALTER ROLE ... SET lock_timeout = '5s')" : 'write it by hand'}` };
  }
  if (half !== migration.up) {
    // A statement of a down half: only a rewrite that stays where it is (a lock_timeout before it).
    const first = rewrite.migrations[0];
    if (rewrite.migrations.length !== 1 || first?.outsideTransaction || first?.apart || rewrite.residual) {
      return { error: `migsafe fix rewrites a down migration only where the statement stays in it${half.runner?.outsideTransaction ? ` (to run it outside a transaction: ${half.runner.outsideTransaction})` : ''}` };
    }
    edit(editor.replace(statement, planned[0]!.statements.map((s) => (exactly(s, ast) ? asWritten(statement) : s)), [], half));
    return refusal ? { error: refusal } : { edits, files: {}, lastFile: null };
  }
  const parts = ast.AlterTableStmt?.cmds?.length ?? ast.DropStmt?.objects?.length ?? 1;
  if (rewrite.residual === undefined && parts > 1) return { error: 'the statement does more than the rewrite covers: split it into one statement per subcommand, then run fix again' };
  const residual = rewrite.residual ? input.parse(rewrite.residual) : null;
  const first = rewrite.migrations[0];
  let inPlace: PlannedMigration | null = first && !first.outsideTransaction && !first.apart ? planned[0]! : null;
  const split = splitForRunner(keepProofs(inPlace ? planned.slice(1) : planned, [...ownStatements, ...(inPlace?.statements ?? [])]), writer, migration.downExpected, outsideTransactionHint(migration, migration.up));
  if ('error' in split) return split;
  const later = split;
  // A statement alone in its migration that must run outside a transaction: the migration itself is
  // made to run outside one (goose's NO TRANSACTION, dbmate's transaction:false, a file alone).
  // A statement alone in its migration but for SETs: where each statement runs on its own (a marker),
  // they stay; where the file is one query, they go (with a note), since beside it they would make
  // the file a transaction block.
  const sets = migration.up.statements.filter((s) => s !== statement && s.ast?.VariableSetStmt);
  const alone = !residual && migration.up.statements.every((s) => s === statement || sets.includes(s));
  const notes: string[] = [];
  // An editor that wraps the statement itself (Alembic's autocommit_block) needs no opt-out of the file.
  let wrapped = false;
  if (!inPlace && alone && later[0]?.outsideTransaction && (writer.outsideTransaction === 'marker' || later[0].statements.length === 1)) {
    const optOut = editor.replaceOutsideTransaction ? [] : writer.optOut(migration);
    wrapped = !!editor.replaceOutsideTransaction;
    if (optOut) {
      edits.push(...optOut);
      inPlace = later.shift()!;
      if (writer.outsideTransaction === 'alone' && sets.length) {
        for (const set of sets) edit(editor.replace(set, [], [], migration.up));
        notes.push(`${migration.layout} sends this file as one query: a SET beside this statement would make it a transaction block, so ${sets.map((s) => s.text.trim()).join(' ')} is gone from here; set it for the role that runs migrations (ALTER ROLE ... SET lock_timeout = '5s').`);
      }
    }
  }
  // The statement itself, where the rewrite keeps it as it is (after a SET lock_timeout), keeps its text.
  const inPlaceStatements = [...(residual ? [residual] : []), ...(inPlace ? leftoverSafe(inPlace, writer, notes) : [])].map((s) => (exactly(s, ast) ? asWritten(statement) : s));
  edit(wrapped ? editor.replaceOutsideTransaction!(statement, inPlaceStatements, notes, migration.up) : editor.replace(statement, inPlaceStatements, notes, migration.up));
  // What stays of the statement's effect in this migration decides what its down keeps.
  const down = migration.down;
  let moved: AstNode | null = null;
  if (down && migration.downExpected) {
    const undoing = down.statements.find((s) => s.ast && undoes(s.ast, ast));
    const replacing = (inPlace?.statements ?? []).filter((s) => normalized(s) !== normalized(ast) && undoOf(s)?.length !== 0);
    if (inPlace && replacing.length) {
      const undo = undoAll(replacing, ownStatements);
      if (!undo) return { error: `migsafe cannot write what undoes ${brief(sqlOf(replacing[0]!))}` };
      const present = undo.every((u) => down.statements.some((s) => s.ast && normalized(s.ast) === normalized(u)));
      if (!present) {
        if (undoing) edit(editor.replace(undoing, undo, [], down));
        else edit(editor.insert(migration, down, undo, 'start'));
      }
    } else if (!inPlace && undoing) {
      // The statement moves to a new migration: so does what undid it.
      moved = undoing.ast;
      edit(editor.replace(undoing, [], [], down));
    }
  }
  if (refusal) return { error: refusal };
  if (!later.length) return { edits, files: {}, lastFile: null };
  const specs: NewMigration[] = [];
  const earlier: AstNode[] = [...ownStatements, ...(inPlace?.statements ?? [])];
  for (const m of later) {
    const noteLines: string[] = [...(m.notes ?? [])];
    const up = leftoverSafe(m, writer, noteLines);
    let downStatements: AstNode[] | null = null;
    if (migration.downExpected) {
      downStatements = [];
      for (const s of [...m.statements].reverse()) {
        const undo = undoOf(s, earlier) ?? (moved && undoes(moved, s) ? [concurrentlyIfIndex(moved, m.outsideTransaction), ...detachLeftover(s, input.history)] : null);
        if (!undo) return { error: `migsafe cannot write what undoes ${brief(sqlOf(s))}${moved === null && !undoOf(s) ? ' (the down migration does not recreate it)' : ''}` };
        downStatements.push(...undo);
      }
      // A runner that reverts in a transaction whatever the migration says: the down without CONCURRENTLY.
      if (writer.downsInTransaction?.(migration)) downStatements = downStatements.map(inTransaction);
      if (writer.outsideTransaction === 'alone' && downStatements.length > 1 && downStatements.some((s) => refusesTransactionBlock(s))) return { error: 'the down of this migration needs a statement that refuses a transaction block beside others, which this runner sends as one query' };
    }
    earlier.push(...m.statements);
    specs.push({
      name: nameOf(m.statements[0]!, input.migration.id),
      up: up.map(sqlOf),
      down: downStatements?.map(sqlOf) ?? null,
      outsideTransaction: m.outsideTransaction,
      downOutsideTransaction: !!downStatements?.some((s) => refusesTransactionBlock(s)),
      notes: noteLines,
    });
  }
  const files = writer.create(input.tail, input.next, specs, input.files);
  if ('error' in files) return { error: files.error as string };
  // The last new migration file (not a side file such as sqitch.plan), which later fixes follow.
  const paths = Object.keys(files).filter(isMigrationFile);
  return { edits, files, lastFile: paths[paths.length - 1] ?? null };
}

/** A statement in a message: its first line, at most 80 characters. */
function brief(sql: string): string {
  const line = sql.split('\n')[0]!;
  return line.length > 80 || sql.includes('\n') ? `${line.slice(0, 77)}...` : line;
}

/** The statement as it runs inside a transaction block: without CONCURRENTLY. */
function inTransaction(statement: AstNode): AstNode {
  const out = copy(statement);
  if (out.IndexStmt) delete out.IndexStmt.concurrent;
  if (out.DropStmt) delete out.DropStmt.concurrent;
  for (const item of out.AlterTableStmt?.cmds ?? []) if (item.AlterTableCmd?.def?.PartitionCmd) delete item.AlterTableCmd.def.PartitionCmd.concurrent;
  return out;
}

/**
 * A runner that runs a file as one query takes one statement outside a transaction per file. Where
 * each statement runs on its own, ADD CONSTRAINT ... USING INDEX joins the migration that builds its
 * index: its down (DROP CONSTRAINT, which drops the index too) then restores what was there before.
 */
function splitForRunner(migrations: PlannedMigration[], writer: MigrationWriter, downs: boolean, hint: string): PlannedMigration[] | { error: string } {
  if (writer.outsideTransaction === 'none' && migrations.some((m) => m.outsideTransaction)) {
    return { error: `this runner runs every migration of this kind in a transaction, and the rewrite needs a step outside one: ${hint}` };
  }
  const usingIndex = (m: PlannedMigration) => !m.outsideTransaction && m.statements.every((s) => s.AlterTableStmt?.cmds?.every((c: AstNode) => c.AlterTableCmd?.def?.Constraint?.indexname));
  if (writer.outsideTransaction === 'marker') {
    const out: PlannedMigration[] = [];
    for (const m of migrations) {
      const previous = out[out.length - 1];
      if (previous?.outsideTransaction && usingIndex(m)) previous.statements = [...previous.statements, ...m.statements];
      else out.push({ ...m, statements: [...m.statements] });
    }
    return out;
  }
  if (downs && migrations.some((m, i) => i > 0 && usingIndex(m) && migrations[i - 1]!.outsideTransaction)) {
    return { error: 'this runner sends a file as one query, so the index must be built in a migration of its own, and the down of ADD CONSTRAINT ... USING INDEX (DROP CONSTRAINT drops the index) could not build it back concurrently: write this one by hand, or use a runner that runs statements one by one' };
  }
  return migrations.flatMap((m) => (m.outsideTransaction && m.statements.length > 1 ? m.statements.map((s) => ({ statements: [s], outsideTransaction: true })) : [m]));
}

/**
 * CREATE INDEX CONCURRENTLY that fails leaves an INVALID index behind, and the retry then fails (or,
 * with IF NOT EXISTS, passes over the broken index). Where each statement runs on its own, the
 * leftover is dropped first and the build is IF NOT EXISTS; where the file is one query, the index
 * is built alone and a note says how to drop the leftover.
 * https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
 */
function leftoverSafe(migration: PlannedMigration, writer: MigrationWriter, notes: string[]): AstNode[] {
  if (!migration.outsideTransaction) return migration.statements;
  return migration.statements.flatMap((s) => {
    if (!s.IndexStmt?.concurrent || !s.IndexStmt.idxname) return [s];
    const drop = undoOf(s)![0]!;
    if (writer.outsideTransaction === 'marker') return [drop, { IndexStmt: { ...copy(s.IndexStmt), if_not_exists: true } }];
    notes.push(`If this fails, it leaves an INVALID index behind: run ${sqlOf(drop)}; then migrate again.`);
    return [s];
  });
}

function undoAll(statements: AstNode[], before: AstNode[]): AstNode[] | null {
  const out: AstNode[] = [];
  for (let i = statements.length - 1; i >= 0; i--) {
    const undo = undoOf(statements[i]!, [...before, ...statements.slice(0, i)]);
    if (!undo) return null;
    out.push(...undo);
  }
  return out;
}

/** A name for a new migration's file, from what its first statement does. */
function nameOf(statement: AstNode, fallback: string): string {
  const node = Object.values(statement)[0] as AstNode;
  let name: string | undefined;
  if (statement.IndexStmt) name = `create_index_${node.idxname}`;
  else if (statement.DropStmt) name = `drop_index_${node.objects?.[0]?.List?.items?.at(-1)?.String?.sval ?? ''}`;
  else if (statement.ReindexStmt) name = `reindex_${node.relation?.relname ?? node.name ?? ''}`;
  else if (statement.AlterTableStmt) {
    const cmd = node.cmds?.[0]?.AlterTableCmd ?? {};
    const table = node.relation?.relname ?? '';
    if (cmd.subtype === 'AT_ValidateConstraint') name = `validate_${cmd.name}`;
    else if (cmd.subtype === 'AT_SetNotNull') name = `set_${table}_${cmd.name}_not_null`;
    else if (cmd.subtype === 'AT_AddConstraint') name = `add_${cmd.def?.Constraint?.conname ?? 'constraint'}`;
    else if (cmd.subtype === 'AT_DetachPartition') name = `detach_${cmd.def?.PartitionCmd?.name?.relname ?? ''}`;
  } else if (statement.AlterDomainStmt?.subtype === 'V') name = `validate_${node.name}`;
  else if (statement.DoStmt) {
    const filled = /UPDATE\s+(\S+)\s+AS\s+t\s+SET\s+(\S+)\s*=/i.exec(node.args?.[0]?.DefElem?.arg?.String?.sval ?? '');
    if (filled) name = `backfill_${filled[1]!.split('.').pop()}_${filled[2]}`.replace(/"/g, '');
  }
  const slug = (name ?? `${fallback.replace(/^\d+_?/, '')}_continued`).toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
  return slug.slice(0, 60) || 'migsafe_fix';
}

/**
 * The statement as its file has it: in a SQL file its own text, template placeholders and all; in
 * code, the SQL the code builds (which the editor writes into the code's own strings).
 */
function asWritten(statement: Statement): string {
  const raw = statement.file.text.slice(statement.span.start, statement.span.end);
  return (sourceKindOf(statement.file.path) === 'sql' ? raw : statement.text).trim().replace(/;$/, '');
}

/** SQL with the statement's template placeholders filled as the reader fills them, to parse it. */
function filled(sql: string, statement: Statement): string {
  let out = sql;
  for (const [identifier, original] of statement.placeholders ?? []) out = out.split(original).join(identifier);
  return out;
}

/** SQL printed from a filled statement with its placeholders put back. */
export function restored(sql: string, statement: Statement): string {
  let out = sql;
  for (const [identifier, original] of statement.placeholders ?? []) out = out.split(identifier).join(original);
  return out;
}

/** The same statement, but for positions. */
function exactly(a: AstNode, b: AstNode): boolean {
  return astText(a) === astText(b);
}

/** The statement's text replaced by these statements (one a line, indented as it was), or removed. */
function replaceStatement(statement: Statement, statements: (AstNode | string)[], notes: string[]): TextEdit {
  const text = statement.file.text;
  const lineStart = text.lastIndexOf('\n', statement.span.start - 1) + 1;
  const indent = /^[ \t]*$/.test(text.slice(lineStart, statement.span.start)) ? text.slice(lineStart, statement.span.start) : '';
  // The statement's own semicolon, where the span stops before it (on a line of its own).
  const semicolon = /^\s*;/.exec(text.slice(statement.span.end));
  const spanEnd = text[statement.span.end - 1] !== ';' && semicolon ? statement.span.end + semicolon[0].length : statement.span.end;
  if (!statements.length) {
    // The whole line, when the statement had it to itself.
    let end = spanEnd;
    while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
    if (text[end] === '\n' && indent === text.slice(lineStart, statement.span.start)) return { file: statement.file.path, start: lineStart, end: end + 1, text: '' };
    return { file: statement.file.path, start: statement.span.start, end: spanEnd, text: '' };
  }
  const lines = [...notes.map((n) => `-- ${n}`), ...statements.map((s) => `${typeof s === 'string' ? s : restored(sqlOf(s), statement)};`)];
  return { file: statement.file.path, start: statement.span.start, end: spanEnd, text: lines.join(`\n${indent}`) };
}

/** Statements put in a half: before its first statement but SETs, or after its last. */
function insertInHalf(migration: Migration, half: MigrationHalf, statements: AstNode[], where: 'start' | 'end'): TextEdit {
  const text = statements.map((s) => `${sqlOf(s)};`).join('\n');
  const top = half.statements.filter((s) => s.origin === 'top');
  const first = firstAfterSets(half);
  if (where === 'start' && first) return { file: first.file.path, start: first.span.start, end: first.span.start, text: `${text}\n` };
  if (top.length) {
    const at = top[top.length - 1]!.span.end;
    return { file: top[0]!.file.path, start: at, end: at, text: `\n${text}` };
  }
  const file = half.anchor.file;
  if (file.path !== migration.up.files[0]!.path) {
    // A file of its own (golang-migrate's .down.sql): at its end.
    const needsNewline = file.text.length > 0 && !file.text.endsWith('\n');
    return { file: file.path, start: file.text.length, end: file.text.length, text: `${needsNewline ? '\n' : ''}${text}\n` };
  }
  // A marked section: after its marker line.
  const lineEnd = file.text.indexOf('\n', half.anchor.offset);
  const at = lineEnd < 0 ? file.text.length : lineEnd + 1;
  return { file: file.path, start: at, end: at, text: `${lineEnd < 0 ? '\n' : ''}${text}\n` };
}

/** SQL files: statements edited as text. */
const sqlEditor: StatementEditor = { replace: (statement, statements, notes) => replaceStatement(statement, statements, notes), insert: insertInHalf };

/** Texts after the edits, by file. */
export function applyEdits(edits: TextEdit[], textOf: (file: string) => string): Map<string, string> {
  const byFile = new Map<string, TextEdit[]>();
  for (const edit of edits) byFile.set(edit.file, [...(byFile.get(edit.file) ?? []), edit]);
  const out = new Map<string, string>();
  for (const [file, fileEdits] of byFile) {
    let text = textOf(file);
    for (const edit of [...fileEdits].sort((a, b) => b.start - a.start || b.end - a.end)) text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
    out.set(file, text);
  }
  return out;
}
