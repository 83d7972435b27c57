import type ts from 'typescript';
import { tsv } from '../typescript-lazy.js';
import { verdict, type FrameworkLowerer, type LowerContext, type ScriptFramework } from './framework.js';
import { str, type JsValue } from '../script-values.js';
import { attempt, callChain, defaultSql, ident, literal, need, Unlowerable } from './lowering.js';
import { scriptEditor, scriptMigration, scriptStyle } from '../../fix/script-editor.js';
import { numberedFiles } from '../../fix/writer.js';

// Kysely: schema builder chains ending in .execute() (https://kysely.dev/docs/migrations), and how
// its Migrator runs migrations.

const kyselyLowerer: FrameworkLowerer = {
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


export const kysely: ScriptFramework = {
  name: 'kysely',
  imports: /['"]kysely['"]/,
  recognise: (migration, param) => new RegExp(`\\b${param}\\.schema\\b`).test(migration.text) && /\.execute\(\)/.test(migration.text),
  lowerer: kyselyLowerer,
  // The Migrator is built in the application's code: `disableTransactions` comes from migsafe's config.
  settings: (project) => ({ disableTransactions: false, ...project.override('kysely') }),
  // Observed: the Migrator runs each migration in a transaction on PostgreSQL (a dialect with
  // transactional DDL) unless it was built with disableTransactions.
  runs: (_migration, _half, settings) =>
    verdict(
      !settings.disableTransactions,
      "Kysely's Migrator runs each migration in a transaction on PostgreSQL",
      'run it with a Migrator built with `disableTransactions: true` (Kysely has no per-migration opt-out; then tell migsafe: `runners: { kysely: { disableTransactions: true } }`)',
    ),
  writer: {
    outsideTransaction: 'marker',
    // `sql` from kysely, as the migration imports it.
    editor: scriptEditor((param, text) => `sql.raw(${text}).execute(${param})`, { awaits: true, needs: { text: /\bsql\b[^;\n]*(from\s+['"]kysely['"]|require\(\s*['"]kysely['"])/, why: "the migration does not import `sql` from kysely, which the SQL migsafe fix writes runs with" } }),
    create(after, next, migrations) {
      if (migrations.some((m) => m.outsideTransaction || m.downOutsideTransaction) && after.up.transaction !== 'none') {
        return { error: `Kysely's Migrator runs each migration in a transaction: ${after.up.runner?.outsideTransaction ?? 'build it with disableTransactions: true'}` };
      }
      const file = after.up.files[0]!;
      const style = scriptStyle(file, /\bKysely\b/);
      return numberedFiles(after, next, migrations, (version, m) => ({
        [`${version}_${m.name}${style.extension}`]: scriptMigration(style, m, {
          typeImport: '',
          imports: style.esm ? `import { ${style.typed ? 'Kysely, ' : ''}sql } from 'kysely';\n` : "const { sql } = require('kysely');\n",
          param: 'db',
          paramType: 'Kysely<any>',
          async: true,
          call: (text) => `await sql.raw(${text}).execute(db);`,
        }),
      }));
    },
    optOut: (migration) => (migration.up.transaction === 'none' ? [] : null),
  },
};
