import { spawnSync } from 'node:child_process';
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

export function runCli(args: string[], options: { cwd?: string; input?: string } = {}): CliRun {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'bin/migsafe.js'), ...args], {
    cwd: options.cwd ?? repoRoot,
    input: options.input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' },
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Writes an example as dbmate migrations (explicit about transactions and down halves). */
export function writeExample(example: RuleExample, dir: string): string {
  mkdirSync(dir, { recursive: true });
  if (example.files) {
    for (const [name, text] of Object.entries(example.files)) writeFileSync(path.join(dir, name), text);
    return dir;
  }
  const marker = example.transaction === 'wrapped' ? '' : ' transaction:false';
  const file = (up: string, down?: string) =>
    `-- migrate:up${marker}\n${up}\n${down === undefined ? '' : `-- migrate:down${marker}\n${down}\n`}`;
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
