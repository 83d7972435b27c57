// The pre-commit hook as a user installs it: the real pre-commit (Debian's, `apt-get install
// pre-commit`) clones this repository at its HEAD commit, installs the hook (npm install, npm pack,
// npm install -g of the tarball) and runs it on `git commit`. Skipped, saying so, where pre-commit
// is not installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

const preCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
const available = preCommit.status === 0;
if (!available) console.warn('skipped: pre-commit hook tests (pre-commit is not installed: apt-get install pre-commit)');

describe.skipIf(!available)(`pre-commit (${preCommit.stdout?.trim()})`, () => {
  it('installs the hook from the repository and blocks a bad staged migration with the readable message; a good one commits', () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dir = mkdtempSync(path.join(tmpdir(), 'migsafe-pre-commit-'));
    const env = { ...process.env, PRE_COMMIT_HOME: mkdtempSync(path.join(tmpdir(), 'migsafe-pre-commit-home-')), NO_COLOR: '1', PRE_COMMIT_COLOR: 'never', GIT_CONFIG_NOSYSTEM: '1' };
    const git = (...args: string[]) => spawnSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, encoding: 'utf8', env, timeout: 600_000 });
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    };
    git('init', '-q', '-b', 'main');
    // The repository as a git URL, at the commit under test (what `rev:` pins for users).
    write('.pre-commit-config.yaml', `repos:\n  - repo: file://${repoRoot}\n    rev: ${head}\n    hooks:\n      - id: migsafe\n`);
    write('db/migrations/0001_users.up.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n');
    write('db/migrations/0001_users.down.sql', 'DROP TABLE users;\n');
    expect(git('add', '.').status).toBe(0);
    expect(git('commit', '-qm', 'users', '--no-verify').status).toBe(0);
    const install = spawnSync('pre-commit', ['install'], { cwd: dir, encoding: 'utf8', env });
    expect(install.status, install.stderr).toBe(0);

    write('db/migrations/0002_email_index.up.sql', 'CREATE INDEX users_email_idx ON users (email);\n');
    write('db/migrations/0002_email_index.down.sql', 'DROP INDEX users_email_idx;\n');
    git('add', '.');
    const blocked = git('commit', '-m', 'index');
    const output = blocked.stdout + blocked.stderr;
    expect(blocked.status, output).toBe(1);
    expect(output).toContain('error[require-concurrent-index]: CREATE INDEX on existing table "users" takes a SHARE lock that blocks every write until the index is built.');
    expect(output).toContain('--> db/migrations/0002_email_index.up.sql:1:1');

    // Alone in its file: golang-migrate sends a file as one query (an implicit transaction).
    write('db/migrations/0002_email_index.up.sql', 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n');
    write('db/migrations/0002_email_index.down.sql', 'DROP INDEX CONCURRENTLY users_email_idx;\n');
    git('add', '.');
    const passed = git('commit', '-m', 'index, concurrently');
    expect(passed.status, passed.stdout + passed.stderr).toBe(0);
    expect(passed.stdout + passed.stderr).toMatch(/migsafe \(PostgreSQL migration safety\)\.+Passed/);
  }, 600_000);
});
