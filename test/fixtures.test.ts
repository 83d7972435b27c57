// Every fixture file says, with `-- expect: rule-id` markers, exactly which findings each of its
// lines produces; every finding must be expected and every expectation found.
import path from 'node:path';
import fg from 'fast-glob';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/engine/config.js';
import { lint, type LintResult } from '../src/engine/lint.js';
import { loadRules } from '../src/engine/rules-registry.js';
import { expectedFindings, fixturesDir } from './helpers.js';

// sqitch verify scripts are checks run after deploy, not migrations; a TypeORM DataSource is the
// runner's config: neither is linted.
const fixtureFiles = fg.sync('**/*.{sql,py,ts,js}', { cwd: fixturesDir, onlyFiles: true, ignore: ['**/verify/**', '**/data-source.ts'] }).sort();
let result: LintResult;

// Markers of the rules trace and verify report are checked by test/observed.test.ts.
let observedRules = new Set<string>();

beforeAll(async () => {
  const config = await loadConfig(fixturesDir, 'migsafe.config.json');
  result = await lint({ paths: ['.'], cwd: fixturesDir, config });
  observedRules = new Set((await loadRules()).filter((r) => r.observedBy).map((r) => r.id));
});

describe('fixtures: findings equal the -- expect: markers', () => {
  it.each(fixtureFiles)('%s', (file) => {
    const actual = result.diagnostics
      .filter((d) => d.file === file)
      .map((d) => `${d.line}:${d.ruleId}`)
      .sort();
    expect(actual).toEqual(expectedFindings(path.join(fixturesDir, file)).filter((m) => !observedRules.has(m.split(':')[1]!)));
  });

  it('reads every fixture file and reports no internal error', () => {
    expect(result.errors).toEqual([]);
    expect(result.summary.files).toBe(fixtureFiles.length);
  });
});

describe('every rule has fixtures it must flag and must not flag', async () => {
  const rules = await loadRules();
  it.each(rules.map((r) => r.id))('%s', (id) => {
    const dir = path.join(fixturesDir, 'rules', id);
    const markersIn = (sub: string) =>
      fg.sync('**/*.{sql,py,ts,js}', { cwd: path.join(dir, sub), absolute: true }).flatMap((f) => expectedFindings(f));
    expect(markersIn('invalid').filter((m) => m.endsWith(`:${id}`)).length).toBeGreaterThan(0);
    expect(markersIn('valid').filter((m) => m.endsWith(`:${id}`))).toEqual([]);
  });
});
