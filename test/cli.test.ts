// The CLI as a user runs it: the built bin, exit codes, options, formats, config errors.
import { loadRules } from '../src/engine/rules-registry.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesDir, runCli, tempProject } from './helpers.js';


const INDEX = 'CREATE INDEX users_email_idx ON users (email);\n';
const SAFE = "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN bio text;\n";

describe('exit codes', () => {
  it('exits 0 with no findings', () => {
    const dir = tempProject({ 'db/001_bio.sql': SAFE });
    const run = runCli(['lint', 'db'], { cwd: dir });
    expect(run.stdout).toContain('no problems in 1 file, 1 migration');
    expect(run.status).toBe(0);
  });

  it('exits 1 on an error-severity finding', () => {
    const dir = tempProject({ 'db/001_index.sql': INDEX });
    expect(runCli(['lint', 'db'], { cwd: dir }).status).toBe(1);
  });

  it('exits 0 on warnings only, and 1 once they exceed --max-warnings', () => {
    const dir = tempProject({ 'db/001_drop.sql': "SET lock_timeout = '5s';\nALTER TABLE users DROP COLUMN legacy;\n" });
    expect(runCli(['lint', 'db'], { cwd: dir }).status).toBe(0);
    expect(runCli(['lint', 'db', '--max-warnings', '0'], { cwd: dir }).status).toBe(1);
    expect(runCli(['lint', 'db', '--max-warnings', '1'], { cwd: dir }).status).toBe(0);
  });

  it('exits 2 with one line on stderr for a missing path, a bad option or a bad value', () => {
    const dir = tempProject({ 'a.sql': SAFE });
    for (const args of [['lint', 'nope'], ['lint', '--format', 'xml'], ['lint', '--max-warnings', 'x'], ['lint', '--rule', 'nope=off'], ['lint', '--rule', 'drop-column'], ['explain', 'nope'], ['frobnicate']]) {
      const run = runCli(args, { cwd: dir });
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n').length, args.join(' ')).toBeLessThanOrEqual(2);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('lints the current directory when no path is given', () => {
    const dir = tempProject({ '001_index.sql': INDEX });
    const run = runCli(['lint', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(run.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).toContain('require-concurrent-index');
  });
});

describe('options', () => {
  it('--rule turns a rule off or changes its severity', () => {
    const dir = tempProject({ 'db/001_index.sql': INDEX });
    const off = runCli(['lint', 'db', '--format', 'json', '--rule', 'require-concurrent-index=off'], { cwd: dir });
    expect(JSON.parse(off.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).not.toContain('require-concurrent-index');
    expect(off.status).toBe(0);
    const warn = runCli(['lint', 'db', '--format', 'json', '--rule', 'require-concurrent-index=warn'], { cwd: dir });
    const finding = JSON.parse(warn.stdout).findings.find((f: { ruleId: string }) => f.ruleId === 'require-concurrent-index');
    expect(finding.severity).toBe('warning');
  });

  it('--quiet reports errors only', () => {
    const dir = tempProject({ 'db/001_index.sql': INDEX });
    const run = runCli(['lint', 'db', '--format', 'json', '--quiet'], { cwd: dir });
    const severities = JSON.parse(run.stdout).findings.map((f: { severity: string }) => f.severity);
    expect(severities).toEqual(['error']);
  });

  it('--pg-version changes what is reported', () => {
    const dir = tempProject({ 'db/001_add.sql': "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN status text DEFAULT 'a';\n" });
    expect(runCli(['lint', 'db', '--pg-version', '10'], { cwd: dir }).stdout).toContain('add-column-rewrite');
    expect(runCli(['lint', 'db', '--pg-version', '15'], { cwd: dir }).stdout).not.toContain('add-column-rewrite');
  });

  it('--output writes the report to a file', () => {
    const dir = tempProject({ 'db/001_index.sql': INDEX });
    const run = runCli(['lint', 'db', '--format', 'json', '--output', 'report.json'], { cwd: dir });
    expect(run.stdout).toBe('');
    expect(JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')).summary.errors).toBe(1);
  });

  it('--stdin lints standard input as the named file, with its directory as context', () => {
    const dir = tempProject({ 'db/0001_users.up.sql': 'CREATE TABLE users (id bigint, email text);\n', 'db/0001_users.down.sql': 'DROP TABLE users;\n' });
    const run = runCli(['lint', '--stdin', '--stdin-filename', 'db/0002_index.up.sql', '--format', 'json'], { cwd: dir, input: INDEX });
    const findings = JSON.parse(run.stdout).findings;
    expect(findings.map((f: { ruleId: string; file: string; line: number }) => [f.ruleId, f.file, f.line])).toContainEqual(['require-concurrent-index', 'db/0002_index.up.sql', 1]);
    // the down file of 0001 exists, so the layout expects one for 0002 as well
    expect(findings.map((f: { ruleId: string }) => f.ruleId)).toContain('missing-down');
    expect(run.status).toBe(1);
  });

  it('--no-color and a non-TTY stdout print no escape codes', () => {
    const dir = tempProject({ 'db/001_index.sql': INDEX });
    expect(runCli(['lint', 'db', '--no-color'], { cwd: dir }).stdout).not.toContain('\u001b[');
  });
});

describe('text output', () => {
  it('shows location, severity, rule, a code frame, the safe rewrite, the docs pointer and a summary', () => {
    const dir = tempProject({ 'db/001_index.sql': `SET lock_timeout = '5s';\n${INDEX}` });
    const out = runCli(['lint', 'db'], { cwd: dir }).stdout;
    expect(out).toContain('error[require-concurrent-index]: CREATE INDEX on existing table "users"');
    expect(out).toContain('  --> db/001_index.sql:2:1');
    expect(out).toContain('  2 | CREATE INDEX users_email_idx ON users (email);');
    expect(out).toContain('    | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^');
    expect(out).toContain('CREATE INDEX CONCURRENTLY users_email_idx ON users (email);');
    expect(out).toContain('= docs: npx migsafe explain require-concurrent-index');
    expect(out).toContain('✖ 1 problem (1 error, 0 warnings, 0 info) in 1 file, 1 migration');
  });
});

describe('rules and explain', () => {
  it('lists every rule with its severity and summary', async () => {
    const out = runCli(['rules']).stdout;
    expect(out).toMatch(/^require-concurrent-index\s+error\s+CREATE INDEX without CONCURRENTLY/m);
    expect(out).toMatch(/^foreign-key-on-delete\s+info\s+/m);
    expect(out.trim().split('\n').length).toBe((await loadRules()).length);
  });

  it('explains a rule: why, the safe alternative, examples, sources', () => {
    const out = runCli(['explain', 'set-not-null-scan']).stdout;
    expect(out).toMatch(/^set-not-null-scan\n/);
    expect(out).toContain('\nSafe alternative\n');
    expect(out).toContain('VALIDATE CONSTRAINT');
    expect(out).toContain('https://www.postgresql.org/docs/current/sql-altertable.html');
  });
});

describe('config', () => {
  it('is found by walking up and applies severities and overrides', () => {
    const dir = tempProject({
      'migsafe.config.json': JSON.stringify({ rules: { 'require-concurrent-index': 'off' }, overrides: [{ files: ['legacy/**'], rules: { 'drop-column': 'off' } }] }),
      'db/001_index.sql': INDEX,
      'legacy/001_drop.sql': "SET lock_timeout = '5s';\nALTER TABLE users DROP COLUMN legacy;\n",
    });
    const run = runCli(['lint', '.', '--format', 'json'], { cwd: path.join(dir, 'db') + '/..' });
    const ids = JSON.parse(run.stdout).findings.map((f: { ruleId: string }) => f.ruleId);
    expect(ids).not.toContain('require-concurrent-index');
    expect(ids).not.toContain('drop-column');
    const nested = runCli(['lint', '.', '--format', 'json'], { cwd: path.join(dir, 'db') });
    expect(JSON.parse(nested.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).not.toContain('require-concurrent-index');
  });

  it('reads the migsafe key of package.json and a .js config', () => {
    const pkg = tempProject({ 'package.json': JSON.stringify({ name: 'x', migsafe: { lockTimeoutSetByRunner: true } }), 'db/001.sql': 'ALTER TABLE users ADD COLUMN bio text;\n' });
    expect(runCli(['lint', 'db'], { cwd: pkg }).stdout).not.toContain('require-lock-timeout');
    const js = tempProject({ 'migsafe.config.mjs': 'export default { lockTimeoutSetByRunner: true };\n', 'db/001.sql': 'ALTER TABLE users ADD COLUMN bio text;\n' });
    expect(runCli(['lint', 'db'], { cwd: js }).stdout).not.toContain('require-lock-timeout');
  });

  it('exits 2 and names the offending key for a bad config', () => {
    const cases: [unknown, RegExp][] = [
      [{ pgVersion: 'fifteen' }, /pgVersion/],
      [{ rulez: {} }, /unknown key "rulez"/],
      [{ rules: { 'require-concurrent-index': 'loud' } }, /rules\.require-concurrent-index/],
      [{ rules: { 'no-such-rule': 'off' } }, /rules\.no-such-rule/],
      [{ overrides: [{ files: ['x'], bogus: 1 }] }, /overrides\.0\.bogus/],
    ];
    for (const [config, message] of cases) {
      const dir = tempProject({ 'migsafe.config.json': JSON.stringify(config), 'db/001.sql': SAFE });
      const run = runCli(['lint', 'db'], { cwd: dir });
      expect(run.status, JSON.stringify(config)).toBe(2);
      expect(run.stderr, JSON.stringify(config)).toMatch(message);
    }
  });

  it('loads a TypeScript config', () => {
    const dir = tempProject({ 'migsafe.config.ts': 'const config: { lockTimeoutSetByRunner: boolean } = { lockTimeoutSetByRunner: true };\nexport default config;\n', 'db/001.sql': 'ALTER TABLE users ADD COLUMN bio text;\n' });
    const run = runCli(['lint', 'db'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain('require-lock-timeout');
    expect(run.status).toBe(0);
  });

  it('--config names the file explicitly', () => {
    const dir = tempProject({ 'conf/strict.json': JSON.stringify({ rules: { 'drop-column': 'error' } }), 'db/001.sql': "SET lock_timeout = '5s';\nALTER TABLE users DROP COLUMN legacy;\n" });
    expect(runCli(['lint', 'db', '--config', 'conf/strict.json'], { cwd: dir }).status).toBe(1);
    expect(runCli(['lint', 'db', '--config', 'conf/missing.json'], { cwd: dir }).status).toBe(2);
  });
});

describe('discovery', () => {
  it('skips node_modules, .git and directories named like SQL files; reads folders with spaces', () => {
    const dir = tempProject({
      'db/node_modules/pkg/001.sql': INDEX,
      'db/.git/001.sql': INDEX,
      'db/weird.sql/001_index.sql': INDEX,
      'prisma/migrations/20240101000000_my migration/migration.sql': INDEX,
    });
    const run = runCli(['lint', '.', '--format', 'json'], { cwd: dir });
    const files = [...new Set(JSON.parse(run.stdout).findings.map((f: { file: string }) => f.file))].sort();
    expect(files).toEqual(['db/weird.sql/001_index.sql', 'prisma/migrations/20240101000000_my migration/migration.sql']);
  });

  it('expands globs', () => {
    const dir = tempProject({ 'db/001_a.sql': INDEX, 'db/002_b.sql': SAFE, 'other/001.sql': INDEX });
    const run = runCli(['lint', 'db/*_a.sql', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(run.stdout).summary.files).toBe(1);
  });
});

describe('fixtures demo', () => {
  it('`migsafe lint fixtures/` shows real findings and exits 1', () => {
    const run = runCli(['lint', 'fixtures/']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('error[require-concurrent-index]');
    expect(run.stderr).toBe('');
    void fixturesDir;
  });
});
