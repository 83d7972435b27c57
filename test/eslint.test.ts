// The ESLint plugin (migsafe/eslint): the same findings as the CLI for every fixture, the SQL
// language with ESLint's disable comments, suggestions, and configs as documented.
import path from 'node:path';
import { ESLint, RuleTester, type Linter, type Rule } from 'eslint';
import fg from 'fast-glob';
import tseslint from 'typescript-eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { fixturesDir, runCli, tempProject } from './helpers.js';

// The plugin as users import it: the built package entry `migsafe/eslint`.
// (A specifier TypeScript does not resolve: the build has no declarations; its types are the source's.)
const builtEntry = '../dist/src/eslint/index.js';
const { default: built } = await import(builtEntry);
const plugin = built as unknown as ESLint.Plugin & { rules: Record<string, Rule.RuleModule>; configs: Record<string, Linter.Config[]> };

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;
(RuleTester as unknown as { afterAll: typeof afterAll }).afterAll = afterAll;

const allRules: Linter.RulesRecord = Object.fromEntries(Object.keys(plugin.rules).map((id) => [`migsafe/${id}`, 'error' as const]));

describe('ESLint over the fixtures', () => {
  const files = fg.sync('**/*.{sql,ts,js}', { cwd: fixturesDir, ignore: ['**/verify/**'] }).sort();
  let eslintFindings: Map<string, string[]>;
  let cliFindings: Map<string, string[]>;

  beforeAll(async () => {
    const eslint = new ESLint({
      cwd: fixturesDir,
      overrideConfigFile: true,
      overrideConfig: [
        ...plugin.configs.recommended,
        { files: ['**/*.{js,ts}'], plugins: { migsafe: plugin }, rules: allRules },
        { files: ['**/*.sql'], rules: allRules },
        { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
      ],
    });
    const results = await eslint.lintFiles(files);
    eslintFindings = new Map(results.map((r) => [path.relative(fixturesDir, r.filePath), r.messages.map((m) => `${m.line}:${m.column}:${m.ruleId}`).sort()]));
    for (const r of results) for (const m of r.messages) if (m.fatal) throw new Error(`${r.filePath}: ${m.message}`);
    const cli = JSON.parse(runCli(['lint', '.', '--format', 'json'], { cwd: fixturesDir }).stdout);
    cliFindings = new Map();
    for (const f of cli.findings) cliFindings.set(f.file, [...(cliFindings.get(f.file) ?? []), `${f.line}:${f.column}:migsafe/${f.ruleId}`]);
  }, 120_000);

  it.each(files)('%s: the same rule ids, lines and columns as the CLI', (file) => {
    expect(eslintFindings.get(file)).toEqual((cliFindings.get(file) ?? []).sort());
  });

  it('covers fixtures with findings in SQL, TS and JS', () => {
    const withFindings = files.filter((f) => (eslintFindings.get(f) ?? []).length > 0);
    expect(withFindings.some((f) => f.endsWith('.sql'))).toBe(true);
    expect(withFindings.some((f) => f.endsWith('.ts'))).toBe(true);
    expect(withFindings.some((f) => f.endsWith('.js'))).toBe(true);
  });
});

describe('a JS config without a files scope, with the recommended config as documented', () => {
  it('does not crash on .sql files, and migsafe still reports', async () => {
    const eslint = new ESLint({
      cwd: fixturesDir,
      overrideConfigFile: true,
      overrideConfig: [{ rules: { 'no-unused-vars': 'error', semi: 'error', eqeqeq: 'error' } }, ...plugin.configs.recommended],
    });
    const [result] = await eslint.lintFiles(['rules/require-concurrent-index/invalid/index_existing_table.sql']);
    expect(result!.messages.map((m) => `${m.line}:${m.ruleId}`)).toEqual(['2:migsafe/require-concurrent-index', '3:migsafe/require-concurrent-index']);
  });
});

describe('ESLint disable comments in SQL', () => {
  const lintSql = async (code: string) => {
    const eslint = new ESLint({ cwd: fixturesDir, overrideConfigFile: true, overrideConfig: [...plugin.configs.recommended, { linterOptions: { reportUnusedDisableDirectives: 'error' as const } }] });
    const [result] = await eslint.lintText(code, { filePath: path.join(fixturesDir, 'virtual/db/001.sql') });
    return result!.messages.map((m) => `${m.line}:${m.ruleId ?? m.message}`);
  };

  it('-- eslint-disable-next-line with a reason silences the next line only', async () => {
    expect(await lintSql("SET lock_timeout = '5s';\n-- eslint-disable-next-line migsafe/require-concurrent-index -- 40 rows\nCREATE INDEX i ON users (a);\nCREATE INDEX j ON users (b);\n")).toEqual(['4:migsafe/require-concurrent-index']);
  });

  it('block disable/enable pairs, and unused directives are reported', async () => {
    expect(await lintSql("SET lock_timeout = '5s';\n/* eslint-disable migsafe/require-concurrent-index */\nCREATE INDEX i ON users (a);\n/* eslint-enable migsafe/require-concurrent-index */\n-- eslint-disable-next-line migsafe/drop-column\nSELECT 1;\n")).toEqual([
      "5:Unused eslint-disable directive (no problems were reported from 'migsafe/drop-column').",
    ]);
  });
});

const ruleTester = new RuleTester({ plugins: { migsafe: plugin }, language: 'migsafe/sql' });

/** TS/JS migrations, read with typescript-eslint's parser as the recommended config does. */
function scriptTesterFor(title: string, ruleId: string, cases: Parameters<RuleTester['run']>[2]): void {
  new RuleTester({ plugins: { migsafe: plugin }, languageOptions: { parser: tseslint.parser } }).run(title, plugin.rules[ruleId], cases);
}
const file = (name: string) => path.join('/virtual/migsafe-eslint', name);

ruleTester.run('require-concurrent-index (suggestions, disable comments)', plugin.rules['require-concurrent-index'], {
  valid: [
    { code: "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY i ON users (a);\n", filename: file('db/001_a.sql') },
    { code: '-- migsafe-ignore require-concurrent-index: small table\nCREATE INDEX i ON users (a);\n', filename: file('db/001_d.sql') },
  ],
  invalid: [
    {
      code: 'CREATE INDEX users_a_idx ON users (a);\n',
      filename: file('plain/001.sql'),
      errors: [{ messageId: 'finding', line: 1, column: 1, endLine: 1, endColumn: 39, suggestions: [{ messageId: 'addConcurrently', output: 'CREATE INDEX CONCURRENTLY users_a_idx ON users (a);\n' }] }],
    },
    {
      code: '-- +goose Up\nCREATE UNIQUE INDEX users_b_idx ON users (b);\n-- +goose Down\nDROP INDEX users_b_idx;\n',
      filename: file('goose/00001_b.sql'),
      errors: [{ messageId: 'finding', line: 2, column: 1, suggestions: [{ messageId: 'addConcurrently', output: '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE UNIQUE INDEX CONCURRENTLY users_b_idx ON users (b);\n-- +goose Down\nDROP INDEX users_b_idx;\n' }] }],
    },
    {
      code: '-- eslint-disable-next-line migsafe/drop-column -- another rule is disabled, not this one\nCREATE INDEX i ON users (a);\n',
      filename: file('db/002.sql'),
      errors: [{ messageId: 'finding', line: 2, suggestions: [{ messageId: 'addConcurrently', output: '-- eslint-disable-next-line migsafe/drop-column -- another rule is disabled, not this one\nCREATE INDEX CONCURRENTLY i ON users (a);\n' }] }],
    },
    {
      // golang-migrate sends the file as one query: CONCURRENTLY beside another statement would fail
      // in its implicit transaction, so no suggestion that migsafe would then report.
      code: 'ALTER TABLE users ADD COLUMN a int;\nCREATE INDEX users_a_idx ON users (a);\n',
      filename: file('golang/000001_a.up.sql'),
      errors: [{ messageId: 'finding', line: 2, suggestions: [] }],
    },
  ],
});

scriptTesterFor('require-concurrent-index (TS/JS suggestions)', 'require-concurrent-index', {
  valid: [],
  invalid: [
    {
      // knex: CONCURRENTLY and the migration's opt-out, which migsafe then accepts.
      code: "exports.up = (knex) => knex.raw('CREATE INDEX i ON t (a)');\nexports.down = (knex) => knex.raw('DROP INDEX i');\n",
      filename: file('knex-s/001.js'),
      errors: [{ messageId: 'finding', line: 1, suggestions: [{ messageId: 'addConcurrently', output: "exports.config = { transaction: false };\nexports.up = (knex) => knex.raw('CREATE INDEX CONCURRENTLY i ON t (a)');\nexports.down = (knex) => knex.raw('DROP INDEX i');\n" }] }],
    },
    {
      // TypeORM (default mode "all"): CONCURRENTLY alone would fail in its transaction: no suggestion.
      code: 'import { MigrationInterface, QueryRunner } from "typeorm";\nexport class A1700000000000 implements MigrationInterface {\n  async up(queryRunner: QueryRunner) {\n    await queryRunner.query(`CREATE INDEX i ON t (a)`);\n  }\n  async down(queryRunner: QueryRunner) {\n    await queryRunner.query(`DROP INDEX i`);\n  }\n}\n',
      filename: file('typeorm-s/1700000000000-A.ts'),
      errors: [{ messageId: 'finding', line: 4, suggestions: [] }],
    },
  ],
});

const scriptTester = new RuleTester({ plugins: { migsafe: plugin } });

scriptTester.run('concurrently-in-transaction (TS/JS)', plugin.rules['concurrently-in-transaction'], {
  valid: [
    { code: "exports.config = { transaction: false };\nexports.up = (knex) => knex.raw('CREATE INDEX CONCURRENTLY i ON t (a)');\nexports.down = (knex) => knex.raw('DROP INDEX i');\n", filename: file('knex/001.js') },
  ],
  invalid: [
    {
      code: "exports.up = (knex) => knex.raw('CREATE INDEX CONCURRENTLY i ON t (a)');\nexports.down = (knex) => knex.raw('DROP INDEX i');\n",
      filename: file('knex/002.js'),
      errors: [{ messageId: 'finding', line: 1, column: 34 }],
    },
  ],
});

describe('plugin shape', () => {
  it('has one rule per lint rule, with docs and messages, and recommended configs with the CLI severities', () => {
    expect(Object.keys(plugin.rules)).toContain('require-concurrent-index');
    expect(Object.keys(plugin.rules)).not.toContain('verify-down-mismatch');
    for (const rule of Object.values(plugin.rules) as { meta: { docs: { url: string; description: string }; messages: Record<string, string> } }[]) {
      expect(rule.meta.docs.url).toMatch(/^https:\/\//);
      expect(rule.meta.docs.description.length).toBeGreaterThan(10);
      expect(rule.meta.messages.finding).toBe('{{message}}');
    }
    const sql = plugin.configs.recommended![0]!;
    expect(sql.language).toBe('migsafe/sql');
    expect(sql.rules!['migsafe/require-concurrent-index']).toBe('error');
    expect(sql.rules!['migsafe/drop-column']).toBe('warn');
  });
});

describe('one analysis per migration directory', () => {
  it('is reused across the files of a directory and redone when one of them changes on disk, or is edited unsaved', async () => {
    const dir = tempProject({
      'migrations/0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email varchar(50));\n',
      'migrations/0002_widen.sql': "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN email TYPE varchar(100);\n",
      'migrations/0003_more.sql': 'SELECT 1;\n',
    }, 'migsafe-eslint-dir-');
    const eslint = new ESLint({ cwd: dir, overrideConfigFile: true, overrideConfig: [...plugin.configs.recommended] as Linter.Config[] });
    const found = async () => (await eslint.lintFiles(['migrations'])).flatMap((r) => r.messages.map((m) => `${path.basename(r.filePath)}:${m.line}:${m.ruleId}`)).sort();
    // Widening a varchar rewrites nothing.
    expect(await found()).toEqual([]);
    // An earlier migration changes on disk: the later one is judged against the new schema.
    writeFileSync(path.join(dir, 'migrations/0001_users.sql'), 'CREATE TABLE users (id bigint PRIMARY KEY, email int);\n');
    expect(await found()).toEqual(['0002_widen.sql:2:migsafe/column-type-rewrite']);
    writeFileSync(path.join(dir, 'migrations/0003_more.sql'), 'LOCK TABLE users;\n');
    expect(await found()).toEqual(['0002_widen.sql:2:migsafe/column-type-rewrite', '0003_more.sql:1:migsafe/lock-table', '0003_more.sql:1:migsafe/require-lock-timeout']);
    // An editor's unsaved text is linted as it is, with the directory on disk as context.
    const [unsaved] = await eslint.lintText("SET lock_timeout = '5s';\nLOCK TABLE users;\n", { filePath: path.join(dir, 'migrations/0002_widen.sql') });
    expect(unsaved!.messages.map((m) => `${m.line}:${m.ruleId}`)).toEqual(['2:migsafe/lock-table']);
  });
});
