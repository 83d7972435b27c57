import type ts from 'typescript';
import { tsv } from '../typescript-lazy.js';
import { booleanLiteral, unwrap, type FrameworkLowerer, type LowerContext, type ScriptFramework, type ScriptMigration } from './framework.js';
import { bool, prop, str, type JsValue } from '../script-values.js';
import { attempt, callChain, defaultSql, ident, need } from './lowering.js';
import { scriptEditor, scriptMigration, scriptStyle, type ScriptStyle } from '../../fix/script-editor.js';
import { numberedFiles, type NewMigration } from '../../fix/writer.js';

// knex: schema builder with table callbacks (https://knexjs.org/guide/schema-builder.html), and how
// its Migrator runs each migration (https://knexjs.org/guide/migrations.html#transactions-in-migrations).

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

function knexColumn(chain: ReturnType<typeof callChain>['calls'], ctx: LowerContext): { definition: string; extra: string[]; alter: boolean; name: string; references: string | null } | null {
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
  return { definition: parts.join(' '), extra, alter, name, references };
}

const knexLowerer: FrameworkLowerer = {
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
      // knex adds a column's foreign key as a statement of its own after the columns (seen in its
      // compiler's output: \`add constraint "<table>_<column>_foreign" foreign key ...\`), so on an
      // existing table it validates every row even for a new, all-NULL column.
      if (column.references && !column.alter) after.push(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(`${table}_${column.name}_foreign`)} FOREIGN KEY (${ident(column.name)}) ${column.references.trim()}`);
    }
  }
}


/**
 * The migration's own `config.transaction` (`exports.config = { transaction: false }`, `export const
 * config = ...`, or `config` in `module.exports = { ... }`), or null. Top-level statements only.
 */
function migrationTransaction(migration: ScriptMigration): boolean | null {
  const fromConfig = (node: ts.Expression | undefined): boolean | null => {
    const current = node && unwrap(node);
    if (!current || !tsv.isObjectLiteralExpression(current)) return null;
    for (const property of current.properties) {
      if (tsv.isPropertyAssignment(property) && tsv.isIdentifier(property.name) && property.name.text === 'transaction') return booleanLiteral(property.initializer);
    }
    return null;
  };
  for (const statement of migration.tree.statements) {
    if (tsv.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (tsv.isIdentifier(declaration.name) && declaration.name.text === 'config') return fromConfig(declaration.initializer);
      }
    } else if (tsv.isExpressionStatement(statement) && tsv.isBinaryExpression(statement.expression) && statement.expression.operatorToken.kind === tsv.SyntaxKind.EqualsToken) {
      const target = migration.ev.dotted(statement.expression.left) ?? '';
      const value = statement.expression.right;
      if (/^(module\.)?exports\.config$/.test(target)) return fromConfig(value);
      if (target === 'module.exports' && tsv.isObjectLiteralExpression(value)) {
        const config = value.properties.find((p): p is ts.PropertyAssignment => tsv.isPropertyAssignment(p) && tsv.isIdentifier(p.name) && p.name.text === 'config');
        if (config) return fromConfig(config.initializer);
      }
    }
  }
  return null;
}

export const knex: ScriptFramework = {
  name: 'knex',
  imports: /['"]knex['"]/,
  recognise: (_migration, param) => param === 'knex',
  lowerer: knexLowerer,
  settings(project) {
    // Observed: the knex CLI passes its own --disable-transactions flag (false when absent) over the
    // knexfile's `migrations.disableTransactions`, so only the flag counts for `knex migrate:*`.
    const flag = project.scripts().some((script) => /\bknex\b[^&|;]*\bmigrate:[^&|;]*--disable-transactions\b/.test(script));
    return { disableTransactions: flag, ...project.override('knex') };
  },
  runs(migration, _half, settings) {
    const own = migrationTransaction(migration);
    const wrapped = own ?? !settings.disableTransactions;
    return {
      transaction: wrapped ? 'wrapped' : 'none',
      advice: {
        wrappedBy: own === true ? 'the migration sets `config.transaction = true`, so knex runs it in a transaction' : 'knex runs each migration in a transaction',
        outsideTransaction: 'put it in its own migration that exports `config = { transaction: false }`',
      },
    };
  },
  writer: {
    // With `config.transaction = false` knex runs each call on its own (observed: knex.test.ts).
    outsideTransaction: 'marker',
    editor: scriptEditor((param, sql) => `${param}.raw(${sql})`),
    create(after, next, migrations) {
      const style = scriptStyle(after.up.files[0]!, KNEX_TYPE);
      return numberedFiles(after, next, migrations, (version, m) => ({ [`${version}_${m.name}${style.extension}`]: knexMigration(style, m) }));
    },
    optOut(migration) {
      const file = migration.up.files[0]!;
      if (/\bconfig\b\s*=/.test(file.text)) return null;
      const style = scriptStyle(file, KNEX_TYPE);
      return [{ file: file.path, start: style.afterImports, end: style.afterImports, text: `${style.esm ? 'export const config' : 'exports.config'} = { transaction: false };\n` }];
    },
  },
};

const KNEX_TYPE = /import\s+(type\s+)?\{[^}]*\bKnex\b/;

function knexMigration(style: ScriptStyle, m: NewMigration): string {
  return scriptMigration(style, m, {
    typeImport: "import type { Knex } from 'knex';\n",
    param: 'knex',
    paramType: 'Knex',
    async: true,
    call: (sql) => `await knex.raw(${sql});`,
    preamble: (outside) => (outside.up || outside.down ? `${style.esm ? 'export const config' : 'exports.config'} = { transaction: false };\n` : ''),
  });
}
