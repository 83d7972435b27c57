import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lint, type LintRequest } from '../src/engine/lint.js';
import type { LoadedConfig } from '../src/engine/config.js';
import type { RuleExample } from '../src/engine/rule.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const fixturesDir = path.join(repoRoot, 'fixtures');
export const corpusDir = path.resolve(repoRoot, '../shared/corpus');
export const sarifSchemaPath = path.resolve(repoRoot, '../shared/schemas/sarif-schema-2.1.0.json');

export const emptyConfig = (base: string): LoadedConfig => ({ config: {}, filepath: null, base });

/** Lints with an explicit (default: empty) config, so no config file around the repo leaks in. */
export function lintWith(request: LintRequest) {
  const cwd = request.cwd ?? repoRoot;
  return lint({ config: emptyConfig(cwd), ...request, cwd });
}

/** `-- expect: rule-a, rule-b` markers (`# expect:` in Python, `// expect:` in TS/JS): the findings a fixture line must produce, exactly. */
export function expectedFindings(file: string): string[] {
  const expected: string[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const match = /(?:--|#|\/\/)\s*expect:\s*([\w\-, ]+)/.exec(line);
      if (!match) return;
      for (const ruleId of match[1]!.split(',').map((s) => s.trim()).filter(Boolean)) expected.push(`${i + 1}:${ruleId}`);
    });
  return expected.sort();
}

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

const cliEnv = () => ({ ...process.env, NO_COLOR: '1', FORCE_COLOR: '' });

/** Runs the CLI as a user would; a run that does not end within `timeoutMs` is killed (status -1). */
export function runCli(args: string[], options: { cwd?: string; input?: string; timeoutMs?: number } = {}): CliRun {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'bin/migsafe.js'), ...args], {
    cwd: options.cwd ?? repoRoot,
    input: options.input,
    encoding: 'utf8',
    env: cliEnv(),
    timeout: options.timeoutMs ?? 120_000,
    killSignal: 'SIGKILL',
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The CLI as a child process the test can signal; `done` resolves when it exits. */
export function startCli(args: string[], options: { cwd?: string } = {}): { child: ChildProcess; done: Promise<CliRun & { signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/migsafe.js'), ...args], { cwd: options.cwd ?? repoRoot, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<CliRun & { signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ status: code ?? -1, signal, stdout, stderr })));
  return { child, done };
}

/**
 * The local PostgreSQL server that the developers' machines and CI run (127.0.0.1:5432, trust
 * auth); tests that need it skip, and say so, where none answers.
 */
export const SERVER_URL = process.env.MIGSAFE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function serverAnswers(): Promise<boolean> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes an example as goose migrations (explicit about transactions and down halves): `-- +goose NO
 * TRANSACTION` runs each statement on its own, where dbmate's transaction:false would still send a
 * section as one query (one implicit transaction, as its runner test observed).
 */
export function writeExample(example: RuleExample, dir: string): string {
  mkdirSync(dir, { recursive: true });
  if (example.files) {
    for (const [name, text] of Object.entries(example.files)) writeFileSync(path.join(dir, name), text);
    return dir;
  }
  const header = example.transaction === 'wrapped' ? '' : '-- +goose NO TRANSACTION\n';
  const file = (up: string, down?: string) => `${header}-- +goose Up\n${up}\n${down === undefined ? '' : `-- +goose Down\n${down}\n`}`;
  (example.before ?? []).forEach((sql, i) => writeFileSync(path.join(dir, `000${i}_before.sql`), file(sql)));
  const target = path.join(dir, '0100_example.sql');
  writeFileSync(target, file(example.sql ?? '', example.down));
  return target;
}

/** A temporary directory holding the given files (relative path → text). */
export function tempProject(files: Record<string, string>, prefix = 'migsafe-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
