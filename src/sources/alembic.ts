// Alembic revision files, read with a real Python parser (@lezer/python) and never run. Each `op.*`
// call in upgrade() and downgrade() is lowered to the PostgreSQL statements Alembic emits for it,
// located at the call, so the SQL rules run unchanged; `op.execute` SQL is linted in place.
// Alembic runs each migration in a transaction on PostgreSQL (transactional DDL); statements in
// `with op.get_context().autocommit_block():` run outside it.
// https://alembic.sqlalchemy.org/en/latest/ops.html
import { createHash } from 'node:crypto';
import path from 'node:path';
import { alembicEditor, pythonString } from '../fix/python-editor.js';
import type { NewMigration } from '../fix/writer.js';
import type { SyntaxNode } from '@lezer/common';
import { createRequire } from 'node:module';
import type { parser as PythonParser } from '@lezer/python';
import type { Migration, MigrationHalf, SourceFile, Statement } from '../engine/types.js';
import { addProblem, placeholderMigration, problemStatement, readFailure, type ReadContext, type SqlLayout } from './layout.js';
import { boolOf, describeUnknown, PythonEvaluator, stringOf, type PyValue, type Scope } from './python-values.js';
import { quoteLiteral, quoteName, StatementCollector } from './lowered.js';

const REVISION_FILE = /^\s*down_revision\b/m;

export const alembicLayout: SqlLayout = {
  name: 'alembic',
  kind: 'python',
  ordersItself: true,
  claims: (directory, context) => directory.files.some((file) => isRevision(context.read(file).text)),
  read(directory, context) {
    const migrations = directory.files
      .map((file) => context.read(file))
      .filter((file) => isRevision(file.text))
      .map((file) => {
        try {
          return readRevision(file, directory.dir, context);
        } catch (error) {
          // Python that does not parse into the expected shape: one finding, the rest still read.
          return placeholderMigration('alembic', directory.dir, file, { parseError: { message: `migsafe could not read this revision: ${(error as Error).message}`, offset: 0, language: 'python' } });
        }
      });
    return orderByRevisionGraph(migrations);
  },
  writer: {
    // Inside `with op.get_context().autocommit_block():` each statement runs on its own (observed:
    // test/runners/alembic.test.ts).
    outsideTransaction: 'marker',
    editor: alembicEditor,
    create(after, next, migrations, { read, mayChange }) {
      if (!after.revision) return { error: 'migsafe fix found no revision id in this file' };
      // The revision after it (not deployed either) is moved to follow the new ones.
      const child = next?.revision?.parents.includes(after.revision.id) ? next : null;
      const childFile = child?.files[0]?.path;
      if (child && childFile && !mayChange(childFile)) return { error: `revision ${child.revision!.id} follows ${after.revision.id} and is committed: fix the head revision` };
      const files: Record<string, string> = {};
      let parent = after.revision.id;
      for (const m of migrations) {
        const id = createHash('sha1').update(`${parent}\u0000${m.name}`).digest('hex').slice(0, 12);
        files[path.join(after.directory, `${id}_${m.name}.py`)] = alembicRevision(id, parent, m);
        parent = id;
      }
      if (child && childFile) {
        const text = read(childFile) ?? '';
        const rewired = text.replace(new RegExp(`^(\\s*down_revision\\s*(?::[^=]*)?=\\s*)(['"])${after.revision.id}\\2`, 'm'), `$1$2${parent}$2`);
        if (rewired === text) return { error: `migsafe fix could not move revision ${child.revision!.id} after the new ones (its down_revision is not a plain string)` };
        files[childFile] = rewired;
      }
      return files;
    },
    optOut: () => null,
  },
};

/** A revision in Alembic's own template, reduced to what it runs. */
function alembicRevision(id: string, parent: string, m: NewMigration): string {
  const body = (statements: string[], notes: string[], outside: boolean) => {
    const lines = [...notes.map((n) => `# ${n}`), ...statements.map((sql) => `op.execute(${pythonString(sql)})`)];
    if (!lines.length) return '    pass\n';
    return outside ? `    with op.get_context().autocommit_block():\n${lines.map((l) => `        ${l}\n`).join('')}` : lines.map((l) => `    ${l}\n`).join('');
  };
  return [
    `"""${m.name.replace(/_/g, ' ')}\n\nRevision ID: ${id}\nRevises: ${parent}\n"""`,
    'from alembic import op',
    '',
    `revision = ${JSON.stringify(id)}`,
    `down_revision = ${JSON.stringify(parent)}`,
    'branch_labels = None',
    'depends_on = None',
    '',
    '',
    `def upgrade():\n${body(m.up, m.notes, m.outsideTransaction)}`,
    '',
    `def downgrade():\n${body(m.down ?? [], [], m.downOutsideTransaction)}`,
  ].join('\n');
}

function isRevision(text: string): boolean {
  return REVISION_FILE.test(text) && /\bdef\s+upgrade\s*\(/.test(text);
}

// The Python parser is loaded on the first revision: SQL and TS/JS runs never pay for it.
let pythonParser: typeof PythonParser | null = null;
const require = createRequire(import.meta.url);

function readRevision(file: SourceFile, directory: string, context: ReadContext): Migration {
  pythonParser ??= (require('@lezer/python') as { parser: typeof PythonParser }).parser;
  const tree = pythonParser.parse(file.text);
  const evaluator = new PythonEvaluator(file.text);
  const moduleScope: Scope = new Map();
  const functions = new Map<string, SyntaxNode>();
  for (let node = tree.topNode.firstChild; node; node = node.nextSibling) {
    if (node.name === 'AssignStatement') bindAssignment(node, evaluator, moduleScope);
    if (node.name === 'FunctionDefinition') {
      const name = node.getChild('VariableName');
      if (name) functions.set(evaluator.text(name), node);
    }
  }
  const revisionValue = moduleScope.get('revision');
  const downRevision = moduleScope.get('down_revision');
  const parents = downRevision?.kind === 'list' ? downRevision.items.map(stringOf).filter((s): s is string => !!s) : [stringOf(downRevision)].filter((s): s is string => !!s);
  const id = path.basename(file.path).replace(/\.py$/i, '');
  const upgrade = functions.get('upgrade');
  if (!upgrade) throw new Error('no top-level def upgrade() in the Python syntax tree (the file does not parse)');
  const downgrade = functions.get('downgrade');
  const lower = (fn: SyntaxNode, section: 'up' | 'down'): MigrationHalf => {
    const lowerer = new Lowerer(file, evaluator, context, moduleScope, functions);
    const body = fn.getChild('Body');
    if (body) lowerer.body(body, new Map(moduleScope));
    return {
      section,
      files: [file],
      statements: lowerer.statements,
      // Observed (test/runners/alembic.test.ts): in a transaction even with transactional_ddl=False,
      // which only stops Alembic's own BEGIN: psycopg2 opens one at the first statement.
      transaction: 'wrapped',
      anchor: { file, offset: fn.from },
      irreversible: body ? onlyRaises(body, evaluator) : false,
    };
  };
  const up = lower(upgrade, 'up');
  const down = downgrade ? lower(downgrade, 'down') : null;
  // Python that does not parse: lezer recovers and reads on, but what follows the error may be
  // read wrongly or not at all, and Alembic would not import the file. Reported where it is, in
  // the half it falls in, like a SQL syntax error.
  const error = firstSyntaxError(tree.topNode);
  if (error !== null) {
    const half = down && error >= (downgrade?.from ?? Infinity) ? down : up;
    addProblem(half, problemStatement(file, error, { parseError: { message: 'Alembic would fail to import it, and operations after this point may be missed', offset: error, language: 'python' } }));
  }
  return {
    id,
    layout: 'alembic',
    directory,
    up,
    down,
    downExpected: true,
    files: [file],
    revision: { id: stringOf(revisionValue) ?? id, parents, anchor: { file, offset: (downRevision?.node ?? upgrade).from } },
  };
}

/** Where the first syntax error of a lezer tree is (an error node), or null. */
function firstSyntaxError(top: SyntaxNode): number | null {
  let at: number | null = null;
  top.cursor().iterate((node) => {
    if (at !== null) return false;
    if (node.type.isError) {
      at = node.from;
      return false;
    }
    return undefined;
  });
  return at;
}

function bindAssignment(node: SyntaxNode, evaluator: PythonEvaluator, scope: Scope): void {
  // `name = value` and `name: type = value`: the first name and the last expression.
  const target = node.firstChild;
  const value = node.lastChild;
  if (target?.name !== 'VariableName' || !value || value === target) return;
  scope.set(evaluator.text(target), evaluator.evaluate(value, scope));
}

/** A body that does nothing but raise (after an optional docstring): irreversible on purpose. */
function onlyRaises(body: SyntaxNode, evaluator: PythonEvaluator): boolean {
  const statements = evaluator.children(body).filter((s) => s.name !== ':');
  const meaningful = statements.filter((s) => !(s.name === 'ExpressionStatement' && /^(String|ContinuedString)$/.test(s.firstChild?.name ?? '')));
  return meaningful.length > 0 && meaningful.every((s) => s.name === 'RaiseStatement');
}

class Unanalyzable extends Error {}

const BIND_PARAMETER = /(?<![:\w]):[A-Za-z_]\w*/g;

const BIND_CALLS = /^(op\.get_bind|op\.get_context\(\)\.bind)$/;
const HARMLESS_CALLS = new Set(['print', 'len', 'range', 'list', 'dict', 'set', 'sorted', 'isinstance', 'getattr', 'setattr', 'hasattr', 'str', 'int', 'super']);

class Lowerer {
  readonly out: StatementCollector;
  private depth = 0;
  /** Variables bound to a connection (`conn = op.get_bind()`). */
  private readonly binds = new Set<string>();
  /** `with op.batch_alter_table("t") as batch_op:` aliases → table. */
  private readonly batches = new Map<string, { table: string; schema: string | null }>();

  constructor(
    file: SourceFile,
    private readonly py: PythonEvaluator,
    context: ReadContext,
    private readonly moduleScope: Scope,
    private readonly functions: Map<string, SyntaxNode>,
  ) {
    this.out = new StatementCollector(file, context.parseOptions);
  }

  get statements(): Statement[] {
    return this.out.statements;
  }

  body(body: SyntaxNode, scope: Scope): void {
    for (let node = body.firstChild; node; node = node.nextSibling) this.statement(node, scope);
  }

  private statement(node: SyntaxNode, scope: Scope): void {
    switch (node.name) {
      case 'ExpressionStatement': {
        const expression = node.firstChild;
        if (expression?.name === 'CallExpression') this.call(expression, scope);
        break;
      }
      case 'AssignStatement': {
        const value = node.lastChild;
        const target = node.firstChild;
        if (value?.name === 'CallExpression' && BIND_CALLS.test(this.py.dottedName(value.firstChild!) ?? '') && target?.name === 'VariableName') {
          this.binds.add(this.py.text(target));
        } else if (value?.name === 'CallExpression' && this.isOperation(value)) {
          this.call(value, scope); // `result = conn.execute(...)`
        }
        bindAssignment(node, this.py, scope);
        break;
      }
      case 'WithStatement':
        this.withStatement(node, scope);
        break;
      case 'ForStatement':
        this.forStatement(node, scope);
        break;
      case 'IfStatement':
      case 'TryStatement':
      case 'WhileStatement':
        // Both branches are read: a migration's SQL is linted whether or not a branch runs.
        for (const body of node.getChildren('Body')) this.body(body, scope);
        break;
      default:
        break;
    }
  }

  private withStatement(node: SyntaxNode, scope: Scope): void {
    const body = node.getChild('Body');
    if (!body) return;
    const header = this.py.text(node).slice(0, body.from - node.from);
    if (/autocommit_block\s*\(/.test(header)) {
      const outer = this.out.outsideTransaction;
      this.out.outsideTransaction = true;
      this.body(body, scope);
      this.out.outsideTransaction = outer;
      return;
    }
    const batchCall = node.getChildren('CallExpression').find((c) => /batch_alter_table$/.test(this.py.dottedName(c.firstChild!) ?? ''));
    const alias = node.getChild('VariableName');
    if (batchCall && alias) {
      const call = this.py.evaluate(batchCall, scope);
      const table = call.kind === 'call' ? stringOf(call.args[0] ?? call.kwargs.get('table_name')) : null;
      if (table) this.batches.set(this.py.text(alias), { table, schema: call.kind === 'call' ? stringOf(call.kwargs.get('schema')) : null });
      else this.unanalyzable(batchCall, `batch_alter_table on ${describeUnknown(call.kind === 'call' ? call.args[0] : call)}`);
    }
    this.body(body, scope);
  }

  private forStatement(node: SyntaxNode, scope: Scope): void {
    const variable = node.getChild('VariableName');
    const body = node.getChild('Body');
    if (!body) return;
    const iterable = variable?.nextSibling?.nextSibling ?? null; // `for NAME in ITERABLE`
    const values = iterable ? this.py.evaluate(iterable, scope) : null;
    if (variable && values?.kind === 'list' && values.items.length <= 50) {
      // A loop over a literal list: each iteration is lowered with the name bound.
      for (const item of values.items) {
        const inner = new Map(scope);
        inner.set(this.py.text(variable), item);
        this.body(body, inner);
      }
      return;
    }
    this.body(body, scope);
  }

  private isOperation(call: SyntaxNode): boolean {
    const callee = this.py.dottedName(call.firstChild!) ?? '';
    const head = callee.split('.')[0]!;
    return callee.startsWith('op.') || this.binds.has(head) || this.batches.has(head) || /\.execute$/.test(callee);
  }

  private call(node: SyntaxNode, scope: Scope): void {
    try {
      const value = this.py.evaluate(node, scope);
      if (value.kind !== 'call') return;
      this.operation(value);
    } catch (error) {
      // Unanalyzable: an operation migsafe cannot know statically; anything else is migsafe failing
      // on this call (a shape it did not expect, nesting past the stack): one finding, not the file.
      this.unanalyzable(node, error instanceof Unanalyzable ? error.message : `migsafe could not lower this call: ${readFailure(error)}`);
    }
  }

  private operation(call: Extract<PyValue, { kind: 'call' }>): void {
    const { callee } = call;
    const [head, ...rest] = callee.split('.');
    const method = rest.join('.');
    if (head === 'op') return this.opCall(method, call, null);
    const batch = this.batches.get(head!);
    if (batch) return this.opCall(method, call, batch);
    if ((this.binds.has(head!) && method === 'execute') || /^op\.get_bind\(\)|get_bind$/.test(callee) || callee === '<value>.execute') {
      return this.execute(call.args[0]);
    }
    if (callee === '<value>.create' || callee === '<value>.drop') {
      const receiver = call.args[call.args.length - 1];
      if (receiver?.kind === 'call' && isEnumType(receiver.callee)) {
        const name = stringOf(receiver.kwargs.get('name'));
        if (!name) throw new Unanalyzable('an enum type without a static name');
        const schema = stringOf(receiver.kwargs.get('schema'));
        if (callee.endsWith('create')) {
          const labels = receiver.args.map(stringOf);
          if (labels.some((l) => l === null)) throw new Unanalyzable('enum labels that are not string literals');
          return this.emit(call.node, `CREATE TYPE ${qualified(name, schema)} AS ENUM (${labels.map((l) => literal(l!)).join(', ')})`);
        }
        return this.emit(call.node, `DROP TYPE ${boolOf(call.kwargs.get('checkfirst')) ? 'IF EXISTS ' : ''}${qualified(name, schema)}`);
      }
      return;
    }
    // A helper defined in this file is lowered where it is called; one imported from elsewhere is not visible.
    const helper = !callee.includes('.') ? this.functions.get(callee) : undefined;
    if (helper && this.depth < 5) {
      const body = helper.getChild('Body');
      if (body) {
        this.depth++;
        this.body(body, new Map(this.moduleScope));
        this.depth--;
      }
      return;
    }
    if (!callee.includes('.') && !HARMLESS_CALLS.has(callee) && !/^[A-Z]/.test(callee) && callee !== '<expression>') {
      throw new Unanalyzable(`${callee}() is a helper migsafe cannot see into`);
    }
  }

  private opCall(method: string, call: Extract<PyValue, { kind: 'call' }>, batch: { table: string; schema: string | null } | null): void {
    const a = call.args;
    const kw = call.kwargs;
    // In a batch block the table is implied, so every positional argument after it shifts left.
    const tableArg = (index: number, keyword = 'table_name'): string => {
      if (batch) return qualified(batch.table, batch.schema);
      return qualified(requireString(a[index] ?? kw.get(keyword), 'table name'), stringOf(kw.get('schema')));
    };
    const shift = batch ? 1 : 0;
    switch (method) {
      case 'execute':
        return this.execute(a[0] ?? kw.get('sqltext'));
      case 'add_column': {
        const column = a[1 - shift] ?? kw.get('column');
        return this.emit(call.node, `ALTER TABLE ${tableArg(0)} ADD COLUMN ${columnSql(column)}`);
      }
      case 'drop_column':
        return this.emit(call.node, `ALTER TABLE ${tableArg(0)} DROP COLUMN ${ident(requireString(a[1 - shift] ?? kw.get('column_name'), 'column name'))}`);
      case 'alter_column':
        return this.alterColumn(call, tableArg(0), requireString(a[1 - shift] ?? kw.get('column_name'), 'column name'));
      case 'create_table': {
        const name = requireString(a[0] ?? kw.get('table_name'), 'table name');
        const elements = a.slice(1).map(tableElementSql).filter(Boolean);
        for (const enumType of a.slice(1).flatMap(enumTypesOf)) this.emit(call.node, enumType);
        return this.emit(call.node, `CREATE TABLE ${qualified(name, stringOf(kw.get('schema')))} (${elements.join(', ')})`);
      }
      case 'drop_table':
        return this.emit(call.node, `DROP TABLE ${qualified(requireString(a[0] ?? kw.get('table_name'), 'table name'), stringOf(kw.get('schema')))}`);
      case 'rename_table':
        return this.emit(call.node, `ALTER TABLE ${qualified(requireString(a[0] ?? kw.get('old_table_name'), 'table name'), stringOf(kw.get('schema')))} RENAME TO ${ident(requireString(a[1] ?? kw.get('new_table_name'), 'table name'))}`);
      case 'create_index': {
        const name = requireString(a[0] ?? kw.get('index_name'), 'index name');
        const columns = listOf(a[2 - shift] ?? kw.get('columns')).map(indexElementSql);
        const where = kw.get('postgresql_where');
        const using = stringOf(kw.get('postgresql_using'));
        const concurrently = boolOf(kw.get('postgresql_concurrently')) ? ' CONCURRENTLY' : '';
        const unique = boolOf(kw.get('unique')) ? 'UNIQUE ' : '';
        const ifNotExists = boolOf(kw.get('if_not_exists')) ? ' IF NOT EXISTS' : '';
        return this.emit(call.node, `CREATE ${unique}INDEX${concurrently}${ifNotExists} ${ident(name)} ON ${tableArg(1)}${using ? ` USING ${using}` : ''} (${columns.join(', ')})${where ? ` WHERE ${sqlExpression(where)}` : ''}`);
      }
      case 'drop_index': {
        const name = requireString(a[0] ?? kw.get('index_name'), 'index name');
        const concurrently = boolOf(kw.get('postgresql_concurrently')) ? ' CONCURRENTLY' : '';
        const ifExists = boolOf(kw.get('if_exists')) ? ' IF EXISTS' : '';
        return this.emit(call.node, `DROP INDEX${concurrently}${ifExists} ${qualified(name, stringOf(kw.get('schema')))}`);
      }
      case 'create_foreign_key': {
        const name = stringOf(a[0] ?? kw.get('constraint_name'));
        const source = batch ? tableArg(0) : qualified(requireString(a[1] ?? kw.get('source_table'), 'table name'), stringOf(kw.get('source_schema')));
        const referent = requireString(a[2 - shift] ?? kw.get('referent_table'), 'table name');
        const local = listOf(a[3 - shift] ?? kw.get('local_cols')).map((c) => ident(requireString(c, 'column name')));
        const remote = listOf(a[4 - shift] ?? kw.get('remote_cols')).map((c) => ident(requireString(c, 'column name')));
        return this.emit(
          call.node,
          `ALTER TABLE ${source} ADD ${name ? `CONSTRAINT ${ident(name)} ` : ''}FOREIGN KEY (${local.join(', ')}) REFERENCES ${qualified(referent, stringOf(kw.get('referent_schema')))} (${remote.join(', ')})${referentialActions(kw)}${boolOf(kw.get('postgresql_not_valid')) ? ' NOT VALID' : ''}`,
        );
      }
      case 'create_check_constraint': {
        const name = stringOf(a[0] ?? kw.get('constraint_name'));
        const condition = a[2 - shift] ?? kw.get('condition');
        return this.emit(call.node, `ALTER TABLE ${tableArg(1)} ADD ${name ? `CONSTRAINT ${ident(name)} ` : ''}CHECK (${sqlExpression(condition)})${boolOf(kw.get('postgresql_not_valid')) ? ' NOT VALID' : ''}`);
      }
      case 'create_unique_constraint':
      case 'create_primary_key': {
        const name = stringOf(a[0] ?? kw.get('constraint_name'));
        const columns = listOf(a[2 - shift] ?? kw.get('columns')).map((c) => ident(requireString(c, 'column name')));
        const kind = method === 'create_unique_constraint' ? 'UNIQUE' : 'PRIMARY KEY';
        return this.emit(call.node, `ALTER TABLE ${tableArg(1)} ADD ${name ? `CONSTRAINT ${ident(name)} ` : ''}${kind} (${columns.join(', ')})`);
      }
      case 'drop_constraint': {
        const name = requireString(a[0] ?? kw.get('constraint_name'), 'constraint name');
        return this.emit(call.node, `ALTER TABLE ${tableArg(1)} DROP CONSTRAINT ${ident(name)}`);
      }
      case 'bulk_insert': {
        // A table object: sa.table("name", ...) or a name bound elsewhere (`tables.logentrykind`).
        const table = a[0];
        const tableName = table?.kind === 'call' ? stringOf(table.args[0]) : table?.kind === 'name' ? table.dotted.split('.').pop()! : stringOf(table);
        if (!tableName) throw new Unanalyzable('bulk_insert into a table object migsafe cannot name');
        return this.emit(call.node, `INSERT INTO ${ident(tableName)} DEFAULT VALUES`);
      }
      case 'get_bind':
      case 'get_context':
      case 'f':
      case 'batch_alter_table':
      case 'inline_literal':
        return;
      default:
        throw new Unanalyzable(`op.${method}() is not lowered to SQL by migsafe`);
    }
  }

  private alterColumn(call: Extract<PyValue, { kind: 'call' }>, table: string, column: string): void {
    const kw = call.kwargs;
    const col = ident(column);
    let emitted = false;
    const type = kw.get('type_');
    if (type && type.kind !== 'none') {
      const using = stringOf(kw.get('postgresql_using'));
      this.emit(call.node, `ALTER TABLE ${table} ALTER COLUMN ${col} TYPE ${typeSql(type)}${using ? ` USING ${using}` : ''}`);
      emitted = true;
    }
    const nullable = boolOf(kw.get('nullable'));
    if (nullable !== null) {
      this.emit(call.node, `ALTER TABLE ${table} ALTER COLUMN ${col} ${nullable ? 'DROP' : 'SET'} NOT NULL`);
      emitted = true;
    }
    if (kw.has('server_default')) {
      const value = kw.get('server_default')!;
      this.emit(call.node, value.kind === 'none' || (value.kind === 'bool' && !value.value) ? `ALTER TABLE ${table} ALTER COLUMN ${col} DROP DEFAULT` : `ALTER TABLE ${table} ALTER COLUMN ${col} SET DEFAULT ${defaultSql(value)}`);
      emitted = true;
    }
    const newName = stringOf(kw.get('new_column_name'));
    if (newName) {
      this.emit(call.node, `ALTER TABLE ${table} RENAME COLUMN ${col} TO ${ident(newName)}`);
      emitted = true;
    }
    if (!emitted && (call.spread || [...kw.keys()].some((k) => !['existing_type', 'existing_nullable', 'existing_server_default', 'schema', 'comment', 'existing_comment'].includes(k)))) {
      throw new Unanalyzable('alter_column with arguments migsafe cannot read');
    }
  }

  private execute(sql: PyValue | undefined): void {
    let text = sql;
    if (text?.kind === 'call' && /(^|\.)text$/.test(text.callee)) text = text.args[0];
    if (text?.kind !== 'str') throw new Unanalyzable(`SQL passed as ${describeUnknown(text)}`);
    // sa.text() bind parameters (`:name`, not `::type` casts) stand for values.
    this.out.sql(text.value, text.map, new Map(), [BIND_PARAMETER]);
  }

  /** A statement migsafe wrote for an operation, reported at the call. */
  private emit(node: SyntaxNode, sql: string): void {
    this.out.emit({ start: node.from, end: node.to }, sql);
  }

  private unanalyzable(node: SyntaxNode, reason: string): void {
    this.out.unanalyzable({ start: node.from, end: node.to }, reason);
  }
}

function requireString(value: PyValue | undefined, what: string): string {
  const text = stringOf(value);
  if (text === null) throw new Unanalyzable(`the ${what} is ${describeUnknown(value)}`);
  return text;
}

function listOf(value: PyValue | undefined): PyValue[] {
  if (value?.kind === 'list') return value.items;
  if (value?.kind === 'str') return [value];
  throw new Unanalyzable(`a column list given as ${describeUnknown(value)}`);
}

// Alembic passes names and schemas apart: each name is one identifier.
const ident = quoteName;
const literal = quoteLiteral;

function qualified(name: string, schema: string | null): string {
  return schema ? `${ident(schema)}.${ident(name)}` : ident(name);
}

/** A SQL expression from `sa.text("...")`, a string (Alembic sends it verbatim), or a literal. */
function sqlExpression(value: PyValue | undefined): string {
  if (value?.kind === 'call' && /(^|\.)(text|literal_column)$/.test(value.callee) && value.args[0]?.kind === 'str') return value.args[0].value;
  if (value?.kind === 'str') return value.value;
  throw new Unanalyzable(`an expression given as ${describeUnknown(value)}`);
}

/** server_default: a string is a quoted literal, `sa.text()` raw SQL, `sa.func.x()` a call. */
function defaultSql(value: PyValue): string {
  if (value.kind === 'str') return literal(value.value);
  if (value.kind === 'num') return String(value.value);
  if (value.kind === 'bool') return value.value ? 'true' : 'false';
  if (value.kind === 'call' && /(^|\.)text$/.test(value.callee) && value.args[0]?.kind === 'str') return value.args[0].value;
  if (value.kind === 'call' && /(^|\.)(func)\./.test(value.callee)) return `${value.callee.split('.').pop()}()`;
  if (value.kind === 'call' && /(^|\.)(true|false|null)$/.test(value.callee)) return value.callee.split('.').pop()!;
  if (value.kind === 'call' && /(^|\.)literal_column$/.test(value.callee) && value.args[0]?.kind === 'str') return value.args[0].value;
  if (value.kind === 'call' && /(^|\.)literal$/.test(value.callee) && value.args[0]) return defaultSql(value.args[0]);
  throw new Unanalyzable(`a server_default given as ${describeUnknown(value)}`);
}

const TYPE_NAMES: Record<string, string> = {
  integer: 'integer', int: 'integer', biginteger: 'bigint', bigint: 'bigint', smallinteger: 'smallint', smallint: 'smallint',
  text: 'text', unicodetext: 'text', boolean: 'boolean', date: 'date', time: 'time', interval: 'interval',
  float: 'double precision', real: 'real', double: 'double precision', double_precision: 'double precision',
  largebinary: 'bytea', bytea: 'bytea', json: 'json', jsonb: 'jsonb', uuid: 'uuid', inet: 'inet', cidr: 'cidr',
  macaddr: 'macaddr', tsvector: 'tsvector', citext: 'citext', hstore: 'hstore', money: 'money', oid: 'oid',
};

/** The PostgreSQL type SQLAlchemy emits for a type object or class. */
function typeSql(value: PyValue | undefined): string {
  if (!value) throw new Unanalyzable('a column without a type');
  const dotted = value.kind === 'call' ? value.callee : value.kind === 'name' ? value.dotted : null;
  if (!dotted) throw new Unanalyzable(`a type given as ${describeUnknown(value)}`);
  const name = dotted.split('.').pop()!;
  const lower = name.toLowerCase();
  const args = value.kind === 'call' ? value.args : [];
  const kwargs = value.kind === 'call' ? value.kwargs : new Map<string, PyValue>();
  const num = (v: PyValue | undefined) => (v?.kind === 'num' ? v.value : null);
  if (lower === 'string' || lower === 'varchar' || lower === 'unicode') {
    const length = num(args[0] ?? kwargs.get('length'));
    return length ? `varchar(${length})` : 'varchar';
  }
  if (lower === 'char') return `char(${num(args[0] ?? kwargs.get('length')) ?? 1})`;
  if (lower === 'numeric' || lower === 'decimal') {
    const precision = num(args[0] ?? kwargs.get('precision'));
    const scale = num(args[1] ?? kwargs.get('scale'));
    return precision ? `numeric(${precision}${scale !== null ? `,${scale}` : ''})` : 'numeric';
  }
  if (lower === 'datetime' || lower === 'timestamp') return boolOf(kwargs.get('timezone') ?? args[0]) ? 'timestamptz' : 'timestamp';
  if (lower === 'array') return `${typeSql(args[0] ?? kwargs.get('item_type'))}[]`;
  if (lower === 'enum') {
    const enumName = stringOf(kwargs.get('name'));
    if (!enumName) throw new Unanalyzable('an enum type without a static name');
    return qualified(enumName, stringOf(kwargs.get('schema')));
  }
  if (TYPE_NAMES[lower]) return TYPE_NAMES[lower]!;
  // A custom type (a TypeDecorator of the project's): named after its class, which PostgreSQL
  // parses as a type name; what it stores is not known statically.
  return ident(lower);
}

function isEnumType(callee: string): boolean {
  return /(^|\.)(Enum|ENUM)$/.test(callee);
}

/** `CREATE TYPE` for sa.Enum/ENUM columns of op.create_table, which SQLAlchemy creates first. */
function enumTypesOf(element: PyValue): string[] {
  if (element.kind !== 'call' || !/(^|\.)Column$/.test(element.callee)) return [];
  const type = element.args[1];
  if (type?.kind !== 'call' || !isEnumType(type.callee)) return [];
  if (boolOf(type.kwargs.get('create_type')) === false || boolOf(type.kwargs.get('native_enum')) === false) return [];
  const name = stringOf(type.kwargs.get('name'));
  const labels = type.args.map(stringOf);
  if (!name || labels.some((l) => l === null)) return [];
  return [`CREATE TYPE ${qualified(name, stringOf(type.kwargs.get('schema')))} AS ENUM (${labels.map((l) => literal(l!)).join(', ')})`];
}

function referentialActions(kwargs: Map<string, PyValue>): string {
  const onDelete = stringOf(kwargs.get('ondelete'));
  const onUpdate = stringOf(kwargs.get('onupdate'));
  return `${onDelete ? ` ON DELETE ${onDelete}` : ''}${onUpdate ? ` ON UPDATE ${onUpdate}` : ''}`;
}

/** `sa.Column(name, type, *constraints, nullable=, server_default=, primary_key=, ...)` as a column definition. */
function columnSql(value: PyValue | undefined): string {
  if (value?.kind !== 'call' || !/(^|\.)Column$/.test(value.callee)) throw new Unanalyzable(`a column given as ${describeUnknown(value)}`);
  const name = requireString(value.args[0] ?? value.kwargs.get('name'), 'column name');
  const kw = value.kwargs;
  const parts = [ident(name), typeSql(value.args[1] ?? kw.get('type_'))];
  const primaryKey = boolOf(kw.get('primary_key')) === true;
  for (const extra of value.args.slice(2)) {
    if (extra.kind !== 'call') continue;
    if (/(^|\.)ForeignKey$/.test(extra.callee)) {
      const target = requireString(extra.args[0] ?? extra.kwargs.get('column'), 'foreign key target');
      const [refTable, refColumn] = target.includes('.') ? [target.slice(0, target.lastIndexOf('.')), target.slice(target.lastIndexOf('.') + 1)] : [target, null];
      parts.push(`REFERENCES ${refTable.split('.').map(ident).join('.')}${refColumn ? ` (${ident(refColumn)})` : ''}${referentialActions(extra.kwargs)}`);
    } else if (/(^|\.)Identity$/.test(extra.callee)) {
      parts.push(`GENERATED ${boolOf(extra.kwargs.get('always')) ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`);
    } else if (/(^|\.)Computed$/.test(extra.callee)) {
      const expression = sqlExpression(extra.args[0] ?? extra.kwargs.get('sqltext'));
      parts.push(boolOf(extra.kwargs.get('persisted')) === false ? `GENERATED ALWAYS AS (${expression}) VIRTUAL` : `GENERATED ALWAYS AS (${expression}) STORED`);
    }
  }
  if (primaryKey) parts.push('PRIMARY KEY');
  else if (boolOf(kw.get('nullable')) === false) parts.push('NOT NULL');
  const serverDefault = kw.get('server_default');
  if (serverDefault && serverDefault.kind !== 'none') parts.push(`DEFAULT ${defaultSql(serverDefault)}`);
  if (boolOf(kw.get('unique'))) parts.push('UNIQUE');
  return parts.join(' ');
}

/** A create_table argument: a column, or a table constraint. */
function tableElementSql(value: PyValue): string {
  if (value.kind !== 'call') throw new Unanalyzable(`a table element given as ${describeUnknown(value)}`);
  if (/(^|\.)Column$/.test(value.callee)) return columnSql(value);
  const name = stringOf(value.kwargs.get('name'));
  const prefix = name ? `CONSTRAINT ${ident(name)} ` : '';
  const columns = (items: PyValue[]) => items.map((c) => ident(requireString(c, 'column name'))).join(', ');
  if (/(^|\.)PrimaryKeyConstraint$/.test(value.callee)) return `${prefix}PRIMARY KEY (${columns(value.args)})`;
  if (/(^|\.)UniqueConstraint$/.test(value.callee)) return `${prefix}UNIQUE (${columns(value.args)})`;
  if (/(^|\.)CheckConstraint$/.test(value.callee)) return `${prefix}CHECK (${sqlExpression(value.args[0] ?? value.kwargs.get('sqltext'))})`;
  if (/(^|\.)ForeignKeyConstraint$/.test(value.callee)) {
    const local = listOf(value.args[0] ?? value.kwargs.get('columns'));
    const remote = listOf(value.args[1] ?? value.kwargs.get('refcolumns')).map((r) => requireString(r, 'referenced column'));
    const refTable = remote[0]!.slice(0, remote[0]!.lastIndexOf('.'));
    return `${prefix}FOREIGN KEY (${columns(local)}) REFERENCES ${refTable.split('.').map(ident).join('.')} (${remote.map((r) => ident(r.slice(r.lastIndexOf('.') + 1))).join(', ')})${referentialActions(value.kwargs)}`;
  }
  if (/(^|\.)Index$/.test(value.callee)) return '';
  throw new Unanalyzable(`${value.callee}() in create_table`);
}

function indexElementSql(value: PyValue): string {
  if (value.kind === 'str') return ident(value.value);
  return sqlExpression(value);
}

/** Alembic applies revisions from the root down each down_revision chain; files sort by it. */
function orderByRevisionGraph(all: Migration[]): Migration[] {
  const migrations = all.filter((m) => m.revision);
  const unreadable = all.filter((m) => !m.revision);
  const byId = new Map(migrations.map((m) => [m.revision!.id, m]));
  const children = new Map<string, Migration[]>();
  const roots: Migration[] = [];
  for (const migration of migrations) {
    const parents = migration.revision!.parents.filter((p) => byId.has(p));
    if (parents.length === 0) roots.push(migration);
    for (const parent of parents) children.set(parent, [...(children.get(parent) ?? []), migration]);
  }
  const ordered: Migration[] = [];
  const placed = new Set<Migration>();
  const byName = (a: Migration, b: Migration) => a.id.localeCompare(b.id);
  // Kahn's algorithm: a merge revision comes after all its parents.
  const ready = [...roots].sort(byName);
  const waiting = new Map(migrations.map((m) => [m, m.revision!.parents.filter((p) => byId.has(p)).length]));
  while (ready.length) {
    const next = ready.shift()!;
    ordered.push(next);
    placed.add(next);
    for (const child of (children.get(next.revision!.id) ?? []).sort(byName)) {
      const left = waiting.get(child)! - 1;
      waiting.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  // Revisions in a cycle never become ready: keep them, last, so they are still linted.
  return [...ordered, ...migrations.filter((m) => !placed.has(m)).sort(byName), ...unreadable];
}
