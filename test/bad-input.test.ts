// Bad input and faults, each as a user meets it through the CLI: every run ends (within the bound
// runCli sets), says why, and loses no finding of the files around the bad one.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discover } from '../src/discover/discover.js';
import { lintDirectories } from '../src/engine/lint-directories.js';
import { repoRoot, runCli, tempProject, emptyConfig } from './helpers.js';

const INDEX = (table: string) => `CREATE INDEX ${table}_idx ON ${table} (id);\n`;
type Finding = { file: string; line: number; ruleId: string; message: string };
const lintJson = (args: string[], cwd: string) => {
  const run = runCli(['lint', ...args, '--format', 'json'], { cwd, timeoutMs: 60_000 });
  return { ...run, findings: (run.stdout ? JSON.parse(run.stdout).findings : []) as Finding[] };
};
const ids = (findings: Finding[]) => findings.map((f) => `${f.file}:${f.line}:${f.ruleId}`);

describe('discovery', () => {
  it('symlink cycles are walked once: each file reported once, the run ends', () => {
    const dir = tempProject({ 'db/0001.sql': 'CREATE TABLE t (id int);\n', 'db/0002.sql': INDEX('t') });
    symlinkSync('.', path.join(dir, 'db/a'));
    symlinkSync('.', path.join(dir, 'db/b'));
    symlinkSync('..', path.join(dir, 'db/up'));
    const run = lintJson(['.'], dir);
    expect(run.status).toBe(1);
    expect(ids(run.findings)).toEqual(['db/0002.sql:1:require-concurrent-index', 'db/0002.sql:1:require-lock-timeout']);
  });

  it('file names with backslashes, brackets and glob characters are read as they are', () => {
    const dir = tempProject({ 'db/0001_a\\b.sql': 'CREATE TABLE t (id int);\n', 'db/0002_[x]*?.sql': INDEX('t') });
    const run = lintJson(['db'], dir);
    expect(ids(run.findings)).toEqual(['db/0002_[x]*?.sql:1:require-concurrent-index', 'db/0002_[x]*?.sql:1:require-lock-timeout']);
    expect(JSON.parse(run.stdout).summary.files).toBe(2);
  });

  // Permissions do not bind root: these run as `nobody` where the tests run as root.
  const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] : [];
  it('an unreadable file is a finding and an unreadable folder an exit-2 line; the rest is linted', () => {
    const dir = tempProject({ 'db/0001.sql': 'CREATE TABLE t (id int);\n', 'db/0002.sql': INDEX('t'), 'db/0003.sql': INDEX('u'), 'db/locked/0001.sql': INDEX('v') });
    chmodSync(path.join(dir, 'db/0003.sql'), 0o000);
    chmodSync(path.join(dir, 'db/locked'), 0o000);
    chmodSync(dir, 0o755);
    const [command, ...prefix] = [...asNobody, process.execPath];
    const run = spawnSync(command!, [...prefix, path.join(repoRoot, 'bin/migsafe.js'), 'lint', 'db', '--format', 'json'], { cwd: dir, encoding: 'utf8', env: { ...process.env, HOME: dir }, timeout: 60_000 });
    expect(run.stderr).toBe('migsafe: cannot read the directory db/locked: permission denied\n');
    expect(run.status).toBe(2);
    const findings = JSON.parse(run.stdout).findings as Finding[];
    expect(findings.map((f) => `${f.file}:${f.line}:${f.ruleId}: ${f.message}`)).toEqual([
      'db/0002.sql:1:require-concurrent-index: CREATE INDEX on existing table "t" takes a SHARE lock that blocks every write until the index is built.',
      'db/0002.sql:1:require-lock-timeout: This takes a SHARE lock on "t" with no lock_timeout set: if it has to wait, every query on "t" queues behind it.',
      'db/0003.sql:1:unreadable-file: migsafe could not read this file: permission denied.',
    ]);
  });

  it('a file that vanishes between discovery and reading is a finding, not an internal error', async () => {
    const dir = tempProject({ 'db/0001.sql': 'CREATE TABLE t (id int);\n', 'db/0002.sql': 'SELECT 1;\n', 'db/0003.sql': INDEX('t') });
    const found = discover(['db'], { cwd: dir });
    unlinkSync(path.join(dir, 'db/0002.sql'));
    const result = await lintDirectories({ cwd: dir, directories: found.directories, targets: [...found.targets], config: emptyConfig(dir), cli: {}, contents: {}, targetsUndeployed: false });
    expect(result.errors).toEqual([]);
    expect(result.findings.map((f) => `${f.file.relPath}:${f.ruleId}: ${f.message}`).sort()).toEqual([
      'db/0002.sql:unreadable-file: migsafe could not read this file: it no longer exists (removed while migsafe ran?).',
      'db/0003.sql:require-concurrent-index: CREATE INDEX on existing table "t" takes a SHARE lock that blocks every write until the index is built.',
      'db/0003.sql:require-lock-timeout: This takes a SHARE lock on "t" with no lock_timeout set: if it has to wait, every query on "t" queues behind it.',
    ]);
  });
});

describe('encodings and line ends', () => {
  it('UTF-16 with a byte-order mark is decoded; binary and undecodable files are findings', () => {
    const dir = tempProject({ 'db/0001.sql': 'CREATE TABLE t (id int);\n' });
    const utf16 = (text: string, bigEndian: boolean) => {
      const le = Buffer.from(`\ufeff${text}`, 'utf16le');
      return bigEndian ? le.swap16() : le;
    };
    writeFileSync(path.join(dir, 'db/0002.sql'), utf16(`SELECT 1;\n${INDEX('t')}`, false));
    writeFileSync(path.join(dir, 'db/0003.sql'), utf16(`SELECT 2;\nLOCK TABLE t;\n`, true));
    writeFileSync(path.join(dir, 'db/0004.sql'), Buffer.concat([Buffer.from('SELECT 1;\nINSERT INTO t VALUES (1); -- caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    mkdirSync(path.join(dir, 'ts'));
    writeFileSync(path.join(dir, 'ts/20240101_a.js'), Buffer.alloc(64, 0));
    writeFileSync(path.join(dir, 'ts/20240102_b.js'), "exports.up = (knex) => knex.raw('LOCK TABLE t');\nexports.down = (knex) => knex.raw('SELECT 1');\n");
    const run = lintJson(['db', 'ts'], dir);
    expect(ids(run.findings)).toEqual([
      'db/0002.sql:2:require-concurrent-index',
      'db/0002.sql:2:require-lock-timeout',
      'db/0003.sql:2:lock-table',
      'db/0003.sql:2:require-lock-timeout',
      'db/0004.sql:2:unreadable-file',
      'ts/20240101_a.js:1:unreadable-file',
      'ts/20240102_b.js:1:lock-table',
      'ts/20240102_b.js:1:require-lock-timeout',
    ]);
    expect(run.findings.find((f) => f.file === 'ts/20240101_a.js')!.message).toBe('migsafe could not read this file: it is binary, or UTF-16 without a byte-order mark (save it as UTF-8).');
    expect(run.status).toBe(1);
  });

  it('CR-only line ends: lines, goose markers and statements as with LF', () => {
    const dir = tempProject({
      'db/00001_t.sql': '-- +goose Up\rCREATE TABLE t (id int);\r-- +goose Down\rDROP TABLE t;\r',
      'db/00002_i.sql': '-- +goose Up\r\rSELECT 1;\r' + INDEX('t').trim() + '\r-- +goose Down\rDROP INDEX t_idx;\r',
    });
    const run = lintJson(['db'], dir);
    expect(ids(run.findings)).toEqual(['db/00002_i.sql:4:require-concurrent-index', 'db/00002_i.sql:4:require-lock-timeout']);
    expect(JSON.parse(run.stdout).summary.statements).toBe(5);
  });
});

describe('readers never lose a directory', () => {
  it('a call migsafe cannot lower is one finding at the call; the rest of the file and directory is linted', () => {
    const dir = tempProject({
      'npm/1700000000000_a.js': "exports.up = (pgm) => {\n  pgm.sql();\n  pgm.sql('LOCK TABLE a');\n};\nexports.down = (pgm) => pgm.sql('SELECT 1');\n",
      'npm/1700000000001_b.js': "exports.up = (pgm) => pgm.sql('LOCK TABLE b');\nexports.down = (pgm) => pgm.sql('SELECT 1');\n",
      'knex/20240101_a.js': "exports.up = async (knex) => {\n  await knex.schema.raw();\n  await knex.raw('LOCK TABLE a');\n};\nexports.down = (knex) => knex.raw('SELECT 1');\n",
      'typeorm/1700000000000-A.ts': 'import { MigrationInterface, QueryRunner } from "typeorm";\nexport class A1700000000000 implements MigrationInterface {\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query();\n    await queryRunner.query(`LOCK TABLE a`);\n  }\n  public async down(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`SELECT 1`);\n  }\n}\n',
      'kysely/2024_01_a.ts': "import { Kysely, sql } from 'kysely';\nconst columns = pick();\nexport async function up(db: Kysely<any>) {\n  await db.schema.createIndex('i').on('a').columns(columns).execute();\n  await sql`LOCK TABLE a`.execute(db);\n}\nexport async function down(db: Kysely<any>) {\n  await sql`SELECT 1`.execute(db);\n}\n",
      'deep/20240101_a.js': `exports.up = async (knex) => {\n  const x = ${'['.repeat(5000)}1${']'.repeat(5000)};\n  await knex.raw('LOCK TABLE a');\n};\nexports.down = (knex) => knex.raw('SELECT 1');\n`,
      'deep/20240102_b.js': `exports.up = async (knex) => {\n  await knex.raw('SELECT 0' + ${Array.from({ length: 3000 }, (_, i) => `', ${i}'`).join(' + ')});\n  await knex.raw('LOCK TABLE b');\n};\nexports.down = (knex) => knex.raw('SELECT 1');\n`,
    });
    const run = lintJson(['.'], dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0); // warnings and infos only
    const found = ids(run.findings).filter((f) => !f.endsWith('require-lock-timeout'));
    expect(found).toEqual([
      'deep/20240101_a.js:2:unanalyzable-statement',
      'deep/20240101_a.js:3:lock-table',
      'deep/20240102_b.js:3:lock-table',
      'knex/20240101_a.js:2:unanalyzable-statement',
      'knex/20240101_a.js:3:lock-table',
      'kysely/2024_01_a.ts:4:unanalyzable-statement',
      'kysely/2024_01_a.ts:5:lock-table',
      'npm/1700000000000_a.js:2:unanalyzable-statement',
      'npm/1700000000000_a.js:3:lock-table',
      'npm/1700000000001_b.js:1:lock-table',
      'typeorm/1700000000000-A.ts:4:unanalyzable-statement',
      'typeorm/1700000000000-A.ts:5:lock-table',
    ]);
  });

  it('TypeScript/JavaScript and Python syntax errors are reported where they are', () => {
    const dir = tempProject({
      'ts/20240101_a.js': "exports.up = (knex) => {\n  knex.raw('LOCK TABLE a');\n  }, oops: {\n};\nexports.down = (knex) => knex.raw('SELECT 1');\n",
      'alembic/versions/a1_x.py': 'revision = "a1"\ndown_revision = None\n\ndef upgrade():\n    op.execute("LOCK TABLE a")\n    op.create_index("ix", "users", ["email"]\n    op.execute("LOCK TABLE b")\n\ndef downgrade():\n    op.execute("SELECT 1")\n',
    });
    const run = lintJson(['.'], dir);
    expect(run.findings.filter((f) => f.ruleId === 'syntax-error').map((f) => `${f.file}:${f.line}: ${f.message}`)).toEqual([
      'alembic/versions/a1_x.py:7: Python cannot parse this revision here: Alembic would fail to import it, and operations after this point may be missed.',
      "ts/20240101_a.js:3: TypeScript/JavaScript cannot parse this file here: ';' expected.; the file would fail to load, and what follows may be read wrongly.",
    ]);
    expect(ids(run.findings)).toContain('alembic/versions/a1_x.py:5:lock-table');
  });

  it('exports assigned in a comma expression (bundled code) are found', () => {
    const dir = tempProject({ 'migrations/20240101_a.js': "exports.up = (knex) => knex.raw('LOCK TABLE a'), exports.down = (knex) => knex.raw('SELECT 1');\n" });
    expect(ids(lintJson(['.'], dir).findings)).toEqual(['migrations/20240101_a.js:1:lock-table', 'migrations/20240101_a.js:1:require-lock-timeout']);
  });

  it('an unterminated quote after many statements is read in linear time', () => {
    const statements = Array.from({ length: 30_000 }, (_, i) => `CREATE TABLE t${i} (id int);`).join('\n');
    const dir = tempProject({ 'db/0001.sql': `${statements}\nLOCK TABLE t1;\nSELECT 'never closed;\n` });
    const run = lintJson(['db'], dir);
    expect(run.status).toBe(1);
    expect(ids(run.findings)).toEqual(['db/0001.sql:30001:lock-table', 'db/0001.sql:30002:syntax-error']);
  });
});

describe('config and baselines', () => {
  it('an empty placeholder pattern is a config error naming the key', () => {
    const dir = tempProject({ 'db/0001.sql': 'SELECT 1;\n', 'migsafe.config.json': '{ "placeholders": [""] }' });
    const run = runCli(['lint', 'db'], { cwd: dir });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('migsafe: invalid config migsafe.config.json: "placeholders.0" must NOT have fewer than 1 characters\n');
  });

  it('a baseline with a bad entry says which; a baseline matches from any folder', () => {
    const dir = tempProject({ 'db/0001.sql': 'CREATE TABLE t (id int);\n', 'db/0002.sql': INDEX('t') });
    writeFileSync(path.join(dir, 'bad.json'), '{ "version": 1, "findings": [null] }');
    const bad = runCli(['lint', 'db', '--baseline', 'bad.json'], { cwd: dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('migsafe: baseline bad.json: findings[0] is not an entry with a "fingerprint" and a "file" (write it again with `migsafe baseline`)\n');
    expect(runCli(['baseline', 'db', '-o', 'migsafe-baseline.json'], { cwd: dir }).status).toBe(0);
    for (const [cwd, args] of [[dir, ['lint', 'db', '--baseline', 'migsafe-baseline.json']], [path.join(dir, 'db'), ['lint', '.', '--baseline', '../migsafe-baseline.json']]] as const) {
      const run = runCli([...args, '--format', 'json'], { cwd });
      expect(JSON.parse(run.stdout).summary.baseline).toEqual({ matched: 2, stale: 0 });
      expect(run.status).toBe(0);
    }
  });
});

describe('output safety', () => {
  const hostile = 'evil\u001b]0;pwned\u0007\u001b[2J';
  it('text output shows control characters from identifiers and file names as \\xNN', () => {
    const dir = tempProject({ 'db/0001.sql': `CREATE TABLE "${hostile}" (id int);\n`, [`db/0002_\u001b[31mred.sql`]: `CREATE INDEX i ON "${hostile}" (id);\n` });
    const run = runCli(['lint', 'db', '--no-color'], { cwd: dir });
    expect(run.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(run.stdout).toContain('CREATE INDEX on existing table "evil\\x1B]0;pwned\\x07\\x1B[2J"');
    expect(run.stdout).toContain('--> db/0002_\\x1B[31mred.sql:1:1');
  });

  it('Markdown output renders no HTML, links or mentions from identifiers and file names', () => {
    const dir = tempProject({ 'db/0001.sql': 'CREATE TABLE "<img src=x onerror=alert(1)>[a](https://x) @team" (id int);\n', 'db/0002_<b>.sql': 'CREATE INDEX i ON "<img src=x onerror=alert(1)>[a](https://x) @team" (id);\n' });
    const out = runCli(['lint', 'db', '--format', 'markdown'], { cwd: dir }).stdout;
    expect(out).not.toContain('<img');
    expect(out).not.toContain('[a](');
    expect(out).not.toContain('@team');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;\\[a\\](https://x) @\u200bteam');
    expect(out).toContain('**`db/0002_<b>.sql`**');
  });

  it('SARIF URIs are percent-encoded (RFC 3986)', () => {
    const dir = tempProject({ 'db/0001 #1?.sql': 'CREATE TABLE t (id int);\n', 'db/0002 #2?%.sql': INDEX('t') });
    const sarif = JSON.parse(runCli(['lint', 'db', '--format', 'sarif'], { cwd: dir }).stdout);
    expect(new Set(sarif.runs[0].results.map((r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => r.locations[0]!.physicalLocation.artifactLocation.uri))).toEqual(new Set(['db/0002%20%232%3F%25.sql']));
  });
});
