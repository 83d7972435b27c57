import type { FrameworkLowerer, LowerContext, ScriptFramework } from './framework.js';
import { bool, prop, str, type JsValue } from '../script-values.js';
import { attempt, defaultSql, ident, need, Unlowerable } from './lowering.js';
import { scriptEditor, scriptStyle, sqlLiteral, type ScriptStyle } from '../../fix/script-editor.js';
import { numberedFiles, type NewMigration } from '../../fix/writer.js';

// Sequelize: queryInterface (https://sequelize.org/docs/v6/other-topics/query-interface/), run by
// sequelize-cli (umzug), which opens no transaction.

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


export const sequelize: ScriptFramework = {
  name: 'sequelize',
  imports: /['"]sequelize['"]/,
  recognise: (_migration, param) => param === 'queryInterface',
  lowerer: sequelizeLowerer,
  runs() {
    // Observed: `sequelize-cli db:migrate` runs each query on its own; a transaction the migration
    // opens itself (sequelize.transaction(...)) is read as BEGIN ... COMMIT around its calls.
    return { transaction: 'none', advice: { wrappedBy: 'the migration opens a transaction', outsideTransaction: 'run it outside `sequelize.transaction(...)`' } };
  },
  writer: {
    // sequelize-cli runs each query on its own: nothing to opt out of.
    outsideTransaction: 'marker',
    editor: scriptEditor((param, sql) => `${param}.sequelize.query(${sql})`),
    create(after, next, migrations) {
      const style = scriptStyle(after.up.files[0]!, /\bQueryInterface\b/);
      return numberedFiles(after, next, migrations, (version, m) => ({ [`${version}-${m.name.replace(/_/g, '-')}${style.extension}`]: sequelizeMigration(style, m) }));
    },
    optOut: (migration) => (migration.up.transaction === 'none' ? [] : null),
  },
};

/** `module.exports = { async up(queryInterface, Sequelize) {...}, async down(...) {...} }`, as sequelize-cli generates. */
function sequelizeMigration(style: ScriptStyle, m: NewMigration): string {
  const ind = style.indent;
  const method = (name: 'up' | 'down', statements: string[], notes: string[]) =>
    `${ind}async ${name}(queryInterface${style.typed ? ': QueryInterface' : ''}) {\n${[...notes.map((n) => `// ${n}`), ...statements.map((sql) => `await queryInterface.sequelize.query(${sqlLiteral(sql)});`)].map((line) => `${ind}${ind}${line}\n`).join('')}${ind}},\n`;
  const body = `${method('up', m.up, m.notes)}${m.down ? method('down', m.down, []) : ''}`;
  if (style.esm) return `${style.typed ? "import type { QueryInterface } from 'sequelize';\n\n" : ''}export default {\n${body}};\n`;
  return `'use strict';\n\n/** @type {import('sequelize-cli').Migration} */\nmodule.exports = {\n${body}};\n`;
}
