// The README's rule table is documentation users read: it must list every rule with its default.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { loadRules } from '../src/engine/rules-registry.js';
import { repoRoot } from './helpers.js';

it('README lists every lint rule with its default severity, and names every trace/verify rule', async () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const rows = new Map([...readme.matchAll(/^\| ([a-z-]+) \| (error|warning|info) \|/gm)].map((m) => [m[1], m[2]]));
  const rules = (await loadRules()).filter((r) => !r.observedBy);
  expect(Object.fromEntries(rules.map((r) => [r.id, rows.get(r.id)]))).toEqual(Object.fromEntries(rules.map((r) => [r.id, r.severity])));
  for (const rule of (await loadRules()).filter((r) => r.observedBy)) {
    expect(readme).toMatch(new RegExp(`\\| ${rule.id} \\| ${rule.severity} \\|`));
  }
});
