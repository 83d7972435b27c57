// Editing a TS/JS migration: a statement lowered from a call (`await knex.raw('...')`, a builder call
// on its own line) is replaced by the framework's raw-SQL calls or removed, as whole statements of
// the up or down function, in the file's own indentation. What cannot be edited that way (a value
// returned, a call that stands for several statements, a function that is not async) is said, and
// fix leaves that finding.
import type ts from 'typescript';
import { tsv } from '../sources/typescript-lazy.js';
import { sqlOf } from '../engine/rewrite.js';
import type { AstNode, Migration, MigrationHalf, SourceFile, Statement } from '../engine/types.js';
import { firstAfterSets, type NewMigration, type StatementEditor, type TextEdit } from './writer.js';

/** How a project writes its migration files, read off one of them. */
export interface ScriptStyle {
  extension: string;
  /** ES module exports (`export async function up`), rather than `exports.up =`. */
  esm: boolean;
  /** TypeScript that imports the framework's types (`typeImport`). */
  typed: boolean;
  indent: string;
  /** Where a new top-level statement goes: after the imports. */
  afterImports: number;
}

export function scriptStyle(file: SourceFile, typeImport: RegExp): ScriptStyle {
  const extension = /\.[cm]?[jt]s$/.exec(file.path)?.[0] ?? '.js';
  const tree = treeOf(file.path, file.text);
  const imports = tree.statements.filter((s) => tsv.isImportDeclaration(s) || (tsv.isVariableStatement(s) && /\brequire\(/.test(s.getText(tree))));
  const last = imports[imports.length - 1];
  const afterImports = last ? file.text.indexOf('\n', last.getEnd()) + 1 || file.text.length : 0;
  return {
    extension,
    esm: /^\s*export\s+(async\s+)?(function|const|let)\s+up\b/m.test(file.text) || /^\s*export\s+default\b/m.test(file.text),
    typed: /\.[cm]?ts$/.test(extension) && typeImport.test(file.text),
    indent: /\n([ \t]+)\S/.exec(file.text)?.[1] ?? '  ',
    afterImports,
  };
}

/**
 * The statement's text inside the string literal that holds it, replaced by SQL escaped for that
 * literal's quotes (a template literal keeps line breaks; a quoted string gets \\n).
 */
function insideLiteral(text: string, file: string, literalStart: number, statement: Statement, statements: (AstNode | string)[], notes: string[]): TextEdit {
  const quote = text[literalStart]!;
  const own = text.slice(statement.span.start, statement.span.end).trimEnd().endsWith(';');
  // Lines after the first start as the statement did in the string.
  const lineStart = text.lastIndexOf('\n', statement.span.start - 1) + 1;
  const indent = /^[ \t]*$/.test(text.slice(lineStart, statement.span.start)) && lineStart > literalStart ? text.slice(lineStart, statement.span.start) : '';
  const sql = [...notes.map((n) => `-- ${n}`), ...statements.map((s, i) => `${typeof s === 'string' ? s : sqlOf(s)}${i < statements.length - 1 || own ? ';' : ''}`)].join(`\n${indent}`);
  const escaped = quote === '`' ? sql.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${') : sql.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`).replace(/\n/g, '\\n');
  return { file, start: statement.span.start, end: statement.span.end, text: escaped };
}

/** A template literal of the SQL (backquotes and `${` escaped). */
export function sqlLiteral(sql: string): string {
  return `\`${sql.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``;
}

const trees = new Map<string, ts.SourceFile>();
function treeOf(path: string, text: string): ts.SourceFile {
  const key = `${path}\u0000${text}`;
  let tree = trees.get(key);
  if (!tree) {
    tree = tsv.createSourceFile(path, text, tsv.ScriptTarget.Latest, true, /\.tsx?$/.test(path) ? tsv.ScriptKind.TS : tsv.ScriptKind.JS);
    trees.clear();
    trees.set(key, tree);
  }
  return tree;
}

/** The innermost node of a kind that contains [start, end). */
function enclosing<T extends ts.Node>(tree: ts.SourceFile, start: number, end: number, test: (node: ts.Node) => node is T): T | null {
  let found: T | null = null;
  const visit = (node: ts.Node) => {
    if (node.getStart(tree) > start || node.getEnd() < end) return;
    if (test(node)) found = node;
    node.forEachChild(visit);
  };
  visit(tree);
  return found;
}

const isFunction = (node: ts.Node): node is ts.FunctionLikeDeclaration =>
  tsv.isFunctionDeclaration(node) || tsv.isFunctionExpression(node) || tsv.isArrowFunction(node) || tsv.isMethodDeclaration(node);

/** The up or down function of a migration file: `up`/`down` by name (declaration, export, property, method). */
function halfFunction(tree: ts.SourceFile, section: 'up' | 'down'): ts.FunctionLikeDeclaration | null {
  let found: ts.FunctionLikeDeclaration | null = null;
  const nameOf = (node: ts.Node): string | undefined => {
    if (tsv.isFunctionDeclaration(node) || tsv.isMethodDeclaration(node)) return node.name && tsv.isIdentifier(node.name) ? node.name.text : undefined;
    const parent = node.parent;
    if (parent && tsv.isVariableDeclaration(parent) && tsv.isIdentifier(parent.name)) return parent.name.text;
    if (parent && tsv.isPropertyAssignment(parent) && tsv.isIdentifier(parent.name)) return parent.name.text;
    if (parent && tsv.isBinaryExpression(parent) && tsv.isPropertyAccessExpression(parent.left)) return parent.left.name.text;
    return undefined;
  };
  const visit = (node: ts.Node) => {
    if (!found && isFunction(node) && nameOf(node) === section && node.body && tsv.isBlock(node.body)) found = node;
    if (!found) node.forEachChild(visit);
  };
  visit(tree);
  return found;
}

/** A line put first in the up or down function's body (`pgm.noTransaction();`), or null where there is none. */
export function prependToHalf(file: SourceFile, section: 'up' | 'down', line: (param: string) => string): TextEdit | null {
  const tree = treeOf(file.path, file.text);
  const fn = halfFunction(tree, section);
  const param = fn?.parameters[0] && tsv.isIdentifier(fn.parameters[0].name) ? fn.parameters[0].name.text : null;
  if (!fn?.body || !tsv.isBlock(fn.body) || !param) return null;
  const first = fn.body.statements[0];
  const indent = first ? indentAt(file.text, first.getStart(tree)) : '  ';
  const at = first ? first.getStart(tree) : fn.body.getStart(tree) + 1;
  return { file: file.path, start: at, end: at, text: first ? `${line(param)}\n${indent}` : `\n${indent}${line(param)}\n` };
}

/** A member put first in the migration's class (TypeORM's `transaction = false;`), or null where there is none. */
export function prependToClass(file: SourceFile, member: string): TextEdit | null {
  const tree = treeOf(file.path, file.text);
  const up = halfFunction(tree, 'up');
  const owner = up?.parent;
  if (!owner || !(tsv.isClassDeclaration(owner) || tsv.isClassExpression(owner)) || !owner.members.length) return null;
  const first = owner.members[0]!;
  const at = first.getStart(tree);
  return { file: file.path, start: at, end: at, text: `${member}\n${indentAt(file.text, at)}` };
}

function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/**
 * An editor for a framework whose raw SQL call is `call(param, sql)` (e.g. `${param}.raw(${sql})`):
 * awaited in an async up or down function, or (`awaits: false`) queued by a plain call, as
 * node-pg-migrate's `pgm.sql()` is.
 */
export function scriptEditor(
  call: (param: string, sqlText: string) => string,
  options: { awaits: boolean; needsParam?: boolean; needs?: { text: RegExp; why: string }; inStringOnly?: string } = { awaits: true },
): StatementEditor {
  const isAsync = (fn: ts.FunctionLikeDeclaration) => !options.awaits || !!fn.modifiers?.some((m) => m.kind === tsv.SyntaxKind.AsyncKeyword);
  const lines = (fn: ts.FunctionLikeDeclaration, statements: (AstNode | string)[], notes: string[], indent: string): { text: string } | { error: string } => {
    const param = fn.parameters[0] && tsv.isIdentifier(fn.parameters[0].name) ? fn.parameters[0].name.text : null;
    if (!param && options.needsParam !== false) return { error: 'its up or down function has no parameter to run SQL with' };
    return { text: [...notes.map((n) => `// ${n}`), ...statements.map((s) => `${options.awaits ? 'await ' : ''}${call(param ?? '', sqlLiteral(typeof s === 'string' ? s : sqlOf(s)))};`)].join(`\n${indent}`) };
  };
  return {
    replace(statement: Statement, statements: (AstNode | string)[], notes: string[], half: MigrationHalf): TextEdit | { error: string } {
      const file = statement.file;
      const tree = treeOf(file.path, file.text);
      const target = enclosing(tree, statement.span.start, statement.span.end, (n): n is ts.Statement => tsv.isExpressionStatement(n) || tsv.isReturnStatement(n) || tsv.isVariableStatement(n));
      const start = target?.getStart(tree) ?? statement.span.start;
      const end = target?.getEnd() ?? statement.span.end;
      const others = half.statements.filter((s) => s !== statement && s.file.path === file.path && s.span.start >= start && s.span.end <= end);
      // SQL in a string beside other statements, or in a call whose value is used: edited inside the
      // string, which runs as it did (one query, in the same place).
      const literal = enclosing(tree, statement.span.start, statement.span.end, (n): n is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral => tsv.isStringLiteral(n) || tsv.isNoSubstitutionTemplateLiteral(n));
      const fn = target && enclosing(tree, start, end, isFunction);
      if (literal && (options.inStringOnly || others.length || !target || !tsv.isExpressionStatement(target) || (statements.length && (!fn || !isAsync(fn))))) return insideLiteral(file.text, file.path, literal.getStart(tree), statement, statements, notes);
      // A runner of the project's own: its SQL is edited where it stands, or not at all.
      if (options.inStringOnly) return { error: options.inStringOnly };
      // SETs before a statement that stays as it is (a lock_timeout before a builder call inside a
      // callback): added before the up or down function's own statement that holds it.
      const sets = statements.slice(0, -1);
      if (statements.length > 1 && statements[statements.length - 1] === statement.text.trim().replace(/;$/, '') && sets.every((s) => typeof s !== 'string' && s.VariableSetStmt)) {
        const outer = halfFunction(tree, half.section);
        const holder = outer?.body && tsv.isBlock(outer.body) ? outer.body.statements.find((s) => s.getStart(tree) <= statement.span.start && s.getEnd() >= statement.span.end) : undefined;
        if (outer && holder && isAsync(outer)) {
          const indent = indentAt(file.text, holder.getStart(tree));
          const written = lines(outer, sets, notes, indent);
          if ('error' in written) return { error: written.error };
          return { file: file.path, start: holder.getStart(tree), end: holder.getStart(tree), text: `${written.text}\n${indent}` };
        }
      }
      if (!target || !tsv.isExpressionStatement(target)) return { error: 'the statement is not a call on a line of its own (a value returned or kept): migsafe fix edits such calls only' };
      if (others.length) return { error: 'the call stands for more than this statement (a table builder with several changes): split it, then run fix again' };
      if (!statements.length) {
        const lineStart = file.text.lastIndexOf('\n', start - 1) + 1;
        const lineEnd = file.text.indexOf('\n', end);
        const alone = /^[ \t]*$/.test(file.text.slice(lineStart, start)) && /^[ \t]*$/.test(file.text.slice(end, lineEnd < 0 ? file.text.length : lineEnd));
        return alone ? { file: file.path, start: lineStart, end: lineEnd < 0 ? file.text.length : lineEnd + 1, text: '' } : { file: file.path, start, end, text: '' };
      }
      if (options.needs && !options.needs.text.test(file.text)) return { error: options.needs.why };
      if (!fn || !isAsync(fn)) return { error: 'the statement is not in an async function, where migsafe fix could await the SQL it writes' };
      const written = lines(fn, statements, notes, indentAt(file.text, start));
      if ('error' in written) return { error: written.error };
      return { file: file.path, start, end, text: written.text };
    },
    insert(migration: Migration, half: MigrationHalf, statements: AstNode[], where: 'start' | 'end'): TextEdit | { error: string } {
      if (options.inStringOnly) return { error: options.inStringOnly };
      const file = half.files[0]!;
      const fn = halfFunction(treeOf(file.path, file.text), half.section);
      if (!fn?.body || !tsv.isBlock(fn.body) || !isAsync(fn)) return { error: `the ${half.section} function is not an async function with a body migsafe fix can add to` };
      const body = fn.body;
      const first = body.statements[0];
      const indent = first ? indentAt(file.text, first.getStart()) : `${indentAt(file.text, body.getStart())}  `;
      const written = lines(fn, statements, [], indent);
      if ('error' in written) return { error: written.error };
      if (where === 'start' || !body.statements.length) {
        // Before the first statement that is not a SET (a lock_timeout stays first).
        const after = firstAfterSets(half);
        const before = (after && body.statements.find((s) => s.getStart() <= after.span.start && s.getEnd() >= after.span.end)) || first;
        const at = before ? before.getStart() : body.getStart() + 1;
        return { file: file.path, start: at, end: at, text: before ? `${written.text}\n${indent}` : `\n${indent}${written.text}\n` };
      }
      const last = body.statements[body.statements.length - 1]!;
      if (tsv.isReturnStatement(last)) return { error: `the ${half.section} function ends with a return, after which nothing runs` };
      void migration;
      return { file: file.path, start: last.getEnd(), end: last.getEnd(), text: `\n${indent}${written.text}` };
    },
  };
}

/** How a framework's migration file is written: its raw call, its parameter, its opt-out. */
export interface ScriptTemplate {
  /** The import of the framework's types, for TypeScript that imports them. */
  typeImport: string;
  /** Imports every file needs (Kysely's `sql`). */
  imports?: string;
  param: string;
  paramType: string;
  async: boolean;
  /** The statement that runs one SQL text (a template literal). */
  call: (sqlText: string) => string;
  /** Top-level lines before the functions (knex's config export). */
  preamble?: (outside: { up: boolean; down: boolean }) => string;
  /** First lines of a function run outside a transaction (node-pg-migrate's noTransaction()). */
  optOutLine?: string;
}

/** A new migration file in the project's style (module kind, TypeScript, indentation). */
export function scriptMigration(style: ScriptStyle, m: NewMigration, template: ScriptTemplate): string {
  const half = (name: 'up' | 'down', statements: string[], notes: string[], outside: boolean) => {
    const lines = [...(outside && template.optOutLine ? [template.optOutLine] : []), ...notes.map((n) => `// ${n}`), ...statements.map((sql) => template.call(sqlLiteral(sql)))];
    const body = lines.map((line) => `${style.indent}${line}\n`).join('');
    const asyncWord = template.async ? 'async ' : '';
    const param = `${template.param}${style.typed ? `: ${template.paramType}` : ''}`;
    const returns = style.typed ? (template.async ? ': Promise<void>' : ': void') : '';
    return style.esm ? `export ${asyncWord}function ${name}(${param})${returns} {\n${body}}\n` : `exports.${name} = ${asyncWord}function (${template.param}) {\n${body}};\n`;
  };
  return [
    (template.imports ?? '') + (style.typed ? template.typeImport : ''),
    template.preamble?.({ up: m.outsideTransaction, down: m.downOutsideTransaction }) ?? '',
    half('up', m.up, m.notes, m.outsideTransaction),
    m.down ? half('down', m.down, [], m.downOutsideTransaction) : '',
  ]
    .filter(Boolean)
    .join('\n');
}
