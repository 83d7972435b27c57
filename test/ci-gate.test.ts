// Gating only new work: --changed-since and --staged in a real temporary git repository, baselines,
// the pre-commit manifest, and the GitHub Action's lint step.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempProject } from './helpers.js';

const LOCK = "SET lock_timeout = '5s';\n";

function repo(): { dir: string; write: (file: string, text: string) => void; git: (...args: string[]) => string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'migsafe-git-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, encoding: 'utf8' });
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  git('init', '-q', '-b', 'main');
  return { dir, write, git };
}

const findingsOf = (stdout: string) =>
  JSON.parse(stdout).findings.map((f: { ruleId: string; file: string; line: number }) => `${f.file}:${f.line}:${f.ruleId}`);

describe('--changed-since', () => {
  it('lints only migrations added or modified since the ref, committed or not, with the directory as context', () => {
    const { dir, write, git } = repo();
    write('db/001_users.sql', `${LOCK}CREATE TABLE users (id bigint, email text);\nCREATE INDEX users_email_idx ON users (email);\n`);
    write('db/002_old_index.sql', `${LOCK}CREATE INDEX users_id_idx ON users (id);\n`);
    git('add', '.');
    git('commit', '-qm', 'deployed');
    git('checkout', '-qb', 'feature');
    // committed on the branch: a new table, and an index on it in a later migration of the change
    write('db/003_orders.sql', `${LOCK}CREATE TABLE orders (id bigint, user_id bigint);\n`);
    write('db/004_orders_index.sql', `${LOCK}CREATE INDEX orders_user_idx ON orders (user_id);\nCREATE INDEX users_name_idx ON users (email);\n`);
    git('add', '.');
    git('commit', '-qm', 'feature');
    // uncommitted: a modified deployed migration, and an untracked one
    write('db/002_old_index.sql', `${LOCK}CREATE INDEX users_id_idx ON users (id);\nALTER TABLE users ADD COLUMN n int NOT NULL;\n`);
    write('db/005_untracked.sql', `${LOCK}ALTER TABLE users DROP COLUMN email;\n`);
    write('README.md', 'not a migration\n');

    const run = runCli(['lint', '--changed-since', 'main', '--format', 'json'], { cwd: dir });
    expect(findingsOf(run.stdout)).toEqual([
      'db/002_old_index.sql:2:require-concurrent-index',
      'db/002_old_index.sql:3:not-null-without-default',
      // orders was created by the change itself: not deployed, so its index needs no CONCURRENTLY
      'db/004_orders_index.sql:3:require-concurrent-index',
      'db/005_untracked.sql:2:drop-column',
    ]);
    expect(JSON.parse(run.stdout).summary.files).toBe(4);
    expect(run.status).toBe(1);

    // Without --changed-since, everything is linted and deployed tables are existing tables.
    const all = findingsOf(runCli(['lint', '--format', 'json'], { cwd: dir }).stdout);
    expect(all).toContain('db/004_orders_index.sql:2:require-concurrent-index');
  });

  it('limits the change to the given paths and exits 0 when no migration changed', () => {
    const { dir, write, git } = repo();
    write('db/001.sql', `${LOCK}CREATE TABLE t (a int);\n`);
    write('other/001.sql', `${LOCK}CREATE TABLE u (a int);\n`);
    git('add', '.');
    git('commit', '-qm', 'base');
    write('other/002.sql', 'CREATE INDEX u_a ON u (a);\n');
    const run = runCli(['lint', 'db', '--changed-since', 'HEAD'], { cwd: dir });
    expect(run.stdout).toContain('no problems in 0 files');
    expect(run.status).toBe(0);
    expect(runCli(['lint', 'other', '--changed-since', 'HEAD'], { cwd: dir }).status).toBe(1);
  });

  it('exits 2 for a ref git does not know', () => {
    const { dir, write, git } = repo();
    write('db/001.sql', `${LOCK}CREATE TABLE t (a int);\n`);
    git('add', '.');
    git('commit', '-qm', 'base');
    const run = runCli(['lint', '--changed-since', 'no-such-branch'], { cwd: dir });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^migsafe: git rev-parse/);
  });
});

describe('--staged', () => {
  it('lints the staged text of staged migrations only', () => {
    const { dir, write, git } = repo();
    write('db/001_users.sql', `${LOCK}CREATE TABLE users (id bigint, email text);\n`);
    git('add', '.');
    git('commit', '-qm', 'base');
    write('db/002_index.sql', `${LOCK}CREATE INDEX users_email_idx ON users (email);\n`);
    git('add', 'db/002_index.sql');
    // unstaged edit on top of the staged file: the staged text is what gets committed
    write('db/002_index.sql', `${LOCK}CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n`);
    write('db/003_unstaged.sql', `${LOCK}ALTER TABLE users DROP COLUMN email;\n`);
    const run = runCli(['lint', '--staged', '--format', 'json'], { cwd: dir });
    expect(findingsOf(run.stdout)).toEqual(['db/002_index.sql:2:require-concurrent-index']);
    expect(run.status).toBe(1);
  });
});

describe('baseline', () => {
  it('keeps recorded findings quiet after unrelated lines move, and reports a new one of the same rule', () => {
    const { dir, write } = repo();
    write('db/001_legacy.sql', `${LOCK}CREATE INDEX a_idx ON users (a);\nCREATE INDEX b_idx ON users (b);\n`);
    const record = runCli(['baseline', 'db', '--output', 'migsafe-baseline.json'], { cwd: dir });
    expect(record.status).toBe(0);
    expect(record.stdout).toContain('recorded 2 findings');
    const baseline = JSON.parse(readFileSync(path.join(dir, 'migsafe-baseline.json'), 'utf8'));
    expect(baseline.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['require-concurrent-index', 'require-concurrent-index']);

    write('db/001_legacy.sql', `-- a comment added above\n\n${LOCK}CREATE INDEX a_idx ON users (a);\nCREATE INDEX b_idx ON users (b);\n`);
    const quiet = runCli(['lint', 'db', '--baseline', 'migsafe-baseline.json', '--format', 'json'], { cwd: dir });
    expect(findingsOf(quiet.stdout)).toEqual([]);
    expect(JSON.parse(quiet.stdout).summary.baseline).toEqual({ matched: 2, stale: 0 });
    expect(quiet.status).toBe(0);

    write('db/001_legacy.sql', `${LOCK}CREATE INDEX a_idx ON users (a);\nCREATE INDEX c_idx ON users (c);\n`);
    const fresh = runCli(['lint', 'db', '--baseline', 'migsafe-baseline.json', '--format', 'json'], { cwd: dir });
    expect(findingsOf(fresh.stdout)).toEqual(['db/001_legacy.sql:3:require-concurrent-index']);
    expect(JSON.parse(fresh.stdout).summary.baseline).toEqual({ matched: 1, stale: 1 });
    expect(fresh.status).toBe(1);
    expect(runCli(['lint', 'db', '--baseline', 'migsafe-baseline.json'], { cwd: dir }).stdout).toContain('1 baseline entry no longer occurs');
  });

  it('exits 2 for a file that is not a baseline', () => {
    const { dir, write } = repo();
    write('db/001.sql', LOCK);
    write('bad.json', '{"findings": 3}');
    expect(runCli(['lint', 'db', '--baseline', 'bad.json'], { cwd: dir }).status).toBe(2);
    expect(runCli(['lint', 'db', '--baseline', 'missing.json'], { cwd: dir }).status).toBe(2);
  });
});

describe('--fail-on', () => {
  it('sets the least severity that fails', () => {
    const { dir, write } = repo();
    write('db/001.sql', `${LOCK}ALTER TABLE users DROP COLUMN legacy;\n`);
    expect(runCli(['lint', 'db'], { cwd: dir }).status).toBe(0);
    expect(runCli(['lint', 'db', '--fail-on', 'warning'], { cwd: dir }).status).toBe(1);
    write('db/002.sql', `${LOCK}CREATE INDEX i ON users (a);\n`);
    expect(runCli(['lint', 'db', '--fail-on', 'never'], { cwd: dir }).status).toBe(0);
  });
});

describe('pre-commit manifest', () => {
  const hooks = parseYaml(readFileSync(path.join(repoRoot, '.pre-commit-hooks.yaml'), 'utf8'));

  it('declares a node hook running migsafe lint on the files it is given', () => {
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ id: 'migsafe', entry: 'migsafe lint --staged', language: 'node', pass_filenames: true });
  });

  it('its files pattern covers SQL, TS/JS and Alembic migration paths, and not source code', () => {
    // pre-commit's Python regex: (?i) at the start is JavaScript's `i` flag.
    const files = new RegExp(hooks[0].files.replace(/^\(\?i\)/, ''), 'i');
    for (const f of ['db/migrations/0001_init.up.sql', 'prisma/migrations/2024_x/migration.sql', 'src/migrations/1700000000000-AddUser.ts', 'migrations/20240101_add.js', 'alembic/versions/abc123_add.py', 'sqitch/deploy/users.sql', 'Common/Server/Infrastructure/Postgres/SchemaMigrations/1717678334852-MigrationName.ts', 'packages/schemas/alterations/1.0.0-1688375200-add-column.ts', 'db_migrate/0001.sql']) {
      expect(files.test(f), f).toBe(true);
    }
    for (const f of ['src/index.ts', 'README.md', 'app/models.py']) expect(files.test(f), f).toBe(false);
  });

  it('the hook command passes over the non-migration files pre-commit hands it', () => {
    const { dir, write } = repo();
    write('migrations/001.sql', `${LOCK}CREATE INDEX i ON users (a);\n`);
    write('migrations/1700000000000-AddUser.ts', 'export class AddUser {}\n');
    const run = runCli(['lint', 'migrations/001.sql', 'migrations/1700000000000-AddUser.ts', '--format', 'json'], { cwd: dir });
    expect(findingsOf(run.stdout)).toEqual(['migrations/001.sql:2:require-concurrent-index']);
  });
});

describe('GitHub Action', () => {
  const action = parseYaml(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8'));

  it('is a composite action with the documented inputs, uploading SARIF', () => {
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs).sort()).toEqual(['base-ref', 'baseline', 'config', 'fail-on', 'paths', 'pg-version', 'sarif-file', 'upload-sarif']);
    const steps = action.runs.steps;
    expect(steps.find((s: { id?: string }) => s.id === 'lint').run).toContain('action/run.sh');
    // The upload is optional, runs only on a SARIF file that exists, and never fails the job.
    const upload = steps.find((s: { uses?: string }) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    expect(upload).toMatchObject({ 'continue-on-error': true });
    expect(upload.if).toContain("hashFiles(inputs.sarif-file) != ''");
    expect(action.inputs['upload-sarif'].default).toBe('false');
    // Only the runtime dependencies are installed.
    expect(steps.find((s: { name?: string }) => s.name === 'Install migsafe').run).toContain('npm ci --prefix "$GITHUB_ACTION_PATH" --omit=dev');
  });

  it("its install command (npm ci --omit=dev) builds a working migsafe from a clone, without the dev tree", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migsafe-action-install-'));
    execFileSync('git', ['clone', '-q', repoRoot, dir]);
    const install = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
    expect(install.status, install.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'node_modules/vitest'))).toBe(false);
    const run = spawnSync(process.execPath, [path.join(dir, 'bin/migsafe.js'), 'lint', 'fixtures/rules/lock-table/invalid', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(run.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).toContain('lock-table');
  }, 600_000);

  it('its lint step writes SARIF, annotates the changed migrations and reports the exit code', () => {
    const { dir, write, git } = repo();
    write('db/001.sql', `${LOCK}CREATE TABLE users (id bigint);\n`);
    git('add', '.');
    git('commit', '-qm', 'base');
    const base = git('rev-parse', 'HEAD').trim();
    write('db/002.sql', `${LOCK}CREATE INDEX users_id_idx ON users (id);\n`);
    const outputs = path.join(dir, 'outputs.txt');
    const summary = path.join(dir, 'summary.md');
    // migsafe behind a wrapper that counts its runs: the step lints once for every report.
    const runs = path.join(dir, 'runs.txt');
    const counting = path.join(dir, 'counting-migsafe.mjs');
    writeFileSync(counting, `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(runs)}, 'run\\n');\nawait import(${JSON.stringify(pathToFileURL(path.join(repoRoot, 'bin/migsafe.js')).href)});\n`);
    const step = spawnSync('bash', [path.join(repoRoot, 'action/run.sh')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, MIGSAFE_BIN: counting, INPUT_PATHS: 'db', INPUT_BASE_REF: base, INPUT_FAIL_ON: 'error', INPUT_SARIF_FILE: 'out.sarif', GITHUB_OUTPUT: outputs, GITHUB_STEP_SUMMARY: summary, INPUT_PG_VERSION: '', INPUT_CONFIG: '' },
    });
    expect(step.status).toBe(0);
    expect(readFileSync(runs, 'utf8')).toBe('run\n');
    expect(step.stdout).toMatch(/^::error file=db\/002\.sql,line=2,col=1,.*title=migsafe require-concurrent-index::/m);
    expect(readFileSync(outputs, 'utf8')).toBe('exit-code=1\n');
    const sarif = JSON.parse(readFileSync(path.join(dir, 'out.sarif'), 'utf8'));
    expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['require-concurrent-index']);
    expect(readFileSync(summary, 'utf8')).toContain('### migsafe: 1 error');
    expect(existsSync(path.join(dir, 'out.sarif'))).toBe(true);
  });

  it('a base commit missing from a shallow checkout: a clear error saying how to fix fetch-depth, exit code 2, no SARIF', () => {
    const { dir, write, git } = repo();
    write('db/001.sql', 'CREATE TABLE users (id bigint);\n');
    git('add', '.');
    git('commit', '-qm', 'base');
    const outputs = path.join(dir, 'outputs.txt');
    const summary = path.join(dir, 'summary.md');
    const missing = 'a'.repeat(40);
    const step = spawnSync('bash', [path.join(repoRoot, 'action/run.sh')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, INPUT_PATHS: 'db', INPUT_BASE_REF: missing, INPUT_FAIL_ON: 'error', INPUT_SARIF_FILE: 'out.sarif', GITHUB_OUTPUT: outputs, GITHUB_STEP_SUMMARY: summary },
    });
    expect(step.status).toBe(0);
    expect(step.stdout).toBe(`::error title=migsafe::the base commit ${missing} is not in this checkout, so migsafe cannot tell which migrations the change adds. Check out with history: actions/checkout with fetch-depth: 0 (or set the input base-ref: '' to lint every migration).\n`);
    expect(readFileSync(outputs, 'utf8')).toBe('exit-code=2\n');
    expect(readFileSync(summary, 'utf8')).toContain('### migsafe: not run');
    expect(existsSync(path.join(dir, 'out.sarif'))).toBe(false);
  });

  it('a baseline input leaves out the findings it records', () => {
    const { dir, write } = repo();
    write('db/001.sql', 'CREATE TABLE users (id bigint);\n');
    write('db/002.sql', 'CREATE INDEX users_id_idx ON users (id);\n');
    expect(runCli(['baseline', 'db', '-o', 'migsafe-baseline.json'], { cwd: dir }).status).toBe(0);
    const outputs = path.join(dir, 'outputs.txt');
    const step = spawnSync('bash', [path.join(repoRoot, 'action/run.sh')], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, INPUT_PATHS: 'db', INPUT_BASE_REF: '', INPUT_BASELINE: 'migsafe-baseline.json', INPUT_SARIF_FILE: 'out.sarif', GITHUB_OUTPUT: outputs, GITHUB_STEP_SUMMARY: '' },
    });
    expect(step.stdout).toBe('');
    expect(readFileSync(outputs, 'utf8')).toBe('exit-code=0\n');
  });
});

describe('first contact', () => {
  it('a path or glob with no migrations exits 2 saying what was searched; a change with none exits 0', () => {
    const { dir, write } = repo();
    write('empty/README.md', 'nothing here\n');
    const empty = runCli(['lint', 'empty'], { cwd: dir });
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/^migsafe: no migrations found in empty: migsafe reads SQL files \(\.sql\)/);
    expect(runCli(['lint', 'nothing/**/*.sql'], { cwd: dir }).stderr).toMatch(/^migsafe: no migrations found in nothing\/\*\*\/\*\.sql/);
    expect(runCli(['trace', 'empty'], { cwd: dir }).status).toBe(2);
  });

  it('mostly findings in committed migrations: the summary says how to check only new ones; a config baseline applies', () => {
    const { dir, write, git } = repo();
    write('db/0001.sql', 'CREATE TABLE t (a int);\n');
    for (let i = 2; i <= 7; i++) write(`db/000${i}.sql`, `CREATE INDEX t_${i} ON t (a);\n`);
    git('add', '.');
    git('commit', '-qm', 'old migrations');
    const first = runCli(['lint', 'db'], { cwd: dir });
    expect(first.stdout).toContain('12 of these 12 findings are in migrations already committed (and probably deployed). To check only new ones:');
    expect(first.stdout).toContain('npx migsafe lint --changed-since origin/main');
    write('migsafe.config.json', '{ "baseline": "migsafe-baseline.json" }');
    expect(runCli(['baseline', 'db'], { cwd: dir }).stdout).toBe('migsafe: recorded 12 findings in migsafe-baseline.json (7 files)\n');
    write('db/0008.sql', 'CREATE INDEX t_8 ON t (a);\n');
    const next = runCli(['lint', 'db', '--format', 'json'], { cwd: path.join(dir) });
    expect(findingsOf(next.stdout)).toEqual(['db/0008.sql:1:require-concurrent-index', 'db/0008.sql:1:require-lock-timeout']);
    expect(JSON.parse(next.stdout).summary.baseline).toEqual({ matched: 12, stale: 0 });
    expect(runCli(['lint', 'db'], { cwd: dir }).stdout).not.toContain('already committed');
  });

  it('config errors say what and where; versions outside 10 to 18 are refused', () => {
    const dir = tempProject({ 'db/0001.sql': 'SELECT 1;\n', 'migsafe.config.json': '{ "rules": { ' });
    expect(runCli(['lint', 'db'], { cwd: dir }).stderr).toBe("migsafe: cannot read config migsafe.config.json: Expected property name or '}' in JSON at position 13\n");
    writeFileSync(path.join(dir, 'migsafe.config.json'), '');
    expect(runCli(['lint', 'db'], { cwd: dir }).stderr).toBe('migsafe: invalid config migsafe.config.json: the file is empty (write {} for the defaults)\n');
    writeFileSync(path.join(dir, 'migsafe.config.json'), '{ "pgVersion": 9 }');
    expect(runCli(['lint', 'db'], { cwd: dir }).stderr).toBe('migsafe: invalid config migsafe.config.json: "pgVersion" must be >= 10\n');
    writeFileSync(path.join(dir, 'migsafe.config.json'), '{}');
    const old = runCli(['lint', 'db', '--pg-version', '8'], { cwd: dir });
    expect([old.status, old.stderr]).toEqual([2, 'migsafe: --pg-version takes a PostgreSQL major version from 10 to 18, not 8\n']);
    expect(runCli(['lint', 'db', '--pg-version', '18'], { cwd: dir }).status).toBe(0);
  });

  it('explain renders the page for a terminal: no Markdown fences or heading marks', () => {
    const out = runCli(['explain', 'lock-table']).stdout;
    expect(out.split('\n')[0]).toBe('lock-table');
    expect(out).not.toMatch(/~~~|^#/m);
    expect(out).toContain("\n    SET lock_timeout = '5s';\n");
  });
});
