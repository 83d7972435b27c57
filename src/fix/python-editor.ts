// Editing an Alembic revision: a statement lowered from an `op.*` call on a line of its own is
// replaced by `op.execute("...")` lines or removed; statements are added to upgrade() or
// downgrade(); and upgrade() is made to run outside Alembic's transaction by wrapping its body in
// `with op.get_context().autocommit_block():`. The file is read with the same Python parser the
// reader uses (@lezer/python).
import { createRequire } from 'node:module';
import type { SyntaxNode, Tree } from '@lezer/common';
import type { parser as PythonParser } from '@lezer/python';
import { sqlOf } from '../engine/rewrite.js';
import type { AstNode, MigrationHalf, Statement } from '../engine/types.js';
import { firstAfterSets, type StatementEditor, type TextEdit } from './writer.js';

const require = createRequire(import.meta.url);
let parser: typeof PythonParser | null = null;
function treeOf(text: string): Tree {
  parser ??= (require('@lezer/python') as { parser: typeof PythonParser }).parser;
  return parser.parse(text);
}

/** A Python string literal of the SQL (JSON's escapes are Python's). */
export function pythonString(sql: string): string {
  return JSON.stringify(sql);
}

function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** The innermost node named `name` around [start, end). */
function around(tree: Tree, start: number, end: number, name: string): SyntaxNode | null {
  let node: SyntaxNode | null = tree.resolveInner(start, 1);
  while (node && !(node.name === name && node.from <= start && node.to >= end)) node = node.parent;
  return node;
}

/** The body of `def <name>():` at module level. */
function functionBody(tree: Tree, text: string, name: string): SyntaxNode | null {
  for (let node = tree.topNode.firstChild; node; node = node.nextSibling) {
    if (node.name !== 'FunctionDefinition') continue;
    const id = node.getChild('VariableName');
    if (id && text.slice(id.from, id.to) === name) return node.getChild('Body');
  }
  return null;
}

/** The statements of a body (its children after the colon). */
function bodyStatements(body: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = body.firstChild; child; child = child.nextSibling) if (child.name !== ':' && !child.name.startsWith('Comment')) out.push(child);
  return out;
}

const executeLines = (statements: (AstNode | string)[], notes: string[]) => [...notes.map((n) => `# ${n}`), ...statements.map((s) => `op.execute(${pythonString(typeof s === 'string' ? s : sqlOf(s))})`)];

export const alembicEditor: StatementEditor = {
  replace(statement: Statement, statements: (AstNode | string)[], notes: string[], half: MigrationHalf): TextEdit | { error: string } {
    const file = statement.file;
    const target = around(treeOf(file.text), statement.span.start, statement.span.end, 'ExpressionStatement');
    if (!target) return { error: 'the statement is not an op call on a line of its own: migsafe fix edits such calls only' };
    const others = half.statements.filter((s) => s !== statement && s.file.path === file.path && s.span.start >= target.from && s.span.end <= target.to);
    if (others.length) return { error: 'the call stands for more than this statement: split it, then run fix again' };
    const lineStart = file.text.lastIndexOf('\n', target.from - 1) + 1;
    if (!statements.length && !notes.length) {
      const lineEnd = file.text.indexOf('\n', target.to);
      const end = lineEnd < 0 ? file.text.length : lineEnd + 1;
      // The last statement of a body: `pass` keeps it a body.
      const body = target.parent;
      const alone = body && bodyStatements(body).length === 1;
      return { file: file.path, start: lineStart, end, text: alone ? `${indentAt(file.text, target.from)}pass\n` : '' };
    }
    const indent = indentAt(file.text, target.from);
    return { file: file.path, start: target.from, end: target.to, text: executeLines(statements, notes).join(`\n${indent}`) };
  },
  replaceOutsideTransaction(statement, statements, notes, half) {
    const replaced = alembicEditor.replace(statement, statements, notes, half);
    if ('error' in replaced) return replaced;
    const indent = indentAt(statement.file.text, replaced.start);
    const unit = indent || '    ';
    return { ...replaced, text: `with op.get_context().autocommit_block():\n${indent}${unit}${replaced.text.split('\n').join(`\n${unit}`)}` };
  },
  insert(_migration, half, statements, where): TextEdit | { error: string } {
    const file = half.files[0]!;
    const body = functionBody(treeOf(file.text), file.text, half.section === 'up' ? 'upgrade' : 'downgrade');
    if (!body) return { error: `migsafe fix found no ${half.section === 'up' ? 'upgrade' : 'downgrade'}() to add to` };
    const existing = bodyStatements(body);
    const only = existing.length === 1 && file.text.slice(existing[0]!.from, existing[0]!.to).trim() === 'pass' ? existing[0]! : null;
    const indent = existing[0] ? indentAt(file.text, existing[0].from) : '    ';
    const lines = executeLines(statements, []).join(`\n${indent}`);
    if (only) return { file: file.path, start: only.from, end: only.to, text: lines };
    if (!existing.length) return { file: file.path, start: body.to, end: body.to, text: `\n${indent}${lines}\n` };
    if (where === 'start') {
      // Before the first statement that is not a SET (a lock_timeout stays first).
      const after = firstAfterSets(half);
      const before = (after && existing.find((s) => s.from <= after.span.start && s.to >= after.span.end)) || existing[0]!;
      return { file: file.path, start: before.from, end: before.from, text: `${lines}\n${indent}` };
    }
    const last = existing[existing.length - 1]!;
    const end = file.text[last.to - 1] === '\n' ? last.to - 1 : last.to;
    return { file: file.path, start: end, end, text: `\n${indent}${lines}` };
  },
};
