import { tsv } from '../typescript-lazy.js';
import { verdict, type FrameworkLowerer, type LowerContext, type ScriptFramework } from './framework.js';
import { bool, prop, str, type JsValue } from '../script-values.js';
import { attempt, defaultSql, ident, literal, need, Unlowerable } from './lowering.js';
import { prependToHalf, scriptEditor, scriptMigration, scriptStyle } from '../../fix/script-editor.js';
import { numberedFiles } from '../../fix/writer.js';

// node-pg-migrate: the MigrationBuilder (https://salsita.github.io/node-pg-migrate/migrations/), and
// how its runner wraps each migration.

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


export const nodePgMigrate: ScriptFramework = {
  name: 'node-pg-migrate',
  imports: /['"]node-pg-migrate['"]/,
  recognise: (_migration, param) => param === 'pgm',
  lowerer: pgmLowerer,
  runs(migration, half) {
    // Observed: BEGIN/COMMIT around each migration unless that half calls pgm.noTransaction() (with
    // --single-transaction, its default, the run's transaction is committed around it).
    const off = new RegExp(`\\b${half.param || 'pgm'}\\.noTransaction\\(`).test(migration.ev.text(half.fn));
    return verdict(!off, 'node-pg-migrate runs each migration in a transaction', 'put it in its own migration that calls `pgm.noTransaction()`');
  },
  writer: {
    // After pgm.noTransaction() each operation runs on its own (observed: node-pg-migrate.test.ts).
    outsideTransaction: 'marker',
    editor: scriptEditor((param, sql) => `${param}.sql(${sql})`, { awaits: false }),
    create(after, next, migrations) {
      const style = scriptStyle(after.up.files[0]!, PGM_TYPE);
      return numberedFiles(after, next, migrations, (version, m) => ({
        [`${version}_${m.name}${style.extension}`]: scriptMigration(style, m, {
          typeImport: "import type { MigrationBuilder } from 'node-pg-migrate';\n",
          param: 'pgm',
          paramType: 'MigrationBuilder',
          async: false,
          call: (sql) => `pgm.sql(${sql});`,
          optOutLine: 'pgm.noTransaction();',
        }),
      }));
    },
    optOut(migration) {
      if (migration.up.transaction === 'none') return [];
      const edit = prependToHalf(migration.up.files[0]!, 'up', (param) => `${param}.noTransaction();`);
      return edit ? [edit] : null;
    },
  },
};

const PGM_TYPE = /import\s+(type\s+)?\{[^}]*\bMigrationBuilder\b/;
