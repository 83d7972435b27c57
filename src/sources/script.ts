// TypeScript and JavaScript migrations (knex, TypeORM, node-pg-migrate, Kysely, Sequelize, MikroORM,
// db-migrate, slonik, Prisma scripts), read with the TypeScript compiler API (tsv.createSourceFile:
// syntax only, no type-checking, no tsconfig) and never run. Each framework call is lowered to the
// PostgreSQL statements it produces, located at the call, so the SQL rules run unchanged.
import path from 'node:path';
import type ts from 'typescript';
import { tsv } from './typescript-lazy.js';
import type { Migration, MigrationHalf, SourceFile, Statement } from '../engine/types.js';
import { addProblem, placeholderMigration, problemStatement, readFailure, type ReadContext, type SqlLayout } from './layout.js';
import { StatementCollector } from './lowered.js';
import { ScriptEvaluator, describe, type JsScope, type JsValue } from './script-values.js';
import { detectFramework } from './frameworks/index.js';
import { unwrap, type LowerContext, type ScriptFramework, type ScriptMigration } from './frameworks/framework.js';

const SCRIPT_MIGRATION = /\b(up|down|run)\b/;

export const scriptLayout: SqlLayout = {
  name: 'script',
  kind: 'script',
  claims: (directory, context) => directory.files.some((file) => SCRIPT_MIGRATION.test(context.read(file).text)),
  read(directory, context) {
    const migrations: Migration[] = [];
    for (const file of directory.files) {
      const source = context.read(file);
      if (!SCRIPT_MIGRATION.test(source.text)) continue;
      let migration: Migration | null;
      try {
        migration = readScript(source, directory.dir, context);
      } catch (error) {
        // The TypeScript parser itself gave up (a stack overflow on absurd nesting): the file is one
        // finding, and the rest of the directory is still read.
        migration = placeholderMigration('script', directory.dir, source, { unanalyzable: `migsafe could not read this file: ${readFailure(error)}` });
      }
      if (migration) migrations.push(migration);
    }
    return migrations;
  },
};

function scriptKind(file: string): ts.ScriptKind {
  if (/\.(c|m)?tsx?$/i.test(file)) return /x$/i.test(file) ? tsv.ScriptKind.TSX : tsv.ScriptKind.TS;
  return tsv.ScriptKind.JS;
}

interface Halves {
  up?: ts.Node;
  down?: ts.Node;
  /** A one-way data migration object (`{ type: "data", run: async ({ tx }) => ... }`, formbricks): no down by design. */
  runOnly?: boolean;
  /** The class (TypeORM, MikroORM) or object the halves belong to, for transaction settings. */
  owner?: ts.Node;
}

/** Brackets deeper than this are not code anyone writes by hand; the TypeScript parser recurses on them. */
const MAX_NESTING = 150;

/**
 * The text with brackets nested deeper than MAX_NESTING blanked (the same length, so every offset
 * stays put), and where the first one was: the parser then reads the code around them instead of
 * overflowing the stack on the whole file.
 */
function flattenDeepNesting(text: string): { text: string; at: number } | null {
  // A first pass without allocating: most files never come near the limit.
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 40 || code === 91 || code === 123) deepest = Math.max(deepest, ++depth);
    else if ((code === 41 || code === 93 || code === 125) && depth > 0) depth--;
  }
  if (deepest <= MAX_NESTING) return null;
  const chars = text.split('');
  depth = 0;
  let at = -1;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '(' || ch === '[' || ch === '{') {
      depth++;
      if (depth > MAX_NESTING) {
        chars[i] = ' ';
        if (at < 0) at = i;
      }
    } else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth > MAX_NESTING) chars[i] = ' ';
      depth = Math.max(0, depth - 1);
    }
  }
  return { text: chars.join(''), at };
}

/**
 * The TypeScript parser recurses on nesting, and whether it overflows depends on the stack left:
 * nesting past MAX_NESTING is blanked before parsing, always, so that what migsafe reads does not
 * depend on it.
 */
function parseScript(file: SourceFile): { tree: ts.SourceFile; flattenedAt: number | null } {
  const flat = flattenDeepNesting(file.text);
  return { tree: tsv.createSourceFile(file.path, flat?.text ?? file.text, tsv.ScriptTarget.Latest, true, scriptKind(file.path)), flattenedAt: flat?.at ?? null };
}

/** The first syntax error TypeScript's parser recorded (its parse diagnostics), or null. */
function firstParseError(tree: ts.SourceFile): NonNullable<Statement['parseError']> | null {
  const diagnostics = (tree as ts.SourceFile & { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  const first = diagnostics[0];
  if (!first) return null;
  return { message: `${tsv.flattenDiagnosticMessageText(first.messageText, ' ')}; the file would fail to load, and what follows may be read wrongly`, offset: first.start, language: 'typescript' };
}

function readScript(file: SourceFile, directory: string, context: ReadContext): Migration | null {
  const { tree, flattenedAt } = parseScript(file);
  const ev = new ScriptEvaluator(tree);
  const halves = findHalves(tree, ev);
  // Code TypeScript cannot parse: its error recovery may have moved or dropped the migration's
  // functions, so the error is reported where it is (the runner would fail to load the file).
  const syntaxError = firstParseError(tree);
  if (!halves.up) {
    if (syntaxError) return placeholderMigration('script', directory, file, { parseError: syntaxError }, syntaxError.offset);
    // Blanked nesting may be what hid the functions: say so rather than pass the file over.
    if (flattenedAt !== null) return placeholderMigration('script', directory, file, { unanalyzable: `brackets nested more than ${MAX_NESTING} deep, which migsafe reads as blanks, leave no up() it can find` }, flattenedAt);
    return null;
  }
  const shape: ScriptMigration = { tree, ev, text: file.text, owner: halves.owner, up: halves.up };
  const framework = detectFramework(shape, firstParam(halves.up));
  const settings = framework.settings ? context.runnerProject(directory).settings(framework.name, framework.settings) : {};
  const moduleScope = moduleConstants(tree, ev);
  const lower = (fn: ts.Node, section: 'up' | 'down'): MigrationHalf => {
    const out = new StatementCollector(file, context.parseOptions);
    const param = firstParam(fn);
    const verdict = framework.runs(shape, { section, fn, param }, settings);
    // A run-only data migration gets a transaction client (`{ tx }`) from its runner.
    const transaction = halves.runOnly && /\btx\b/.test(ev.text(fn).slice(0, 200)) ? 'wrapped' : verdict.transaction;
    const walker = new ScriptWalker(ev, out, param, framework);
    const body = functionBody(fn);
    if (body) {
      const scope = new Map(moduleScope);
      // Statement by statement, so that one migsafe cannot read (nested past the stack) is one
      // unanalysable operation and the statements after it are still read.
      for (const statement of tsv.isBlock(body) ? body.statements : [body]) {
        try {
          walker.walk(statement, scope);
        } catch (error) {
          out.unanalyzable({ start: statement.getStart(tree), end: statement.getEnd() }, `migsafe could not read this statement: ${readFailure(error)}`);
        }
      }
    }
    if (flattenedAt !== null && flattenedAt >= fn.getStart(tree) && flattenedAt < fn.getEnd()) {
      out.unanalyzable({ start: flattenedAt, end: flattenedAt + 1 }, `brackets nested more than ${MAX_NESTING} deep, which migsafe reads as blanks`);
      out.statements.sort((a, b) => a.span.start - b.span.start); // reported where the nesting is, among the calls
    }
    return {
      section,
      files: [file],
      statements: out.statements,
      transaction,
      runner: { ...verdict.advice, settings },
      anchor: { file, offset: fn.getStart(tree) },
      irreversible: body ? onlyThrows(body) : false,
    };
  };
  const up = lower(halves.up, 'up');
  const down = halves.down ? lower(halves.down, 'down') : null;
  if (syntaxError) {
    const half = down && halves.down && syntaxError.offset >= halves.down.getStart(tree) ? down : up;
    addProblem(half, problemStatement(file, syntaxError.offset, { parseError: syntaxError }));
  }
  const rejection = framework.rejects?.(shape, settings);
  return {
    id: path.basename(file.path).replace(/\.(c|m)?(t|j)sx?$/i, ''),
    layout: framework.name === 'unknown' ? 'script' : framework.name,
    ...(rejection ? { runnerRejects: { message: rejection.message, fix: rejection.fix, at: { file, offset: rejection.node.getStart(tree) }, afterOthersOnly: rejection.afterOthersOnly } } : {}),
    directory,
    up,
    down,
    downExpected: !halves.runOnly,
    files: [file],
  };
}

/** up/down as exported functions, `exports.up =`, `module.exports = {...}`, class methods, or an object's properties. */
function findHalves(tree: ts.SourceFile, ev: ScriptEvaluator): Halves {
  const halves: Halves = {};
  const take = (name: string, node: ts.Node | undefined, owner?: ts.Node) => {
    if (!node) return;
    if (name === 'up' && !halves.up) halves.up = node;
    if (name === 'down' && !halves.down) halves.down = node;
    if (owner && (name === 'up' || name === 'down')) halves.owner ??= owner;
  };
  const fromObject = (object: ts.ObjectLiteralExpression) => {
    const run = object.properties.find((p) => p.name && tsv.isIdentifier(p.name) && p.name.text === 'run');
    const hasUp = object.properties.some((p) => p.name && tsv.isIdentifier(p.name) && p.name.text === 'up');
    if (run && !hasUp) {
      take('up', tsv.isPropertyAssignment(run) ? asFunction(run.initializer) : tsv.isMethodDeclaration(run) ? run : undefined, object);
      halves.runOnly = true;
    }
    for (const property of object.properties) {
      const name = property.name && tsv.isIdentifier(property.name) ? property.name.text : '';
      if (tsv.isMethodDeclaration(property)) take(name, property, object);
      else if (tsv.isPropertyAssignment(property)) take(name, asFunction(property.initializer), object);
      else if (tsv.isShorthandPropertyAssignment(property)) take(name, localFunction(tree, name));
    }
  };
  const visit = (node: ts.Node) => {
    if (tsv.isFunctionDeclaration(node) && node.name) take(node.name.text, node);
    else if (tsv.isVariableStatement(node)) {
      for (const declaration of node.declarationList.declarations) {
        if (!tsv.isIdentifier(declaration.name) || !declaration.initializer) continue;
        const initializer = unwrap(declaration.initializer);
        if (tsv.isObjectLiteralExpression(initializer)) fromObject(initializer);
        else take(declaration.name.text, asFunction(initializer));
      }
    } else if (tsv.isExpressionStatement(node)) {
      // `exports.up = ..., exports.down = ...` (bundled or minified code): each comma operand; an
      // assignment's value is the first operand of a comma expression on its right.
      for (const expression of commaOperands(node.expression)) {
        if (!tsv.isBinaryExpression(expression) || expression.operatorToken.kind !== tsv.SyntaxKind.EqualsToken) continue;
        const target = ev.dotted(expression.left) ?? '';
        const value = unwrap(commaOperands(expression.right)[0]!);
        if (/^(module\.)?exports\.(up|down)$/.test(target)) take(target.split('.').pop()!, asFunction(value) ?? localFunction(tree, ev.dotted(value) ?? ''));
        else if (target === 'module.exports' && tsv.isObjectLiteralExpression(value)) fromObject(value);
        // `exports.AddIndex1700000000000 = class AddIndex1700000000000 { ... }` (TypeORM/MikroORM in JS)
        else if (/^(module\.)?exports(\.\w+)?$/.test(target) && tsv.isClassExpression(value)) visit(value);
      }
    } else if (tsv.isClassDeclaration(node) || tsv.isClassExpression(node)) {
      for (const member of node.members) {
        if (tsv.isMethodDeclaration(member) && member.name && tsv.isIdentifier(member.name)) take(member.name.text, member, node);
      }
    } else if (tsv.isExportAssignment(node) && tsv.isObjectLiteralExpression(unwrap(node.expression))) {
      fromObject(unwrap(node.expression) as ts.ObjectLiteralExpression);
    }
  };
  tree.forEachChild(visit);
  return halves;
}

/** The operands of `a, b, c` (a comma expression parses as nested binary expressions), or [node]. */
function commaOperands(node: ts.Expression): ts.Expression[] {
  const operands: ts.Expression[] = [];
  let current = node;
  while (tsv.isBinaryExpression(current) && current.operatorToken.kind === tsv.SyntaxKind.CommaToken) {
    operands.unshift(current.right);
    current = current.left;
  }
  operands.unshift(current);
  return operands;
}

function asFunction(node: ts.Expression | undefined): ts.Node | undefined {
  if (!node) return undefined;
  const inner = unwrap(node);
  return tsv.isArrowFunction(inner) || tsv.isFunctionExpression(inner) ? inner : undefined;
}

function localFunction(tree: ts.SourceFile, name: string): ts.Node | undefined {
  let found: ts.Node | undefined;
  tree.forEachChild((node) => {
    if (tsv.isFunctionDeclaration(node) && node.name?.text === name) found = node;
    if (tsv.isVariableStatement(node)) {
      for (const d of node.declarationList.declarations) {
        if (tsv.isIdentifier(d.name) && d.name.text === name && d.initializer) found = asFunction(d.initializer) ?? found;
      }
    }
  });
  return found;
}

function functionBody(fn: ts.Node): ts.Node | undefined {
  if (tsv.isFunctionDeclaration(fn) || tsv.isMethodDeclaration(fn) || tsv.isFunctionExpression(fn) || tsv.isArrowFunction(fn)) return fn.body;
  return undefined;
}

function firstParam(fn: ts.Node): string {
  if (tsv.isFunctionDeclaration(fn) || tsv.isMethodDeclaration(fn) || tsv.isFunctionExpression(fn) || tsv.isArrowFunction(fn)) {
    const first = fn.parameters[0];
    if (first && tsv.isIdentifier(first.name)) return first.name.text;
  }
  return '';
}

/** A body that only throws: the migration is irreversible on purpose. */
function onlyThrows(body: ts.Node): boolean {
  if (!tsv.isBlock(body)) return false;
  return body.statements.length > 0 && body.statements.every((s) => tsv.isThrowStatement(s));
}

function moduleConstants(tree: ts.SourceFile, ev: ScriptEvaluator): JsScope {
  const scope: JsScope = new Map();
  tree.forEachChild((node) => {
    if (!tsv.isVariableStatement(node) || !(node.declarationList.flags & tsv.NodeFlags.Const)) return;
    for (const d of node.declarationList.declarations) {
      if (tsv.isIdentifier(d.name) && d.initializer) {
        let value: JsValue;
        try {
          value = ev.evaluate(d.initializer, scope);
        } catch {
          continue; // a constant migsafe cannot evaluate is unknown where it is used
        }
        if (value.kind === 'str' || value.kind === 'num' || value.kind === 'array' || value.kind === 'object') scope.set(d.name.text, value);
      }
    }
  });
  return scope;
}

const RAW_METHODS = /(^|\.)(query|raw|sql|addSql|runSql|\$executeRaw|\$executeRawUnsafe|\$queryRaw|\$queryRawUnsafe|execute|exec)$/;

class ScriptWalker {
  private readonly lowerers: NonNullable<ScriptFramework['lowerer']>[];

  constructor(
    private readonly ev: ScriptEvaluator,
    private readonly out: StatementCollector,
    private readonly param: string,
    framework: ScriptFramework,
  ) {
    this.lowerers = framework.lowerer ? [framework.lowerer] : [];
  }

  private context(scope: JsScope): LowerContext {
    return {
      ev: this.ev,
      scope,
      out: this.out,
      param: this.param,
      span: (node) => ({ start: node.getStart(this.ev.file), end: node.getEnd() }),
      walk: (node, inner) => this.walk(node, inner),
      raw: (value, node) => this.raw(value, node),
      fail: (node, reason) => this.out.unanalyzable({ start: node.getStart(this.ev.file), end: node.getEnd() }, reason),
    };
  }

  walk(node: ts.Node, scope: JsScope): void {
    if (tsv.isVariableStatement(node)) {
      for (const d of node.declarationList.declarations) {
        if (d.initializer) this.walk(d.initializer, scope);
        if (tsv.isIdentifier(d.name) && d.initializer && node.declarationList.flags & tsv.NodeFlags.Const) {
          const value = this.ev.evaluate(d.initializer, scope);
          if (value.kind === 'str' || value.kind === 'num' || value.kind === 'array' || value.kind === 'object') scope.set(d.name.text, value);
        }
      }
      return;
    }
    if (tsv.isCallExpression(node) && this.call(node, scope)) return;
    // Prisma: prisma.$executeRaw`...` / tx.$queryRaw`...`
    if (tsv.isTaggedTemplateExpression(node) && /\.\$(executeRaw|queryRaw)$/.test(this.ev.dotted(node.tag) ?? '')) {
      this.raw(this.ev.evaluate(node, scope), node.template);
      return;
    }
    // Nested functions other than callbacks passed to calls are not migration code.
    if ((tsv.isFunctionDeclaration(node) || tsv.isClassDeclaration(node)) && node.parent && !tsv.isSourceFile(node.parent)) return;
    node.forEachChild((child) => this.walk(child, scope));
  }

  private call(node: ts.CallExpression, scope: JsScope): boolean {
    try {
      return this.lowerCall(node, scope);
    } catch (error) {
      // A call migsafe fails to lower (a shape no lowerer expected, nesting past the stack) is one
      // unanalysable operation; the calls around it are still read.
      this.out.unanalyzable({ start: node.getStart(this.ev.file), end: node.getEnd() }, `migsafe could not lower this call: ${readFailure(error)}`);
      return true;
    }
  }

  private lowerCall(node: ts.CallExpression, scope: JsScope): boolean {
    const callee = this.ev.dotted(node.expression) ?? chainName(node.expression, this.ev);
    const context = this.context(scope);
    for (const lowerer of this.lowerers) if (lowerer.lower(node, callee, context)) return true;
    // A transaction the migration opens itself (Sequelize, Prisma, slonik, knex): BEGIN ... COMMIT.
    if (/(^|\.)(transaction|\$transaction)$/.test(callee) && node.arguments.some((a) => tsv.isArrowFunction(a) || tsv.isFunctionExpression(a))) {
      const span = context.span(node);
      this.out.emit({ start: span.start, end: span.start }, 'BEGIN');
      for (const arg of node.arguments) if (tsv.isArrowFunction(arg) || tsv.isFunctionExpression(arg)) this.walk(arg.body, new Map(scope));
      this.out.emit({ start: span.end, end: span.end }, 'COMMIT');
      return true;
    }
    if (RAW_METHODS.test(callee)) {
      const head = callee.split('.')[0]!;
      const method = callee.split('.').pop()!;
      // kysely: sql`...`.execute(db)
      if (method === 'execute' || method === 'exec') {
        const target = node.expression;
        if (tsv.isPropertyAccessExpression(target) && tsv.isTaggedTemplateExpression(target.expression)) {
          this.raw(this.ev.evaluate(target.expression, scope), target.expression);
          return true;
        }
        return false;
      }
      const onMigrationObject = head === this.param || head === 'this' || /^(queryRunner|queryInterface|knex|pgm|db|pool|connection|client|prisma|tx|trx|t|sql)$/.test(head) || callee.includes('sequelize.query');
      if (!onMigrationObject) return false;
      const arg = node.arguments[0];
      if (!arg) return false;
      if (method === 'sql' && head === 'sql') return false; // sql.raw() etc. inside templates
      this.raw(this.ev.evaluate(arg, scope), arg);
      return true;
    }
    return false;
  }

  raw(value: JsValue, node: ts.Node): void {
    const span = { start: node.getStart(this.ev.file), end: node.getEnd() };
    if (value.kind === 'str') {
      // `?`/`$1`/`:name` bind parameters stand for values.
      this.out.sql(value.value, value.map, value.holes, [BIND_PARAMETER]);
      return;
    }
    this.out.unanalyzable(span, `SQL passed as ${describe(value)}`);
  }
}

const BIND_PARAMETER = /(?<![:\w]):[A-Za-z_]\w*|\?(?![|&])/g;

/** A name for a call on a call (`knex.schema.createTable(...).alterTable`): the methods joined. */
function chainName(node: ts.Expression, ev: ScriptEvaluator): string {
  if (tsv.isPropertyAccessExpression(node)) return `${chainName(node.expression, ev)}.${node.name.text}`;
  if (tsv.isCallExpression(node)) return chainName(node.expression, ev);
  if (tsv.isAwaitExpression(node) || tsv.isParenthesizedExpression(node)) return chainName(node.expression, ev);
  return ev.dotted(node) ?? '<expression>';
}

