// Advice that deploys: every finding over fixtures/ that carries a rewrite is checked on PostgreSQL
// (PGlite). The schema the statement meets is built first: the migrations before it, the statements
// before it in its half, and, for what the fixture takes for granted (a table it alters, a column
// it indexes), stub objects made from PostgreSQL's own "does not exist" errors until the original
// statement runs. Then the rewrite runs, migration by migration, and must succeed; and migsafe,
// linting the same schema followed by the rewrite, must not report the same rule again.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover } from '../src/discover/discover.js';
import { loadConfig } from '../src/engine/config.js';
import { lint, type LintResult } from '../src/engine/lint.js';
import { readDirectory } from '../src/engine/lint-directories.js';
import { DEFAULT_PLACEHOLDERS } from '../src/engine/config-settings.js';
import type { Diagnostic, Migration, Statement } from '../src/engine/types.js';
import { openPglite, type Database } from '../src/trace/database.js';
import { fixturesDir, lintWith, tempProject } from './helpers.js';

let result: LintResult;
let migrationsByFile: Map<string, { migrations: Migration[]; migration: Migration }>;
let db: Database;

beforeAll(async () => {
  const config = await loadConfig(fixturesDir, 'migsafe.config.json');
  result = await lint({ paths: ['.'], cwd: fixturesDir, config });
  const placeholders = DEFAULT_PLACEHOLDERS.map((p) => new RegExp(p, 'g'));
  migrationsByFile = new Map();
  for (const directory of discover(['.'], { cwd: fixturesDir }).directories) {
    const migrations = readDirectory(directory, { cwd: fixturesDir, contents: {} }, new Map(), { placeholders });
    for (const migration of migrations) for (const file of migration.files) migrationsByFile.set(file.relPath, { migrations, migration });
  }
  db = await openPglite();
}, 120_000);

afterAll(async () => {
  await db?.close();
});

/** A rewrite's SQL with the template placeholders migsafe restored filled again, as in the statement it came from. */
function filledLike(statement: Statement, sql: string): string {
  let filled = sql;
  for (const [identifier, original] of statement.placeholders ?? []) filled = filled.split(original).join(identifier);
  return filled;
}

/** The statement a finding is about, and the statements that run before it. */
function context(finding: Diagnostic): { before: string[]; statement: Statement } {
  const entry = migrationsByFile.get(path.relative(fixturesDir, path.resolve(fixturesDir, finding.file)).split(path.sep).join('/'));
  if (!entry) throw new Error(`no migration read from ${finding.file}`);
  const { migrations, migration } = entry;
  const half = finding.section === 'down' ? migration.down! : migration.up;
  const offset = offsetOf(half.statements[0]?.file.text ?? '', finding.line, finding.column);
  // Several statements can stand at one place (a DO block and the EXECUTE in it, a knex column and
  // its foreign key): the finding's own text picks one.
  const at = (s: Statement) => s.span.start <= offset && offset <= s.span.end && !!s.ast;
  const exact = half.statements.findIndex((s) => at(s) && s.text === finding.statementText);
  const index = exact >= 0 ? exact : half.statements.findIndex(at);
  if (index < 0) throw new Error(`no statement at ${finding.file}:${finding.line}:${finding.column}`);
  const sql = (statements: Statement[]) => statements.filter((s) => s.ast && !s.parseError).map((s) => s.text);
  const earlier = migrations.slice(0, migrations.indexOf(migration)).flatMap((m) => sql(m.up.statements));
  const before = finding.section === 'down' ? [...sql(migration.up.statements), ...sql(half.statements.slice(0, index))] : sql(half.statements.slice(0, index));
  return { before: [...earlier, ...before], statement: half.statements[index]! };
}

function offsetOf(text: string, line: number, column: number): number {
  const lines = text.split('\n');
  return lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0) + column - 1;
}

async function attempt(sql: string): Promise<string | null> {
  try {
    await db.exec(sql);
    return null;
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    return (error as Error).message;
  }
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const qualified = (name: string) => name.split('.').map(quote).join('.');

/**
 * Creates what the statement needs and the fixture never created, from PostgreSQL's own errors, until
 * the statement runs (in a transaction, rolled back). Returns the SQL that made the stubs.
 */
async function stubFor(statement: Statement): Promise<{ stubs: string[]; error: string | null; applied: boolean }> {
  const stubs: string[] = [];
  const original = statement.text;
  const ast = statement.ast!;
  // Objects whose kind the error does not say: made whole, before the first try.
  if (ast.RefreshMatViewStmt) {
    const view = qualified([ast.RefreshMatViewStmt.relation.schemaname, ast.RefreshMatViewStmt.relation.relname].filter(Boolean).join('.'));
    stubs.push(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${view} AS SELECT 1 AS id`, `CREATE UNIQUE INDEX IF NOT EXISTS stub_refresh_idx ON ${view} (id)`);
  }
  for (const item of ast.AlterTableStmt?.cmds ?? []) {
    const cmd = item.AlterTableCmd;
    if (cmd?.subtype === 'AT_DetachPartition') {
      const parent = qualified(ast.AlterTableStmt.relation.relname);
      stubs.push(`CREATE TABLE IF NOT EXISTS ${parent} (id int) PARTITION BY RANGE (id)`, `CREATE TABLE IF NOT EXISTS ${qualified(cmd.def.PartitionCmd.name.relname)} PARTITION OF ${parent} FOR VALUES FROM (0) TO (100)`);
    }
  }
  for (const sql of stubs) await attempt(sql);
  let error: string | null = null;
  for (let round = 0; round < 25; round++) {
    error = await attempt(`BEGIN; ${original}; ROLLBACK;`);
    if (!error) return { stubs, error: null, applied: false };
    // A statement refused in a transaction block (CONCURRENTLY) is tried, and left, applied.
    if (/cannot run inside a transaction block/.test(error)) {
      error = await attempt(original);
      if (!error) return { stubs, error: null, applied: true };
    }
    let stub: string | null = null;
    let match: RegExpExecArray | null;
    if ((match = /^relation "(.+?)" does not exist/.exec(error)) && ast.ReindexStmt?.kind === 'REINDEX_OBJECT_INDEX') stub = `CREATE TABLE IF NOT EXISTS stub_indexed (id bigint); CREATE INDEX ${qualified(match[1]!)} ON stub_indexed (id)`;
    else if ((match = /^relation "(.+?)" does not exist/.exec(error))) stub = `CREATE TABLE ${qualified(match[1]!)} (id bigint)`;
    else if ((match = /^index "(.+?)" does not exist/.exec(error))) stub = `CREATE TABLE IF NOT EXISTS stub_indexed (id bigint); CREATE INDEX ${quote(match[1]!)} ON stub_indexed (id)`;
    else if ((match = /^column "(.+?)" (?:of relation "(.+?)" )?does not exist/.exec(error))) {
      const table = match[2] ?? relationOf(ast);
      stub = table ? `ALTER TABLE ${qualified(table)} ADD COLUMN ${quote(match[1]!)} ${columnType(original, match[1]!)}` : null;
    } else if ((match = /^column "(.+?)" (?:named in key|referenced in foreign key constraint) does not exist/.exec(error))) {
      const table = relationOf(ast);
      stub = table ? `ALTER TABLE ${qualified(table)} ADD COLUMN ${quote(match[1]!)} ${columnType(original, match[1]!)}` : null;
    } else if ((match = /^there is no unique constraint matching given keys for referenced table "(.+?)"/.exec(error))) {
      stub = `CREATE UNIQUE INDEX ON ${qualified(match[1]!)} (id)`;
    } else if ((match = /^function (\w+)\(\) does not exist/.exec(error))) stub = `CREATE FUNCTION ${match[1]}() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$`;
    else if ((match = /^schema "(.+?)" does not exist/.exec(error))) stub = `CREATE SCHEMA ${quote(match[1]!)}`;
    else if ((match = /^type "(.+?)" does not exist/.exec(error))) stub = `CREATE DOMAIN ${qualified(match[1]!)} AS text`;
    else if ((match = /^constraint "(.+?)" of relation "(.+?)" does not exist/.exec(error))) stub = `ALTER TABLE ${qualified(match[2]!)} ADD CONSTRAINT ${quote(match[1]!)} CHECK (true) NOT VALID`;
    if (!stub) break;
    const failed = await attempt(stub);
    if (failed) return { stubs, error: `${error} (and the stub failed: ${failed})`, applied: false };
    stubs.push(stub);
  }
  return { stubs, error, applied: false };
}

/** The table an ALTER TABLE or CREATE INDEX names. */
function relationOf(ast: Record<string, any>): string | null {
  const relation = ast.AlterTableStmt?.relation ?? ast.IndexStmt?.relation;
  return relation ? [relation.schemaname, relation.relname].filter(Boolean).join('.') : null;
}

/** A stub column's type: what the statement compares it with, else bigint (keys) or text. */
function columnType(sql: string, column: string): string {
  if (new RegExp(`\\b${column}\\b\\s*(>=|<=|>|<)\\s*\\d`, 'i').test(sql)) return 'numeric';
  return /(^|_)id$/i.test(column) ? 'bigint' : 'text';
}

// Expand/contract plans (renames, type changes) need the column's real type and the application
// writing between their steps: test/fix.test.ts runs them on a schema of their own.
const withRewrite = () => result.diagnostics.filter((d) => d.rewrite && !d.rewrite.proposal);

describe('every rewrite over fixtures/ runs on PostgreSQL and is clean of its rule', () => {
  it('fixtures carry rewrites for every rule that builds one', () => {
    const rules = new Set(withRewrite().map((d) => d.ruleId));
    for (const rule of ['require-concurrent-index', 'constraint-without-not-valid', 'constraint-builds-index', 'set-not-null-scan', 'add-column-rewrite', 'incomplete-down', 'require-lock-timeout', 'rename-table']) {
      expect(rules).toContain(rule);
    }
  });

  it('each one', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const finding of withRewrite()) {
      const where = `${finding.file}:${finding.line} ${finding.ruleId}`;
      await db.reset();
      const { before, statement } = context(finding);
      for (const sql of before) await attempt(sql);
      const { stubs, error, applied } = await stubFor(statement);
      if (error) {
        failures.push(`${where}: the original statement cannot be set up on PostgreSQL: ${error}`);
        continue;
      }
      // The rewrite, as the migrations it names: new ones after the statement's schema, or the
      // statements added to this migration's down after its up.
      const rewrite = finding.rewrite!;
      const statements = rewrite.migrations.flatMap((m) => m.statements.map((sql) => filledLike(statement, sql)));
      if (rewrite.addTo === 'down' && !applied) await attempt(statement.text);
      for (const sql of statements) {
        const failed = await attempt(sql);
        if (failed) failures.push(`${where}: ${sql}: ${failed}`);
      }
      // migsafe on the same schema then the rewrite: the rule is not reported again.
      const goose = (sqls: string[], outside: boolean) => `${outside ? '-- +goose NO TRANSACTION\n' : ''}-- +goose Up\n${sqls.map((s) => `${s};`).join('\n')}\n`;
      const files: Record<string, string> = { 'm/0001_schema.sql': goose([...before, ...stubs], true) };
      if (rewrite.addTo === 'down') {
        files['m/0002_target.sql'] = `-- +goose Up\n${statement.text};\n-- +goose Down\n${statements.map((s) => `${s};`).join('\n')}\n`;
      } else {
        rewrite.migrations.forEach((m, i) => (files[`m/00${10 + i}_rewrite.sql`] = goose(m.statements.map((sql) => filledLike(statement, sql)), !!m.outsideTransaction)));
      }
      const dir = tempProject(files, 'migsafe-rewrite-');
      const relint = await lintWith({ paths: ['m'], cwd: dir });
      const again = relint.diagnostics.filter((d) => d.ruleId === finding.ruleId && !d.file.endsWith('0001_schema.sql'));
      if (again.length) failures.push(`${where}: the rewrite is reported again: ${again.map((d) => `${d.file}:${d.line} ${d.message}`).join('; ')}`);
      checked++;
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(withRewrite().length);
  }, 300_000);
});
