// The examples in each rule's documentation are run: an invalid example must produce the rule, a
// valid one must not. The docs cannot drift from the behaviour.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuleExample } from '../src/engine/rule.js';
import { ruleMarkdown } from '../src/engine/rule-docs.js';
import { loadRules } from '../src/engine/rules-registry.js';
import { lintWith, repoRoot, writeExample } from './helpers.js';

const rules = await loadRules();
const scratch = mkdtempSync(path.join(tmpdir(), 'migsafe-docs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function ruleIdsFor(example: RuleExample, dir: string): Promise<string[]> {
  const target = writeExample(example, dir);
  const result = await lintWith({ paths: [target], cwd: dir, pgVersion: example.pgVersion ?? 15 });
  expect(result.errors).toEqual([]);
  return result.diagnostics.map((d) => d.ruleId);
}

describe.each(rules.map((r) => [r.id, r] as const))('%s docs', (id, rule) => {
  it('has its generated page in docs/rules, up to date (npm run docs)', () => {
    expect(readFileSync(path.join(repoRoot, 'docs/rules', `${id}.md`), 'utf8')).toBe(ruleMarkdown(rule));
  });

  it('has a summary, why, safe alternative, sources and both kinds of example', () => {
    expect(rule.docs.summary.length).toBeGreaterThan(10);
    expect(rule.docs.why.length).toBeGreaterThan(40);
    expect(rule.docs.safe.length).toBeGreaterThan(20);
    expect(rule.docs.sources.every((s) => s.startsWith('https://www.postgresql.org/docs/'))).toBe(true);
    expect(rule.docs.examples.invalid.length).toBeGreaterThan(0);
    expect(rule.docs.examples.valid.length).toBeGreaterThan(0);
    expect(ruleMarkdown(rule)).toContain(`# ${id}`);
  });

  // Rules observed by trace/verify run their examples on PostgreSQL: test/observed.test.ts.
  if (rule.observedBy) return;

  it.each(rule.docs.examples.invalid.map((e, i) => [i, e] as const))('invalid example %i is flagged', async (i, example) => {
    expect(await ruleIdsFor(example, path.join(scratch, id, `invalid-${i}`))).toContain(id);
  });

  it.each(rule.docs.examples.valid.map((e, i) => [i, e] as const))('valid example %i is not flagged', async (i, example) => {
    expect(await ruleIdsFor(example, path.join(scratch, id, `valid-${i}`))).not.toContain(id);
  });
});
