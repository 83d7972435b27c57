// Query-builder calls of each framework, lowered to the PostgreSQL statements the framework sends.
// One lowerer per framework; raw-SQL calls are handled by the walker in script.ts.
import type ts from 'typescript';
import { tsv } from './typescript-lazy.js';
import type { FrameworkLowerer, LowerContext } from './script.js';
import { bool, prop, str, type JsValue } from './script-values.js';
import { quoteIdent, quoteLiteral } from './lowered.js';

const ident = quoteIdent;
const literal = quoteLiteral;

class Unlowerable extends Error {}

function need(value: JsValue | undefined, what: string): string {
  const text = str(value);
  if (text === null) throw new Unlowerable(`the ${what} is not known statically`);
  return text;
}

/** Runs a lowering step, turning what cannot be known into an unanalysable finding at the call. */
function attempt(ctx: LowerContext, node: ts.Node, step: () => void): true {
  try {
    step();
  } catch (error) {
    if (error instanceof Unlowerable) ctx.fail(node, error.message);
    else throw error;
  }
  return true;
}

function isSqlTemplate(node: ts.Node): boolean {
  return tsv.isTaggedTemplateExpression(node) || (!!node.parent && tsv.isTaggedTemplateExpression(node.parent));
}

/** A default value given as JS: a string is a literal, `knex.fn.now()`/`sql\`now()\``/`knex.raw('x')` raw SQL. */
function defaultSql(value: JsValue | undefined, ctx: LowerContext): string {
  if (!value) throw new Unlowerable('a default migsafe cannot read');
  // `sql\`now()\`` (Kysely, slonik) is raw SQL; a plain string is a literal.
  if (value.kind === 'str') return isSqlTemplate(value.node) ? value.value : literal(value.value);
  if (value.kind === 'num') return String(value.value);
  if (value.kind === 'bool') return String(value.value);
  if (value.kind === 'null') return 'NULL';
  if (value.kind === 'ref' && /fn\.now$/.test(value.dotted)) return 'now()';
  const node = value.node;
  if (tsv.isCallExpression(node)) {
    const callee = ctx.ev.dotted(node.expression) ?? '';
    if (/fn\.now$/.test(callee)) return 'now()';
    // knex.fn.uuid() is gen_random_uuid() on PostgreSQL; Sequelize.fn('name', ...) a function call.
    if (/fn\.uuid$/.test(callee)) return 'gen_random_uuid()';
    if (/(^|\.)fn$/.test(callee) && node.arguments[0]) {
      const name = ctx.ev.evaluate(node.arguments[0], ctx.scope);
      if (name.kind === 'str') return `${name.value}()`;
    }
    if (/(^|\.)(raw|literal)$/.test(callee) && node.arguments[0]) {
      const inner = ctx.ev.evaluate(node.arguments[0], ctx.scope);
      if (inner.kind === 'str') return inner.value;
    }
    if (/(^|\.)sql\.(raw|lit)$/.test(callee) && node.arguments[0]) return defaultSql(ctx.ev.evaluate(node.arguments[0], ctx.scope), ctx);
  }
  if (value.kind === 'object' || value.kind === 'array') return literal('{}');
  throw new Unlowerable('a default migsafe cannot read');
}

/** The chain of calls `a.b(x).c(y).d()` from the root, as [method, args] pairs. */
function callChain(node: ts.Expression): { root: ts.Expression; calls: { name: string; args: readonly ts.Expression[]; node: ts.CallExpression }[] } {
  const calls: { name: string; args: readonly ts.Expression[]; node: ts.CallExpression }[] = [];
  let current: ts.Expression = node;
  while (tsv.isCallExpression(current) && tsv.isPropertyAccessExpression(current.expression)) {
    calls.unshift({ name: current.expression.name.text, args: current.arguments, node: current });
    current = current.expression.expression;
  }
  return { root: current, calls };
}

// ---------------------------------------------------------------------------------------------
// knex: schema builder with table callbacks. https://knexjs.org/guide/schema-builder.html

const KNEX_TYPES: Record<string, (args: JsValue[]) => string> = {
  increments: () => 'serial PRIMARY KEY',
  bigIncrements: () => 'bigserial PRIMARY KEY',
  integer: () => 'integer',
  bigInteger: () => 'bigint',
  bigint: () => 'bigint',
  smallint: () => 'smallint',
  tinyint: () => 'smallint',
  mediumint: () => 'integer',
  string: (a) => `varchar(${a[0]?.kind === 'num' ? a[0].value : 255})`,
  text: () => 'text',
  boolean: () => 'boolean',
  date: () => 'date',
  datetime: (a) => (bool(prop(a[0], 'useTz')) === false ? 'timestamp' : 'timestamptz'),
  timestamp: (a) => (bool(prop(a[0], 'useTz')) === false ? 'timestamp' : 'timestamptz'),
  time: () => 'time',
  float: () => 'real',
  double: () => 'double precision',
  decimal: (a) => (a[0]?.kind === 'num' ? `numeric(${a[0].value}${a[1]?.kind === 'num' ? `,${a[1].value}` : ''})` : 'numeric'),
  json: () => 'json',
  jsonb: () => 'jsonb',
  uuid: () => 'uuid',
  binary: () => 'bytea',
  enu: () => 'text',
  enum: () => 'text',
};

function knexColumn(chain: ReturnType<typeof callChain>['calls'], ctx: LowerContext): { definition: string; extra: string[]; alter: boolean; name: string } | null {
  const [head, ...modifiers] = chain;
  if (!head) return null;
  const args = head.args.map((a) => ctx.ev.evaluate(a, ctx.scope));
  let type: string;
  let name: string;
  if (head.name === 'specificType') {
    name = need(args[0], 'column name');
    type = need(args[1], 'column type');
  } else if (KNEX_TYPES[head.name]) {
    name = need(args[0], 'column name');
    type = KNEX_TYPES[head.name]!(args.slice(1));
  } else {
    return null;
  }
  const parts = [ident(name), type];
  const extra: string[] = [];
  let references: string | null = null;
  let alter = false;
  for (const modifier of modifiers) {
    const margs = modifier.args.map((a) => ctx.ev.evaluate(a, ctx.scope));
    switch (modifier.name) {
      case 'notNullable':
        parts.push('NOT NULL');
        break;
      case 'defaultTo':
        parts.push(`DEFAULT ${defaultSql(margs[0], ctx)}`);
        break;
      case 'primary':
        parts.push('PRIMARY KEY');
        break;
      case 'unique':
        parts.push('UNIQUE');
        break;
      case 'index':
        extra.push(`index:${str(margs[0]) ?? ''}:${name}`);
        break;
      case 'references': {
        const target = need(margs[0], 'referenced column');
        references = target.includes('.') ? `REFERENCES ${ident(target.slice(0, target.lastIndexOf('.')))} (${ident(target.slice(target.lastIndexOf('.') + 1))})` : `REFERENCES "?" (${ident(target)})`;
        break;
      }
      case 'inTable':
        references = (references ?? 'REFERENCES "?" ("id")').replace('"?"', ident(need(margs[0], 'referenced table')));
        break;
      case 'onDelete':
        references = `${references ?? ''} ON DELETE ${need(margs[0], 'ON DELETE action')}`;
        break;
      case 'onUpdate':
        references = `${references ?? ''} ON UPDATE ${need(margs[0], 'ON UPDATE action')}`;
        break;
      case 'alter':
        alter = true;
        break;
      default:
        break;
    }
  }
  if (references) parts.push(references);
  return { definition: parts.join(' '), extra, alter, name };
}

const knexLowerer: FrameworkLowerer = {
  framework: 'knex',
  lower(call, callee, ctx) {
    const method = callee.split('.').pop()!;
    if (!/(^|\.)schema(\.withSchema)?\.\w+$/.test(callee) && !/\.schema\.(createTable|createTableIfNotExists|alterTable|table|dropTable|dropTableIfExists|renameTable|raw)$/.test(callee)) {
      return false;
    }
    const args = call.arguments.map((a) => ctx.ev.evaluate(a, ctx.scope));
    const span = ctx.span(call);
    return attempt(ctx, call, () => {
      switch (method) {
        case 'raw':
          ctx.raw(args[0]!, call.arguments[0]!);
          return;
        case 'createTable':
        case 'createTableIfNotExists':
        case 'alterTable':
        case 'table': {
          const table = need(args[0], 'table name');
          const creating = method.startsWith('createTable');
          const callback = call.arguments[1];
          // Each column and index is reported at its own table.xxx() call in the callback.
          const columns: Element[] = [];
          const after: Element[] = [];
          if (callback && (tsv.isArrowFunction(callback) || tsv.isFunctionExpression(callback))) {
            const builder = callback.parameters[0] && tsv.isIdentifier(callback.parameters[0].name) ? callback.parameters[0].name.text : 'table';
            const visit = (node: ts.Node) => {
              if (tsv.isCallExpression(node)) {
                const chain = callChain(node);
                if (tsv.isIdentifier(chain.root) && chain.root.text === builder && chain.calls.length) {
                  knexTableCall(chain.calls, table, creating, columns, after, ctx);
                  return;
                }
              }
              node.forEachChild(visit);
            };
            visit(callback.body);
          }
          if (creating) ctx.out.emit(span, `CREATE TABLE${method === 'createTableIfNotExists' ? ' IF NOT EXISTS' : ''} ${ident(table)} (${columns.map((c) => c.sql).join(', ')})`);
          else for (const column of columns) ctx.out.emit(column.span, `ALTER TABLE ${ident(table)} ${column.sql}`);
          for (const statement of after) ctx.out.emit(statement.span, statement.sql);
          return;
        }
        case 'dropTable':
        case 'dropTableIfExists':
          ctx.out.emit(span, `DROP TABLE${method === 'dropTableIfExists' ? ' IF EXISTS' : ''} ${ident(need(args[0], 'table name'))}`);
          return;
        case 'renameTable':
          ctx.out.emit(span, `ALTER TABLE ${ident(need(args[0], 'table name'))} RENAME TO ${ident(need(args[1], 'table name'))}`);
          return;
        default:
          return;
      }
    });
  },
};

interface Element {
  sql: string;
  span: { start: number; end: number };
}

function knexTableCall(calls: ReturnType<typeof callChain>['calls'], table: string, creating: boolean, columnElements: Element[], afterElements: Element[], ctx: LowerContext): void {
  const head = calls[0]!;
  const span = ctx.span(calls[calls.length - 1]!.node);
  const columns = { push: (sql: string) => columnElements.push({ sql, span }) };
  const after = { push: (sql: string) => afterElements.push({ sql, span }) };
  const args = head.args.map((a) => ctx.ev.evaluate(a, ctx.scope));
  const names = (value: JsValue | undefined) => (value?.kind === 'array' ? value.items.map((i) => need(i, 'column name')) : [need(value, 'column name')]);
  const t = ident(table);
  switch (head.name) {
    case 'dropColumn':
    case 'dropColumns':
      for (const arg of args) for (const n of names(arg)) columns.push(`DROP COLUMN ${ident(n)}`);
      return;
    case 'renameColumn':
      after.push(`ALTER TABLE ${t} RENAME COLUMN ${ident(need(args[0], 'column name'))} TO ${ident(need(args[1], 'column name'))}`);
      return;
    case 'index':
      after.push(`CREATE INDEX ${ident(str(args[1]) ?? `${table}_${names(args[0]).join('_')}_index`)} ON ${t} (${names(args[0]).map(ident).join(', ')})`);
      return;
    case 'unique': {
      const cols = names(args[0]).map(ident).join(', ');
      const name = str(args[1]) ?? str(prop(args[1], 'indexName')) ?? `${table}_${names(args[0]).join('_')}_unique`;
      if (creating) columns.push(`CONSTRAINT ${ident(name)} UNIQUE (${cols})`);
      else after.push(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(name)} UNIQUE (${cols})`);
      return;
    }
    case 'primary':
      if (creating) columns.push(`PRIMARY KEY (${names(args[0]).map(ident).join(', ')})`);
      else after.push(`ALTER TABLE ${t} ADD PRIMARY KEY (${names(args[0]).map(ident).join(', ')})`);
      return;
    case 'foreign': {
      const local = names(args[0]);
      let refTable = '?';
      let refColumns = ['id'];
      let actions = '';
      for (const modifier of calls.slice(1)) {
        const margs = modifier.args.map((a) => ctx.ev.evaluate(a, ctx.scope));
        if (modifier.name === 'references') {
          const target = names(margs[0]);
          if (target[0]!.includes('.')) {
            refTable = target[0]!.slice(0, target[0]!.lastIndexOf('.'));
            refColumns = target.map((c) => c.slice(c.lastIndexOf('.') + 1));
          } else refColumns = target;
        }
        if (modifier.name === 'inTable') refTable = need(margs[0], 'referenced table');
        if (modifier.name === 'onDelete') actions += ` ON DELETE ${need(margs[0], 'action')}`;
        if (modifier.name === 'onUpdate') actions += ` ON UPDATE ${need(margs[0], 'action')}`;
      }
      const constraint = `FOREIGN KEY (${local.map(ident).join(', ')}) REFERENCES ${ident(refTable)} (${refColumns.map(ident).join(', ')})${actions}`;
      if (creating) columns.push(constraint);
      else after.push(`ALTER TABLE ${t} ADD ${constraint}`);
      return;
    }
    case 'setNullable':
      after.push(`ALTER TABLE ${t} ALTER COLUMN ${ident(need(args[0], 'column name'))} DROP NOT NULL`);
      return;
    case 'dropNullable':
      after.push(`ALTER TABLE ${t} ALTER COLUMN ${ident(need(args[0], 'column name'))} SET NOT NULL`);
      return;
    case 'dropIndex':
      after.push(`DROP INDEX ${ident(str(args[1]) ?? `${table}_${names(args[0]).join('_')}_index`)}`);
      return;
    case 'dropUnique':
    case 'dropForeign':
    case 'dropPrimary': {
      const suffix = { dropUnique: 'unique', dropForeign: 'foreign', dropPrimary: 'pkey' }[head.name]!;
      const name = str(args[1]) ?? (head.name === 'dropPrimary' ? str(args[0]) ?? `${table}_pkey` : `${table}_${names(args[0]).join('_')}_${suffix}`);
      after.push(`ALTER TABLE ${t} DROP CONSTRAINT ${ident(name)}`);
      return;
    }
    case 'timestamps': {
      const useTz = bool(args[1]) !== false;
      const defaultNow = bool(args[1]) === true || bool(args[0]) === true;
      for (const column of ['created_at', 'updated_at']) {
        const definition = `${ident(column)} ${useTz ? 'timestamptz' : 'timestamp'}${defaultNow ? ' NOT NULL DEFAULT now()' : ''}`;
        columns.push(creating ? definition : `ADD COLUMN ${definition}`);
      }
      return;
    }
    default: {
      const column = knexColumn(calls, ctx);
      if (!column) return; // charset(), engine(), comment(): no PostgreSQL statement of their own
      if (column.alter) {
        const [, type] = column.definition.split(' ');
        after.push(`ALTER TABLE ${t} ALTER COLUMN ${ident(column.name)} TYPE ${type}`);
        after.push(`ALTER TABLE ${t} ALTER COLUMN ${ident(column.name)} ${/NOT NULL/.test(column.definition) ? 'SET' : 'DROP'} NOT NULL`);
        const def = / DEFAULT (.+?)(?: PRIMARY| UNIQUE| REFERENCES|$)/.exec(column.definition);
        if (def) after.push(`ALTER TABLE ${t} ALTER COLUMN ${ident(column.name)} SET DEFAULT ${def[1]}`);
      } else {
        columns.push(creating ? column.definition : `ADD COLUMN ${column.definition}`);
      }
      for (const extra of column.extra) {
        const [, name, col] = extra.split(':');
        after.push(`CREATE INDEX ${ident(name || `${table}_${col}_index`)} ON ${t} (${ident(col!)})`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// node-pg-migrate: MigrationBuilder. https://salsita.github.io/node-pg-migrate/migrations/

function pgmColumn(name: string, spec: JsValue | undefined, ctx: LowerContext): string {
  if (spec?.kind === 'str') return `${ident(name)} ${spec.value}`;
  const type = need(prop(spec, 'type'), `type of column ${name}`);
  const parts = [ident(name), type];
  if (bool(prop(spec, 'primaryKey'))) parts.push('PRIMARY KEY');
  if (bool(prop(spec, 'notNull'))) parts.push('NOT NULL');
  if (bool(prop(spec, 'unique'))) parts.push('UNIQUE');
  const def = prop(spec, 'default');
  if (def) parts.push(`DEFAULT ${pgmDefault(def, ctx)}`);
  const references = prop(spec, 'references');
  if (references) {
    const target = str(references) ?? str(prop(references, 'name'));
    if (!target) throw new Unlowerable('a reference migsafe cannot read');
    parts.push(`REFERENCES ${/\(/.test(target) ? target : ident(target)}`);
    const onDelete = str(prop(spec, 'onDelete'));
    if (onDelete) parts.push(`ON DELETE ${onDelete}`);
  }
  if (prop(spec, 'sequenceGenerated') || prop(spec, 'generated')) {
    const generated = prop(spec, 'generated') ?? prop(spec, 'sequenceGenerated');
    const expression = str(prop(generated, 'expression'));
    parts.push(expression ? `GENERATED ALWAYS AS (${expression}) STORED` : `GENERATED ${str(prop(generated, 'precedence')) ?? 'ALWAYS'} AS IDENTITY`);
  }
  return parts.join(' ');
}

/** node-pg-migrate escapes a default string as a literal unless it is `pgm.func('...')`. */
function pgmDefault(value: JsValue, ctx: LowerContext): string {
  const node = value.node;
  if (tsv.isCallExpression(node) && /\.func$/.test(ctx.ev.dotted(node.expression) ?? '')) {
    const inner = ctx.ev.evaluate(node.arguments[0], ctx.scope);
    if (inner.kind === 'str') return inner.value;
  }
  return defaultSql(value, ctx);
}

function pgmNames(value: JsValue | undefined): string[] {
  // Index columns may be `{ name, sort, opclass }` objects.
  if (value?.kind === 'array') return value.items.map((i) => (i.kind === 'object' ? need(prop(i, 'name'), 'column name') : need(i, 'column name')));
  if (value?.kind === 'object') return [...value.props.keys()];
  return [need(value, 'column name')];
}

/** Table names: a string, or `{ schema, name }`. */
function pgmTable(value: JsValue | undefined): string {
  if (value?.kind === 'object') {
    const schema = str(prop(value, 'schema'));
    return `${schema ? `${ident(schema)}.` : ''}${ident(need(prop(value, 'name'), 'table name'))}`;
  }
  return ident(need(value, 'table name'));
}

const pgmLowerer: FrameworkLowerer = {
  framework: 'node-pg-migrate',
  lower(call, callee, ctx) {
    const [head, method] = callee.split('.');
    if (head !== ctx.param || !method || callee.split('.').length !== 2) return false;
    const a = call.arguments.map((arg) => ctx.ev.evaluate(arg, ctx.scope));
    const span = ctx.span(call);
    const emit = (sql: string) => ctx.out.emit(span, sql);
    if (method === 'sql') {
      ctx.raw(a[0]!, call.arguments[0]!);
      return true;
    }
    return attempt(ctx, call, () => {
      const options = a[a.length - 1]?.kind === 'object' ? a[a.length - 1] : undefined;
      switch (method) {
        case 'createTable': {
          const columns = a[1]?.kind === 'object' ? [...a[1].props].map(([name, spec]) => pgmColumn(name, spec, ctx)) : [];
          const constraints = prop(a[2], 'constraints');
          const primary = prop(constraints, 'primaryKey');
          if (primary) columns.push(`PRIMARY KEY (${pgmNames(primary).map(ident).join(', ')})`);
          emit(`CREATE TABLE ${bool(prop(a[2], 'ifNotExists')) ? 'IF NOT EXISTS ' : ''}${pgmTable(a[0])} (${columns.join(', ')})`);
          return;
        }
        case 'dropTable':
          emit(`DROP TABLE ${bool(prop(a[1], 'ifExists')) ? 'IF EXISTS ' : ''}${pgmTable(a[0])}${bool(prop(a[1], 'cascade')) ? ' CASCADE' : ''}`);
          return;
        case 'renameTable':
          emit(`ALTER TABLE ${pgmTable(a[0])} RENAME TO ${ident(need(a[1], 'table name'))}`);
          return;
        case 'addColumns':
        case 'addColumn':
          if (a[1]?.kind !== 'object') throw new Unlowerable('columns migsafe cannot read');
          for (const [name, spec] of a[1].props) emit(`ALTER TABLE ${pgmTable(a[0])} ADD COLUMN ${pgmColumn(name, spec, ctx)}`);
          return;
        case 'dropColumns':
        case 'dropColumn':
          for (const name of pgmNames(a[1])) emit(`ALTER TABLE ${pgmTable(a[0])} DROP COLUMN ${ident(name)}`);
          return;
        case 'renameColumn':
          emit(`ALTER TABLE ${pgmTable(a[0])} RENAME COLUMN ${ident(need(a[1], 'column name'))} TO ${ident(need(a[2], 'column name'))}`);
          return;
        case 'alterColumn': {
          const table = pgmTable(a[0]);
          const column = ident(need(a[1], 'column name'));
          const spec = a[2];
          const type = str(prop(spec, 'type'));
          if (type) emit(`ALTER TABLE ${table} ALTER COLUMN ${column} TYPE ${type}${str(prop(spec, 'using')) ? ` USING ${str(prop(spec, 'using'))}` : ''}`);
          const notNull = bool(prop(spec, 'notNull'));
          if (notNull !== null) emit(`ALTER TABLE ${table} ALTER COLUMN ${column} ${notNull ? 'SET' : 'DROP'} NOT NULL`);
          const def = prop(spec, 'default');
          if (def) emit(def.kind === 'null' ? `ALTER TABLE ${table} ALTER COLUMN ${column} DROP DEFAULT` : `ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT ${pgmDefault(def, ctx)}`);
          return;
        }
        case 'createIndex':
        case 'addIndex': {
          const columns = pgmNames(a[1]);
          const name = str(prop(options, 'name')) ?? `${need(a[0] && a[0].kind === 'object' ? prop(a[0], 'name') : a[0], 'table name')}_${columns.join('_')}_index`;
          const where = str(prop(options, 'where'));
          const method = str(prop(options, 'method'));
          emit(`CREATE ${bool(prop(options, 'unique')) ? 'UNIQUE ' : ''}INDEX ${bool(prop(options, 'concurrently')) ? 'CONCURRENTLY ' : ''}${bool(prop(options, 'ifNotExists')) ? 'IF NOT EXISTS ' : ''}${ident(name)} ON ${pgmTable(a[0])}${method ? ` USING ${method}` : ''} (${columns.map((c) => (/[()]/.test(c) ? c : ident(c))).join(', ')})${where ? ` WHERE ${where}` : ''}`);
          return;
        }
        case 'dropIndex':
        case 'removeIndex': {
          const columns = pgmNames(a[1]);
          const name = str(prop(options, 'name')) ?? `${need(a[0] && a[0].kind === 'object' ? prop(a[0], 'name') : a[0], 'table name')}_${columns.join('_')}_index`;
          emit(`DROP INDEX ${bool(prop(options, 'concurrently')) ? 'CONCURRENTLY ' : ''}${bool(prop(options, 'ifExists')) ? 'IF EXISTS ' : ''}${ident(name)}`);
          return;
        }
        case 'addConstraint':
        case 'createConstraint': {
          const name = str(a[1]);
          const spec = a[2];
          let body: string;
          if (spec?.kind === 'str') body = spec.value;
          else {
            const foreign = prop(spec, 'foreignKeys');
            const check = str(prop(spec, 'check'));
            const unique = prop(spec, 'unique');
            const primary = prop(spec, 'primaryKey');
            if (foreign) {
              const columns = pgmNames(prop(foreign, 'columns'));
              const references = need(prop(foreign, 'references'), 'referenced table');
              const onDelete = str(prop(foreign, 'onDelete'));
              body = `FOREIGN KEY (${columns.map(ident).join(', ')}) REFERENCES ${/\(/.test(references) ? references : ident(references)}${onDelete ? ` ON DELETE ${onDelete}` : ''}`;
            } else if (check) body = `CHECK (${check})`;
            else if (unique) body = `UNIQUE (${pgmNames(unique).map(ident).join(', ')})`;
            else if (primary) body = `PRIMARY KEY (${pgmNames(primary).map(ident).join(', ')})`;
            else throw new Unlowerable('a constraint migsafe cannot read');
          }
          emit(`ALTER TABLE ${pgmTable(a[0])} ADD ${name ? `CONSTRAINT ${ident(name)} ` : ''}${body}`);
          return;
        }
        case 'dropConstraint':
          emit(`ALTER TABLE ${pgmTable(a[0])} DROP CONSTRAINT ${bool(prop(a[2], 'ifExists')) ? 'IF EXISTS ' : ''}${ident(need(a[1], 'constraint name'))}`);
          return;
        case 'createType':
          if (a[1]?.kind !== 'array') throw new Unlowerable('enum values migsafe cannot read');
          emit(`CREATE TYPE ${pgmTable(a[0])} AS ENUM (${a[1].items.map((v) => literal(need(v, 'enum value'))).join(', ')})`);
          return;
        case 'addTypeValue':
          emit(`ALTER TYPE ${pgmTable(a[0])} ADD VALUE ${bool(prop(a[2], 'ifNotExists')) ? 'IF NOT EXISTS ' : ''}${literal(need(a[1], 'enum value'))}`);
          return;
        case 'renameTypeValue':
          emit(`ALTER TYPE ${pgmTable(a[0])} RENAME VALUE ${literal(need(a[1], 'enum value'))} TO ${literal(need(a[2], 'enum value'))}`);
          return;
        case 'dropType':
          emit(`DROP TYPE ${bool(prop(a[1], 'ifExists')) ? 'IF EXISTS ' : ''}${pgmTable(a[0])}`);
          return;
        case 'noTransaction':
        case 'func':
          return;
        default:
          throw new Unlowerable(`pgm.${method}() is not lowered to SQL by migsafe`);
      }
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Kysely: schema builder chains ending in .execute(). https://kysely.dev/docs/migrations

const kyselyLowerer: FrameworkLowerer = {
  framework: 'kysely',
  lower(call, _callee, ctx) {
    if (!tsv.isPropertyAccessExpression(call.expression) || call.expression.name.text !== 'execute') return false;
    const chain = callChain(call.expression.expression);
    const rootName = ctx.ev.dotted(chain.root) ?? '';
    if (!/\.schema$/.test(rootName) && !/^\w+\.schema\.withSchema$/.test(rootName)) return false;
    const [first, ...rest] = chain.calls;
    if (!first) return false;
    const span = ctx.span(call);
    const arg = (c: (typeof chain.calls)[number], i: number) => ctx.ev.evaluate(c.args[i], ctx.scope);
    return attempt(ctx, call, () => {
      switch (first.name) {
        case 'createIndex': {
          const name = need(arg(first, 0), 'index name');
          let table = '';
          let columns: string[] = [];
          let unique = false;
          let where = '';
          let using = '';
          for (const c of rest) {
            if (c.name === 'on') table = need(arg(c, 0), 'table name');
            if (c.name === 'column') columns.push(ident(need(arg(c, 0), 'column name')));
            if (c.name === 'columns') columns = (arg(c, 0) as Extract<JsValue, { kind: 'array' }>).items.map((i) => ident(need(i, 'column name')));
            if (c.name === 'expression') columns.push(need(arg(c, 0), 'index expression'));
            if (c.name === 'unique') unique = true;
            if (c.name === 'using') using = ` USING ${need(arg(c, 0), 'index method')}`;
            if (c.name === 'where' && c.args.length === 1) where = ` WHERE ${need(arg(c, 0), 'index predicate')}`;
          }
          ctx.out.emit(span, `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${ident(name)} ON ${ident(table)}${using} (${columns.join(', ')})${where}`);
          return;
        }
        case 'dropIndex':
          ctx.out.emit(span, `DROP INDEX ${rest.some((c) => c.name === 'ifExists') ? 'IF EXISTS ' : ''}${ident(need(arg(first, 0), 'index name'))}`);
          return;
        case 'createTable': {
          const table = need(arg(first, 0), 'table name');
          const elements: string[] = [];
          for (const c of rest) {
            if (c.name === 'addColumn') elements.push(kyselyColumn(c.args, ctx));
            if (c.name === 'addPrimaryKeyConstraint') elements.push(`CONSTRAINT ${ident(need(arg(c, 0), 'constraint name'))} PRIMARY KEY (${listNames(arg(c, 1))})`);
            if (c.name === 'addUniqueConstraint') elements.push(`CONSTRAINT ${ident(need(arg(c, 0), 'constraint name'))} UNIQUE (${listNames(arg(c, 1))})`);
            if (c.name === 'addForeignKeyConstraint') elements.push(`CONSTRAINT ${ident(need(arg(c, 0), 'constraint name'))} FOREIGN KEY (${listNames(arg(c, 1))}) REFERENCES ${ident(need(arg(c, 2), 'table name'))} (${listNames(arg(c, 3))})${kyselyActions(c.args[4], ctx)}`);
            if (c.name === 'addCheckConstraint') elements.push(`CONSTRAINT ${ident(need(arg(c, 0), 'constraint name'))} CHECK (${need(arg(c, 1), 'check')})`);
          }
          ctx.out.emit(span, `CREATE TABLE ${rest.some((c) => c.name === 'ifNotExists') ? 'IF NOT EXISTS ' : ''}${ident(table)} (${elements.join(', ')})`);
          return;
        }
        case 'dropTable':
          ctx.out.emit(span, `DROP TABLE ${rest.some((c) => c.name === 'ifExists') ? 'IF EXISTS ' : ''}${ident(need(arg(first, 0), 'table name'))}${rest.some((c) => c.name === 'cascade') ? ' CASCADE' : ''}`);
          return;
        case 'alterTable': {
          const table = ident(need(arg(first, 0), 'table name'));
          for (const c of rest) {
            // Each change is reported at its own method in the chain (`.addColumn(...)`).
            const name = (c.node.expression as ts.PropertyAccessExpression).name;
            const span = { start: name.getStart(ctx.ev.file), end: c.node.getEnd() };
            switch (c.name) {
              case 'addColumn':
                ctx.out.emit(span, `ALTER TABLE ${table} ADD COLUMN ${kyselyColumn(c.args, ctx)}`);
                break;
              case 'dropColumn':
                ctx.out.emit(span, `ALTER TABLE ${table} DROP COLUMN ${ident(need(arg(c, 0), 'column name'))}`);
                break;
              case 'renameColumn':
                ctx.out.emit(span, `ALTER TABLE ${table} RENAME COLUMN ${ident(need(arg(c, 0), 'column name'))} TO ${ident(need(arg(c, 1), 'column name'))}`);
                break;
              case 'renameTo':
                ctx.out.emit(span, `ALTER TABLE ${table} RENAME TO ${ident(need(arg(c, 0), 'table name'))}`);
                break;
              case 'alterColumn': {
                const column = ident(need(arg(c, 0), 'column name'));
                const fn = c.args[1];
                const text = fn ? ctx.ev.text(fn) : '';
                const type = /\.setDataType\(\s*(['"`])([^'"`]+)\1/.exec(text)?.[2];
                if (type) ctx.out.emit(span, `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE ${type}`);
                if (/\.setNotNull\(\)/.test(text)) ctx.out.emit(span, `ALTER TABLE ${table} ALTER COLUMN ${column} SET NOT NULL`);
                if (/\.dropNotNull\(\)/.test(text)) ctx.out.emit(span, `ALTER TABLE ${table} ALTER COLUMN ${column} DROP NOT NULL`);
                if (/\.dropDefault\(\)/.test(text)) ctx.out.emit(span, `ALTER TABLE ${table} ALTER COLUMN ${column} DROP DEFAULT`);
                const setDefault = fn && /\.setDefault\(/.test(text) ? findCall(fn, 'setDefault') : null;
                if (setDefault) ctx.out.emit(span, `ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT ${defaultSql(ctx.ev.evaluate(setDefault.arguments[0], ctx.scope), ctx)}`);
                break;
              }
              case 'addForeignKeyConstraint': {
                const validated = !rest.some((r) => r.name === 'notValid' || r.name === 'noValidate');
                ctx.out.emit(span, `ALTER TABLE ${table} ADD CONSTRAINT ${ident(need(arg(c, 0), 'constraint name'))} FOREIGN KEY (${listNames(arg(c, 1))}) REFERENCES ${ident(need(arg(c, 2), 'table name'))} (${listNames(arg(c, 3))})${kyselyActions(c.args[4], ctx, rest)}${validated ? '' : ' NOT VALID'}`);
                break;
              }
              case 'addUniqueConstraint':
                ctx.out.emit(span, `ALTER TABLE ${table} ADD CONSTRAINT ${ident(need(arg(c, 0), 'constraint name'))} UNIQUE (${listNames(arg(c, 1))})`);
                break;
              case 'addCheckConstraint':
                ctx.out.emit(span, `ALTER TABLE ${table} ADD CONSTRAINT ${ident(need(arg(c, 0), 'constraint name'))} CHECK (${need(arg(c, 1), 'check')})`);
                break;
              case 'dropConstraint':
                ctx.out.emit(span, `ALTER TABLE ${table} DROP CONSTRAINT ${ident(need(arg(c, 0), 'constraint name'))}`);
                break;
              default:
                break;
            }
          }
          return;
        }
        case 'createView': {
          // The view's query is a Kysely builder; no rule looks inside it, so a placeholder stands for it.
          const materialized = rest.some((c) => c.name === 'materialized');
          const orReplace = rest.some((c) => c.name === 'orReplace');
          ctx.out.emit(span, `CREATE ${orReplace ? 'OR REPLACE ' : ''}${materialized ? 'MATERIALIZED ' : ''}VIEW ${ident(need(arg(first, 0), 'view name'))} AS SELECT NULL`);
          return;
        }
        case 'dropView': {
          const materialized = rest.some((c) => c.name === 'materialized');
          ctx.out.emit(span, `DROP ${materialized ? 'MATERIALIZED ' : ''}VIEW ${rest.some((c) => c.name === 'ifExists') ? 'IF EXISTS ' : ''}${ident(need(arg(first, 0), 'view name'))}${rest.some((c) => c.name === 'cascade') ? ' CASCADE' : ''}`);
          return;
        }
        case 'createType':
          ctx.out.emit(span, `CREATE TYPE ${ident(need(arg(first, 0), 'type name'))} AS ENUM (${(rest.find((c) => c.name === 'asEnum') ? (arg(rest.find((c) => c.name === 'asEnum')!, 0) as Extract<JsValue, { kind: 'array' }>).items.map((v) => literal(need(v, 'enum value'))) : []).join(', ')})`);
          return;
        case 'dropType':
          ctx.out.emit(span, `DROP TYPE ${rest.some((c) => c.name === 'ifExists') ? 'IF EXISTS ' : ''}${ident(need(arg(first, 0), 'type name'))}`);
          return;
        default:
          throw new Unlowerable(`schema.${first.name}() is not lowered to SQL by migsafe`);
      }
    });
  },
};

function findCall(node: ts.Node, method: string): ts.CallExpression | null {
  let found: ts.CallExpression | null = null;
  const visit = (n: ts.Node) => {
    if (found) return;
    if (tsv.isCallExpression(n) && tsv.isPropertyAccessExpression(n.expression) && n.expression.name.text === method) found = n;
    n.forEachChild(visit);
  };
  visit(node);
  return found;
}

function listNames(value: JsValue | undefined): string {
  if (value?.kind === 'array') return value.items.map((i) => ident(need(i, 'column name'))).join(', ');
  return ident(need(value, 'column name'));
}

function kyselyActions(node: ts.Expression | undefined, ctx: LowerContext, rest: { name: string; args: readonly ts.Expression[] }[] = []): string {
  const text = node ? ctx.ev.text(node) : '';
  const chained = rest.find((c) => c.name === 'onDelete');
  const onDelete = /\.onDelete\(\s*(['"`])([^'"`]+)\1/.exec(text)?.[2] ?? (chained ? str(ctx.ev.evaluate(chained.args[0], ctx.scope)) : null);
  return onDelete ? ` ON DELETE ${onDelete}` : '';
}

/** `addColumn(name, type, col => col.notNull().defaultTo(x).references('t.c').primaryKey())`. */
function kyselyColumn(args: readonly ts.Expression[], ctx: LowerContext): string {
  const name = need(ctx.ev.evaluate(args[0], ctx.scope), 'column name');
  const typeValue = ctx.ev.evaluate(args[1], ctx.scope);
  const type = typeValue.kind === 'str' ? typeValue.value : need(undefined, 'column type');
  const parts = [ident(name), type];
  const builder = args[2];
  if (builder && (tsv.isArrowFunction(builder) || tsv.isFunctionExpression(builder))) {
    const calls = callChain(tsv.isBlock(builder.body) ? (builder.body.statements.find(tsv.isReturnStatement)?.expression ?? builder.body.statements[0] as unknown as ts.Expression) : builder.body).calls;
    for (const c of calls) {
      const v = c.args[0] ? ctx.ev.evaluate(c.args[0], ctx.scope) : undefined;
      if (c.name === 'notNull') parts.push('NOT NULL');
      if (c.name === 'primaryKey') parts.push('PRIMARY KEY');
      if (c.name === 'unique') parts.push('UNIQUE');
      if (c.name === 'defaultTo') parts.push(`DEFAULT ${defaultSql(v, ctx)}`);
      if (c.name === 'identity' || c.name === 'generatedAlwaysAsIdentity') parts.push('GENERATED ALWAYS AS IDENTITY');
      if (c.name === 'generatedAlwaysAs') parts.push(`GENERATED ALWAYS AS (${v?.kind === 'str' ? v.value : 'NULL'}) STORED`);
      if (c.name === 'references') {
        const target = need(v, 'referenced column');
        parts.push(`REFERENCES ${ident(target.slice(0, target.lastIndexOf('.')))} (${ident(target.slice(target.lastIndexOf('.') + 1))})`);
      }
      if (c.name === 'onDelete') parts.push(`ON DELETE ${need(v, 'action')}`);
      if (c.name === 'check') parts.push(`CHECK (${v?.kind === 'str' ? v.value : 'true'})`);
    }
  }
  return parts.join(' ');
}

// ---------------------------------------------------------------------------------------------
// Sequelize: queryInterface. https://sequelize.org/docs/v6/other-topics/query-interface/

function sequelizeType(value: JsValue | undefined, ctx: LowerContext): string {
  if (value?.kind === 'str') return value.value;
  const text = value ? ctx.ev.text(value.node) : '';
  const match = /(?:DataTypes|Sequelize)\.([A-Z_]+)(?:\(([^)]*)\))?/.exec(text);
  if (!match) throw new Unlowerable('a data type migsafe cannot read');
  const [, name, args] = match;
  const map: Record<string, string> = {
    STRING: `varchar(${args?.trim() || 255})`, TEXT: 'text', CITEXT: 'citext', INTEGER: 'integer', BIGINT: 'bigint', SMALLINT: 'smallint', FLOAT: 'real', DOUBLE: 'double precision', REAL: 'real',
    DECIMAL: args ? `numeric(${args})` : 'numeric', BOOLEAN: 'boolean', DATE: 'timestamptz', DATEONLY: 'date', TIME: 'time', UUID: 'uuid', JSON: 'json', JSONB: 'jsonb', BLOB: 'bytea', ENUM: 'text', ARRAY: 'text[]', INET: 'inet',
  };
  return map[name!] ?? name!.toLowerCase();
}

function sequelizeColumn(name: string, spec: JsValue | undefined, ctx: LowerContext): string {
  const typeValue = spec?.kind === 'object' ? prop(spec, 'type') : spec;
  const parts = [ident(name), sequelizeType(typeValue, ctx)];
  if (bool(prop(spec, 'primaryKey'))) parts.push('PRIMARY KEY');
  if (bool(prop(spec, 'allowNull')) === false) parts.push('NOT NULL');
  if (bool(prop(spec, 'unique'))) parts.push('UNIQUE');
  if (bool(prop(spec, 'autoIncrement'))) parts[1] = parts[1] === 'bigint' ? 'bigserial' : 'serial';
  const def = prop(spec, 'defaultValue');
  if (def) parts.push(`DEFAULT ${/(Sequelize|DataTypes)\.NOW|fn\(['"]now['"]\)/.test(ctx.ev.text(def.node)) ? 'now()' : /UUIDV4/.test(ctx.ev.text(def.node)) ? 'gen_random_uuid()' : defaultSql(def, ctx)}`);
  const references = prop(spec, 'references');
  if (references) {
    const model = str(prop(references, 'model')) ?? str(prop(prop(references, 'model'), 'tableName'));
    if (!model) throw new Unlowerable('a reference migsafe cannot read');
    parts.push(`REFERENCES ${ident(model)} (${ident(str(prop(references, 'key')) ?? 'id')})`);
    const onDelete = str(prop(spec, 'onDelete'));
    if (onDelete) parts.push(`ON DELETE ${onDelete}`);
  }
  return parts.join(' ');
}

/** Sequelize's default index name: `Utils.underscore(<table>_<fields>)` (camelCase to snake_case). */
function sequelizeIndexName(table: string, fields: string[]): string {
  return `${table}_${fields.join('_')}`.replace(/([a-z\d])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
}

const sequelizeLowerer: FrameworkLowerer = {
  framework: 'sequelize',
  lower(call, callee, ctx) {
    const [head, method, ...more] = callee.split('.');
    if (head !== ctx.param || !method || more.length) return false;
    const a = call.arguments.map((arg) => ctx.ev.evaluate(arg, ctx.scope));
    const span = ctx.span(call);
    const emit = (sql: string) => ctx.out.emit(span, sql);
    const table = (v: JsValue | undefined) => (v?.kind === 'object' ? `${str(prop(v, 'schema')) ? `${ident(str(prop(v, 'schema'))!)}.` : ''}${ident(need(prop(v, 'tableName'), 'table name'))}` : ident(need(v, 'table name')));
    return attempt(ctx, call, () => {
      switch (method) {
        case 'addColumn':
          emit(`ALTER TABLE ${table(a[0])} ADD COLUMN ${sequelizeColumn(need(a[1], 'column name'), a[2], ctx)}`);
          return;
        case 'removeColumn':
          emit(`ALTER TABLE ${table(a[0])} DROP COLUMN ${ident(need(a[1], 'column name'))}`);
          return;
        case 'renameColumn':
          emit(`ALTER TABLE ${table(a[0])} RENAME COLUMN ${ident(need(a[1], 'column name'))} TO ${ident(need(a[2], 'column name'))}`);
          return;
        case 'changeColumn': {
          const t = table(a[0]);
          const column = ident(need(a[1], 'column name'));
          const spec = a[2];
          emit(`ALTER TABLE ${t} ALTER COLUMN ${column} TYPE ${sequelizeType(spec?.kind === 'object' ? prop(spec, 'type') : spec, ctx)}`);
          const allowNull = bool(prop(spec, 'allowNull'));
          if (allowNull !== null) emit(`ALTER TABLE ${t} ALTER COLUMN ${column} ${allowNull ? 'DROP' : 'SET'} NOT NULL`);
          return;
        }
        case 'addIndex': {
          const options = a[2] ?? (a[1]?.kind === 'object' ? a[1] : undefined);
          const fields = a[1]?.kind === 'array' ? a[1] : prop(options, 'fields');
          const columns = fields?.kind === 'array' ? fields.items.map((f) => ident(str(f) ?? need(prop(f, 'name'), 'index column'))) : [];
          const name = str(prop(options, 'name')) ?? sequelizeIndexName(need(a[0], 'table name'), columns.map((c) => c.replace(/"/g, '')));
          const where = prop(options, 'where');
          emit(`CREATE ${bool(prop(options, 'unique')) ? 'UNIQUE ' : ''}INDEX ${bool(prop(options, 'concurrently')) ? 'CONCURRENTLY ' : ''}${ident(name)} ON ${table(a[0])}${str(prop(options, 'using')) ? ` USING ${str(prop(options, 'using'))}` : ''} (${columns.join(', ')})${str(where) ? ` WHERE ${str(where)}` : ''}`);
          return;
        }
        case 'removeIndex': {
          const name = str(a[1]) ?? sequelizeIndexName(need(a[0], 'table name'), a[1]?.kind === 'array' ? a[1].items.map((i) => need(i, 'column')) : []);
          emit(`DROP INDEX ${bool(prop(a[2], 'concurrently')) ? 'CONCURRENTLY ' : ''}${ident(name)}`);
          return;
        }
        case 'addConstraint': {
          const options = a[1];
          const type = (str(prop(options, 'type')) ?? '').toLowerCase();
          const fields = (prop(options, 'fields') as Extract<JsValue, { kind: 'array' }> | undefined)?.items.map((f) => ident(need(f, 'column name'))) ?? [];
          const name = str(prop(options, 'name'));
          const prefix = name ? `CONSTRAINT ${ident(name)} ` : '';
          let body: string;
          if (type === 'foreign key') {
            const references = prop(options, 'references');
            body = `FOREIGN KEY (${fields.join(', ')}) REFERENCES ${ident(need(prop(references, 'table'), 'referenced table'))} (${ident(str(prop(references, 'field')) ?? 'id')})${str(prop(options, 'onDelete')) ? ` ON DELETE ${str(prop(options, 'onDelete'))}` : ''}`;
          } else if (type === 'unique') body = `UNIQUE (${fields.join(', ')})`;
          else if (type === 'primary key') body = `PRIMARY KEY (${fields.join(', ')})`;
          else if (type === 'check') body = `CHECK (${str(prop(options, 'where')) ?? 'true'})`;
          else throw new Unlowerable(`a ${type || 'constraint'} constraint migsafe cannot read`);
          emit(`ALTER TABLE ${table(a[0])} ADD ${prefix}${body}`);
          return;
        }
        case 'removeConstraint':
          emit(`ALTER TABLE ${table(a[0])} DROP CONSTRAINT ${ident(need(a[1], 'constraint name'))}`);
          return;
        case 'createTable': {
          const columns = a[1]?.kind === 'object' ? [...a[1].props].map(([name, spec]) => sequelizeColumn(name, spec, ctx)) : [];
          emit(`CREATE TABLE ${table(a[0])} (${columns.join(', ')})`);
          return;
        }
        case 'dropTable':
          emit(`DROP TABLE ${table(a[0])}`);
          return;
        case 'renameTable':
          emit(`ALTER TABLE ${table(a[0])} RENAME TO ${ident(need(a[1], 'table name'))}`);
          return;
        case 'bulkInsert':
          emit(`INSERT INTO ${table(a[0])} DEFAULT VALUES`);
          return;
        case 'bulkDelete':
          emit(`DELETE FROM ${table(a[0])}`);
          return;
        case 'bulkUpdate':
          emit(`UPDATE ${table(a[0])} SET id = id`);
          return;
        default:
          return;
      }
    });
  },
};

// ---------------------------------------------------------------------------------------------
// TypeORM: QueryRunner API. https://typeorm.io/docs/migrations/api

function typeormColumn(value: JsValue | undefined, ctx: LowerContext): string {
  // new TableColumn({ name, type, isNullable, default, isPrimary, isGenerated, generationStrategy, length })
  const spec = value?.node && tsv.isNewExpression(value.node) && value.node.arguments?.[0] ? ctx.ev.evaluate(value.node.arguments[0], ctx.scope) : value;
  const name = need(prop(spec, 'name'), 'column name');
  let type = need(prop(spec, 'type'), 'column type');
  const length = prop(spec, 'length');
  if (length && (length.kind === 'num' || length.kind === 'str')) type = `${type}(${length.kind === 'num' ? length.value : length.value})`;
  if (bool(prop(spec, 'isArray'))) type += '[]';
  const parts = [ident(name), type];
  if (bool(prop(spec, 'isGenerated'))) parts.push(str(prop(spec, 'generationStrategy')) === 'uuid' ? 'DEFAULT gen_random_uuid()' : 'GENERATED BY DEFAULT AS IDENTITY');
  if (bool(prop(spec, 'isPrimary'))) parts.push('PRIMARY KEY');
  if (bool(prop(spec, 'isNullable')) !== true && !bool(prop(spec, 'isPrimary'))) parts.push('NOT NULL');
  if (bool(prop(spec, 'isUnique'))) parts.push('UNIQUE');
  const def = prop(spec, 'default');
  if (def) parts.push(`DEFAULT ${def.kind === 'str' ? def.value : defaultSql(def, ctx)}`);
  return parts.join(' ');
}

function newArgs(value: JsValue | undefined, ctx: LowerContext): JsValue | undefined {
  return value?.node && tsv.isNewExpression(value.node) && value.node.arguments?.[0] ? ctx.ev.evaluate(value.node.arguments[0], ctx.scope) : value;
}

const typeormLowerer: FrameworkLowerer = {
  framework: 'typeorm',
  lower(call, callee, ctx) {
    const [head, method, ...more] = callee.split('.');
    if (head !== ctx.param || !method || more.length) return false;
    const a = call.arguments.map((arg) => ctx.ev.evaluate(arg, ctx.scope));
    const span = ctx.span(call);
    const emit = (sql: string) => ctx.out.emit(span, sql);
    const table = (v: JsValue | undefined) => ident(str(v) ?? need(prop(newArgs(v, ctx), 'name'), 'table name'));
    return attempt(ctx, call, () => {
      switch (method) {
        case 'query':
          ctx.raw(a[0]!, call.arguments[0]!);
          return;
        case 'addColumn':
          emit(`ALTER TABLE ${table(a[0])} ADD COLUMN ${typeormColumn(a[1], ctx)}`);
          return;
        case 'addColumns':
          if (a[1]?.kind !== 'array') throw new Unlowerable('columns migsafe cannot read');
          for (const column of a[1].items) emit(`ALTER TABLE ${table(a[0])} ADD COLUMN ${typeormColumn(column, ctx)}`);
          return;
        case 'dropColumn':
          emit(`ALTER TABLE ${table(a[0])} DROP COLUMN ${ident(str(a[1]) ?? need(prop(newArgs(a[1], ctx), 'name'), 'column name'))}`);
          return;
        case 'renameColumn':
          emit(`ALTER TABLE ${table(a[0])} RENAME COLUMN ${ident(str(a[1]) ?? need(prop(newArgs(a[1], ctx), 'name'), 'column name'))} TO ${ident(str(a[2]) ?? need(prop(newArgs(a[2], ctx), 'name'), 'column name'))}`);
          return;
        case 'changeColumn': {
          const to = newArgs(a[2], ctx);
          const column = ident(str(a[1]) ?? need(prop(newArgs(a[1], ctx), 'name'), 'column name'));
          emit(`ALTER TABLE ${table(a[0])} ALTER COLUMN ${column} TYPE ${need(prop(to, 'type'), 'column type')}`);
          if (bool(prop(to, 'isNullable')) === false) emit(`ALTER TABLE ${table(a[0])} ALTER COLUMN ${column} SET NOT NULL`);
          return;
        }
        case 'createIndex': {
          const spec = newArgs(a[1], ctx);
          const columns = (prop(spec, 'columnNames') as Extract<JsValue, { kind: 'array' }> | undefined)?.items.map((c) => ident(need(c, 'column name'))) ?? [];
          const where = str(prop(spec, 'where'));
          emit(`CREATE ${bool(prop(spec, 'isUnique')) ? 'UNIQUE ' : ''}INDEX ${bool(prop(spec, 'isConcurrent')) ? 'CONCURRENTLY ' : ''}${ident(str(prop(spec, 'name')) ?? 'index')} ON ${table(a[0])} (${columns.join(', ')})${where ? ` WHERE ${where}` : ''}`);
          return;
        }
        case 'dropIndex':
          emit(`DROP INDEX ${ident(str(a[1]) ?? need(prop(newArgs(a[1], ctx), 'name'), 'index name'))}`);
          return;
        case 'createForeignKey': {
          const spec = newArgs(a[1], ctx);
          const names = (v: JsValue | undefined) => (v?.kind === 'array' ? v.items.map((c) => ident(need(c, 'column name'))).join(', ') : '');
          const onDelete = str(prop(spec, 'onDelete'));
          const name = str(prop(spec, 'name'));
          emit(`ALTER TABLE ${table(a[0])} ADD ${name ? `CONSTRAINT ${ident(name)} ` : ''}FOREIGN KEY (${names(prop(spec, 'columnNames'))}) REFERENCES ${ident(need(prop(spec, 'referencedTableName'), 'referenced table'))} (${names(prop(spec, 'referencedColumnNames'))})${onDelete ? ` ON DELETE ${onDelete}` : ''}`);
          return;
        }
        case 'dropForeignKey':
          emit(`ALTER TABLE ${table(a[0])} DROP CONSTRAINT ${ident(str(a[1]) ?? need(prop(newArgs(a[1], ctx), 'name'), 'constraint name'))}`);
          return;
        case 'createTable': {
          const spec = newArgs(a[0], ctx);
          const columns = (prop(spec, 'columns') as Extract<JsValue, { kind: 'array' }> | undefined)?.items.map((c) => typeormColumn(c, ctx)) ?? [];
          emit(`CREATE TABLE ${ident(need(prop(spec, 'name'), 'table name'))} (${columns.join(', ')})`);
          return;
        }
        case 'dropTable':
          emit(`DROP TABLE ${table(a[0])}`);
          return;
        case 'renameTable':
          emit(`ALTER TABLE ${table(a[0])} RENAME TO ${ident(need(a[1], 'table name'))}`);
          return;
        default:
          return;
      }
    });
  },
};

export const frameworkLowerers: FrameworkLowerer[] = [knexLowerer, pgmLowerer, kyselyLowerer, sequelizeLowerer, typeormLowerer];
