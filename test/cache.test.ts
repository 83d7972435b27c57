// The lint cache: the same findings with and without it, reuse while nothing changed, and exactly
// the directories whose inputs changed linted again (a migration, a side file, runner config
// outside the directory, the config, the target version). A corrupt or foreign cache is ignored and
// rewritten; a cache that cannot be written is skipped.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fixturesDir, lintWith, repoRoot, runCli, tempProject } from './helpers.js';

const cacheDir = () => mkdtempSync(path.join(tmpdir(), 'migsafe-cache-'));

describe('the CLI with --cache', () => {
  it('reports byte for byte what it reports without the cache, cold and warm, over the fixtures', () => {
    const project = mkdtempSync(path.join(tmpdir(), 'migsafe-cache-fixtures-'));
    cpSync(fixturesDir, project, { recursive: true });
    const cache = cacheDir();
    const plain = runCli(['lint', '.', '--format', 'json'], { cwd: project });
    const cold = runCli(['lint', '.', '--format', 'json', '--cache', '--cache-location', cache], { cwd: project });
    const warm = runCli(['lint', '.', '--format', 'json', '--cache', '--cache-location', cache], { cwd: project });
    expect(JSON.parse(plain.stdout).findings.length).toBeGreaterThan(100);
    expect(cold.stdout).toBe(plain.stdout);
    expect(warm.stdout).toBe(plain.stdout);
    expect([cold.status, warm.status]).toEqual([plain.status, plain.status]);
    expect(readdirSync(cache).filter((f) => f.endsWith('.json')).length).toBeGreaterThan(10);
    const text = runCli(['lint', '.', '--cache', '--cache-location', cache], { cwd: project });
    expect(text.stdout).toBe(runCli(['lint', '.'], { cwd: project }).stdout);
  });

  it('keeps the cache in node_modules/.cache/migsafe in a Node project, else in the user cache folder', () => {
    const node = tempProject({ 'node_modules/.keep': '', 'db/migrations/0001_a.up.sql': 'CREATE INDEX i ON users (email);\n' });
    runCli(['lint', 'db/migrations', '--cache'], { cwd: node });
    // One directory's entry, and the whole run's record with its output.
    expect(readdirSync(path.join(node, 'node_modules/.cache/migsafe')).filter((f) => !f.startsWith('run-')).length).toBe(1);
    const other = tempProject({ 'db/migrations/0001_a.up.sql': 'CREATE INDEX i ON users (email);\n' });
    const home = mkdtempSync(path.join(tmpdir(), 'migsafe-xdg-'));
    const run = spawnSync(process.execPath, [path.join(repoRoot, 'bin/migsafe.js'), 'lint', 'db/migrations', '--cache'], { cwd: other, env: { ...process.env, XDG_CACHE_HOME: home }, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(readdirSync(other)).toEqual(['db']);
    const [folder] = readdirSync(path.join(home, 'migsafe'));
    expect(readdirSync(path.join(home, 'migsafe', folder!)).filter((f) => !f.startsWith('run-')).length).toBe(1);
  });

  it('says so, and exits 2, when --cache-location is a file', () => {
    const project = tempProject({ 'db/0001_a.up.sql': 'SELECT 1;\n', 'not-a-folder': 'x' });
    const run = runCli(['lint', 'db', '--cache-location', 'not-a-folder'], { cwd: project });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--cache-location not-a-folder: not a folder/);
  });
});

describe('what the cache reuses and what it lints again', () => {
  const project = () =>
    tempProject({
      'a/0001_users.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n',
      'a/0002_index.up.sql': 'CREATE INDEX users_email_idx ON users (email);\n',
      'b/0001_orders.up.sql': 'CREATE TABLE orders (id bigint);\n',
      'b/0002_lock.up.sql': 'ALTER TABLE orders ADD COLUMN total int NOT NULL;\n',
    });
  const run = (cwd: string, cache: string, extra: Record<string, unknown> = {}) => lintWith({ paths: ['.'], cwd, cache, ...extra });
  const ids = (result: Awaited<ReturnType<typeof run>>) => result.diagnostics.map((d) => `${d.file}:${d.line}:${d.ruleId}`);

  it('reuses every directory when nothing changed, with the same findings', async () => {
    const cwd = project();
    const cache = cacheDir();
    const cold = await run(cwd, cache);
    const warm = await run(cwd, cache);
    expect(cold.cache).toEqual({ hits: 0, misses: 2 });
    expect(warm.cache).toEqual({ hits: 2, misses: 0 });
    expect(ids(warm)).toEqual(ids(cold));
    expect(ids(warm)).toContain('a/0002_index.up.sql:1:require-concurrent-index');
    expect(warm.summary).toEqual(cold.summary);
  });

  it('lints again the directory whose migration changed, and only it', async () => {
    const cwd = project();
    const cache = cacheDir();
    await run(cwd, cache);
    writeFileSync(path.join(cwd, 'a/0002_index.up.sql'), 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n');
    const after = await run(cwd, cache);
    expect(after.cache).toEqual({ hits: 1, misses: 1 });
    expect(ids(after)).not.toContain('a/0002_index.up.sql:1:require-concurrent-index');
  });

  it('lints again when an earlier migration of the directory changed what a later one meets', async () => {
    const cwd = project();
    const cache = cacheDir();
    await run(cwd, cache, { paths: ['a/0002_index.up.sql'] });
    // 0002's findings depend on the schema 0001 leaves: a change there is a change for 0002.
    writeFileSync(path.join(cwd, 'a/0001_users.up.sql'), 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE INDEX users_id_idx ON users (id);\n');
    const after = await run(cwd, cache, { paths: ['a/0002_index.up.sql'] });
    expect(after.cache).toEqual({ hits: 0, misses: 1 });
  });

  it('lints again when the target version or the rules configured change', async () => {
    const cwd = project();
    const cache = cacheDir();
    await run(cwd, cache);
    expect((await run(cwd, cache, { pgVersion: 11 })).cache).toEqual({ hits: 0, misses: 2 });
    expect((await run(cwd, cache, { rules: { 'require-concurrent-index': 'off' } })).cache).toEqual({ hits: 0, misses: 2 });
    const off = await run(cwd, cache, { rules: { 'require-concurrent-index': 'off' } });
    expect(off.cache).toEqual({ hits: 2, misses: 0 });
    expect(ids(off)).not.toContain('a/0002_index.up.sql:1:require-concurrent-index');
  });

  it('lints again when runner config outside the directory changes (a TypeORM DataSource)', async () => {
    const migration = [
      'import { MigrationInterface, QueryRunner } from "typeorm";',
      'export class A1700000000000 implements MigrationInterface {',
      '  transaction = false;',
      '  async up(queryRunner: QueryRunner) { await queryRunner.query(`CREATE INDEX CONCURRENTLY i ON t (a)`); }',
      '  async down(queryRunner: QueryRunner) { await queryRunner.query(`DROP INDEX i`); }',
      '}',
    ].join('\n');
    const cwd = tempProject({ 'package.json': '{}', 'src/migrations/1700000000000-A.ts': migration, 'src/data-source.ts': 'export default { migrationsTransactionMode: "all" };\n' });
    const cache = cacheDir();
    const before = await lintWith({ paths: ['src/migrations'], cwd, cache });
    expect(before.diagnostics.map((d) => d.ruleId)).toContain('transaction-opt-out-rejected');
    writeFileSync(path.join(cwd, 'src/data-source.ts'), 'export default { migrationsTransactionMode: "each" };\n');
    const after = await lintWith({ paths: ['src/migrations'], cwd, cache });
    expect(after.cache).toEqual({ hits: 0, misses: 1 });
    expect(after.diagnostics.map((d) => d.ruleId)).not.toContain('transaction-opt-out-rejected');
  });

  it('ignores and rewrites a corrupt or foreign cache file', async () => {
    const cwd = project();
    const cache = cacheDir();
    const cold = await run(cwd, cache);
    const entries = readdirSync(cache);
    writeFileSync(path.join(cache, entries[0]!), '{"format": 1, "dependencies": [["file:/x", "y"]], "outcome": {"findings": "not a list"}}');
    writeFileSync(path.join(cache, entries[1]!), '\u0000garbage');
    const again = await run(cwd, cache);
    expect(again.errors).toEqual([]);
    expect(again.cache).toEqual({ hits: 0, misses: 2 });
    expect(ids(again)).toEqual(ids(cold));
    expect(JSON.parse(readFileSync(path.join(cache, entries[1]!), 'utf8')).format).toBe(1);
    expect((await run(cwd, cache)).cache).toEqual({ hits: 2, misses: 0 });
  });

  it('lints on without caching where the cache cannot be written', async () => {
    const cwd = project();
    // A folder under a file cannot be made (this holds for root too, unlike permissions).
    const blocked = path.join(cwd, 'a/0001_users.up.sql', 'cache');
    const result = await run(cwd, blocked);
    expect(result.errors).toEqual([]);
    expect(result.cache).toEqual({ hits: 0, misses: 2 });
    expect(ids(result)).toContain('a/0002_index.up.sql:1:require-concurrent-index');
  });
});

// The whole-run cache (src/engine/run-cache.ts): a command whose every input is as it was prints the
// last output without linting; a replay leaves its record as it was, a run writes it again, which is
// what these tests read. Files are dated ten seconds back first: a file modified less than two
// seconds before a recorded run is never trusted by its time.
describe('the whole-run cache', () => {
  const age = (dir: string) => {
    const past = new Date(Date.now() - 10_000);
    const visit = (p: string) => {
      if (statSync(p).isDirectory()) for (const name of readdirSync(p)) visit(path.join(p, name));
      utimesSync(p, past, past);
    };
    visit(dir);
  };
  const setup = () => {
    const cwd = tempProject({
      'db/0001_users.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n',
      'db/0002_index.up.sql': 'CREATE INDEX users_email_idx ON users (email);\n',
    });
    age(cwd);
    return { cwd, cache: cacheDir() };
  };
  const lintCached = (cwd: string, cache: string, ...args: string[]) => runCli(['lint', 'db', '--format', 'json', '--cache', '--cache-location', cache, ...args], { cwd });
  const record = (cache: string) => {
    const file = readdirSync(cache).find((f) => f.startsWith('run-') && f.endsWith('.json'));
    return file ? readFileSync(path.join(cache, file), 'utf8') : null;
  };
  const rules = (run: { stdout: string }) => (JSON.parse(run.stdout) as { findings: { file: string; ruleId: string }[] }).findings.map((f) => `${f.file}:${f.ruleId}`);

  it('replays the same output and exit code while nothing changed', () => {
    const { cwd, cache } = setup();
    const first = lintCached(cwd, cache);
    const recorded = record(cache);
    expect(recorded).not.toBeNull();
    const second = lintCached(cwd, cache);
    expect(record(cache)).toBe(recorded);
    expect(second.stdout).toBe(first.stdout);
    expect(second.status).toBe(first.status);
    expect(rules(second)).toContain('db/0002_index.up.sql:require-concurrent-index');
  });

  it('lints again when a migration changes, one is added, the config changes, or the record is damaged', () => {
    const { cwd, cache } = setup();
    lintCached(cwd, cache);
    const changes: [string, () => void, (run: { stdout: string }) => void][] = [
      ['a migration edited', () => writeFileSync(path.join(cwd, 'db/0002_index.up.sql'), 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n'), (run) => expect(rules(run)).not.toContain('db/0002_index.up.sql:require-concurrent-index')],
      ['a migration added', () => writeFileSync(path.join(cwd, 'db/0003_drop.up.sql'), 'DROP TABLE users;\n'), (run) => expect(rules(run)).toContain('db/0003_drop.up.sql:drop-table')],
      ['a config added', () => writeFileSync(path.join(cwd, 'migsafe.config.json'), JSON.stringify({ rules: { 'drop-table': 'off' } })), (run) => expect(rules(run)).not.toContain('db/0003_drop.up.sql:drop-table')],
      ['a folder for a migration added', () => mkdirSync(path.join(cwd, 'db/sub')), () => undefined],
      ['the record damaged', () => writeFileSync(path.join(cache, readdirSync(cache).find((f) => f.startsWith('run-') && f.endsWith('.json'))!), '{"format": 1, "files": 3}'), () => undefined],
      ['its output removed', () => rmSync(path.join(cache, readdirSync(cache).find((f) => f.endsWith('.out'))!)), () => undefined],
    ];
    for (const [what, change, check] of changes) {
      const before = record(cache);
      change();
      const run = lintCached(cwd, cache);
      expect([what, run.stderr]).toEqual([what, '']);
      expect([what, record(cache) !== before]).toEqual([what, true]);
      check(run);
      age(cwd);
      // The run just made is the new record: replayed next time.
      lintCached(cwd, cache);
      const settled = record(cache);
      const replayed = lintCached(cwd, cache);
      expect([what, replayed.stdout === run.stdout, replayed.status === run.status, record(cache) === settled]).toEqual([what, true, true, true]);
    }
  });

  it('trusts no time within two seconds of the recorded run: an edit in the same tick is linted', () => {
    const { cwd, cache } = setup();
    const file = path.join(cwd, 'db/0002_index.up.sql');
    writeFileSync(file, 'CREATE INDEX users_email_idx ON users (email);\n');
    const { mtime } = statSync(file);
    lintCached(cwd, cache);
    // Same size, and the very time the recorded run saw: only the content differs.
    writeFileSync(file, 'CREATE INDEX users_email_idy ON users (email);\n');
    utimesSync(file, mtime, mtime);
    const run = lintCached(cwd, cache);
    // The safe rewrite names the index as the migration now does.
    expect(JSON.stringify(JSON.parse(run.stdout).findings)).toContain('users_email_idy');
  });

  it('is not used for --staged, standard input, --output or a different command', () => {
    const { cwd, cache } = setup();
    lintCached(cwd, cache);
    const recorded = readdirSync(cache).filter((f) => f.startsWith('run-')).sort();
    runCli(['lint', 'db', '--format', 'json', '--cache', '--cache-location', cache, '-o', path.join(cwd, 'out.json')], { cwd });
    runCli(['lint', '--stdin', '--stdin-filename', 'db/0003.up.sql', '--cache', '--cache-location', cache], { cwd, input: 'SELECT 1;\n' });
    expect(readdirSync(cache).filter((f) => f.startsWith('run-')).sort()).toEqual(recorded);
    lintCached(cwd, cache, '--rule', 'require-concurrent-index=off');
    expect(readdirSync(cache).filter((f) => f.startsWith('run-')).length).toBe(recorded.length * 2);
  });
});
