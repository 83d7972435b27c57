// Bad input never crashes the run: mutated fixtures (truncated, shuffled) and the real-world corpus
// give exit 0 or 1, never 2, and every file is read.
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fg from 'fast-glob';
import { describe, expect, it } from 'vitest';
import { corpusDir, fixturesDir, lintWith, runCli } from './helpers.js';

/** A small deterministic PRNG, so a failing mutation can be reproduced from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function mutate(text: string, next: () => number): string {
  const choice = Math.floor(next() * 4);
  if (choice === 0) return text.slice(0, Math.floor(next() * text.length)); // truncated mid-statement
  const lines = text.split('\n');
  if (choice === 1) {
    for (let i = lines.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    }
    return lines.join('\n'); // shuffled lines
  }
  if (choice === 2) {
    const at = Math.floor(next() * text.length);
    return text.slice(0, at) + ["'", '$$', '/*', '(', ';', '\u0000', 'é'][Math.floor(next() * 7)] + text.slice(at);
  }
  const words = text.split(/(\s+)/);
  for (let i = 0; i < words.length; i += 2) if (next() < 0.15) words[i] = words[Math.floor(next() * words.length)] ?? '';
  return words.join(''); // tokens swapped
}

describe('mutation test', () => {
  it('mutated fixtures never crash the linter: exit 0 or 1, syntax errors reported', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migsafe-mutants-'));
    cpSync(fixturesDir, path.join(dir, 'fixtures'), { recursive: true });
    const files = fg.sync('fixtures/**/*.{sql,py,ts,js}', { cwd: dir, absolute: true });
    const next = random(20261124);
    for (const file of files) writeFileSync(file, mutate(readFileSync(file, 'utf8'), next));
    const run = runCli(['lint', 'fixtures', '--format', 'json'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect([0, 1]).toContain(run.status);
    const output = JSON.parse(run.stdout);
    expect(output.summary.files).toBeLessThanOrEqual(files.filter((f) => !f.includes('/verify/')).length);
    expect(output.summary.files).toBeGreaterThan(files.length * 0.8);
    expect(output.findings.some((f: { ruleId: string }) => f.ruleId === 'syntax-error')).toBe(true);
  });
});

describe.skipIf(!existsSync(corpusDir))('real-world corpus (../shared/corpus)', () => {
  it('reads every SQL, Alembic and TS/JS migration file without an internal error', async () => {
    const files = fg.sync('**/*.{sql,py,ts,js}', { cwd: corpusDir, onlyFiles: true, ignore: ['**/node_modules/**'] });
    const result = await lintWith({ paths: ['.'], cwd: corpusDir });
    expect(result.errors).toEqual([]);
    // Every file is read; the few that are not migrations (a commented-out file) are not counted as one.
    expect(result.filesExamined).toBe(files.length);
    expect(result.summary.files).toBeGreaterThan(files.length * 0.99);
    // Every project's migrations parse: syntax errors are a rare exception, not the norm.
    const syntaxErrors = result.diagnostics.filter((d) => d.ruleId === 'syntax-error').length;
    expect(syntaxErrors).toBeLessThan(result.summary.statements / 100);
    // Most Alembic operations are lowered to SQL; the rest are reported, not dropped.
    expect(result.summary.unanalyzable).toBeLessThan(result.summary.statements / 20);
  }, 120_000);
});
if (!existsSync(corpusDir)) console.warn(`skipped: corpus tests (${corpusDir} is absent; it ships beside the repository, not in it)`);
