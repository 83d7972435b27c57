// migsafe installed the way the README tells a user to: `npm pack` and `npm install -D` of the
// tarball in a new empty project, and `npm install -D git+file://...` (a git URL), then `npx
// migsafe lint`. Needs the npm registry for the runtime dependencies.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

function emptyProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'migsafe-consumer-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  mkdirSync(path.join(dir, 'db/migrations'), { recursive: true });
  writeFileSync(path.join(dir, 'db/migrations/0001_users.up.sql'), 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n');
  writeFileSync(path.join(dir, 'db/migrations/0001_users.down.sql'), 'DROP TABLE users;\n');
  writeFileSync(path.join(dir, 'db/migrations/0002_index.up.sql'), 'CREATE INDEX users_email_idx ON users (email);\n');
  writeFileSync(path.join(dir, 'db/migrations/0002_index.down.sql'), 'DROP INDEX users_email_idx;\n');
  return dir;
}

const npm = (args: string[], cwd: string) => spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, encoding: 'utf8', timeout: 600_000 });

function lintsItsMigrations(dir: string): void {
  const run = spawnSync('npx', ['migsafe', 'lint', '--format', 'json'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  expect(run.status, run.stderr).toBe(1);
  expect(JSON.parse(run.stdout).findings.map((f: { file: string; line: number; ruleId: string }) => `${f.file}:${f.line}:${f.ruleId}`)).toEqual([
    'db/migrations/0002_index.up.sql:1:require-concurrent-index',
    'db/migrations/0002_index.up.sql:1:require-lock-timeout',
  ]);
  // Installed for users: no dev tree (test frameworks, ORMs) came with it.
  const installed = readdirSync(path.join(dir, 'node_modules'));
  for (const dev of ['vitest', 'eslint', 'typeorm', 'knex', '@mikro-orm']) expect(installed).not.toContain(dev);
}

describe('installing migsafe into a project', () => {
  it('from a packed tarball: npm install -D ./migsafe-*.tgz && npx migsafe lint', () => {
    const dir = emptyProject();
    const tarball = execFileSync('npm', ['pack', '--pack-destination', dir], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    expect(tarball).toMatch(/^migsafe-\d+\.\d+\.\d+\.tgz$/);
    const install = npm(['install', '-D', `./${tarball}`], dir);
    expect(install.status, install.stderr).toBe(0);
    lintsItsMigrations(dir);
  }, 600_000);

  it('from a git URL: npm install -D git+file://...#<commit> && npx migsafe lint', () => {
    const dir = emptyProject();
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const install = npm(['install', '-D', `git+file://${repoRoot}#${head}`], dir);
    expect(install.status, install.stderr).toBe(0);
    lintsItsMigrations(dir);
  }, 600_000);
});
