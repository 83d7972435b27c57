// The output formats: SARIF valid against the official 2.1.0 schema, the JSON contract, GitHub
// workflow commands escaped.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import AjvModule from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { escapeData, escapeProperty, reportGithub } from '../src/report/github.js';
import { reportGitlab } from '../src/report/gitlab.js';
import { reportMarkdown } from '../src/report/markdown.js';
import { reportJson } from '../src/report/json.js';
import { reportSarif } from '../src/report/sarif.js';
import { fixturesDir, lintWith, repoRoot, sarifSchemaPath } from './helpers.js';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';

const fixtureResult = await lintWith({ paths: ['fixtures/rules'], cwd: repoRoot });

describe('sarif', () => {
  const log = JSON.parse(reportSarif(fixtureResult, { color: false, cwd: repoRoot }));

  it.skipIf(!existsSync(sarifSchemaPath))('is valid against the official SARIF 2.1.0 schema', () => {
    // CommonJS packages: their default export is the module object under NodeNext typing.
    const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
    const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;
    const ajv = new (Ajv as unknown as new (options: object) => import('ajv').default)({ allErrors: true, strict: false });
    (addFormats as unknown as (ajv: unknown) => void)(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(sarifSchemaPath, 'utf8')));
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });
  if (!existsSync(sarifSchemaPath)) console.warn(`skipped: SARIF schema validation (${sarifSchemaPath} is absent)`);

  it('describes every rule and points each result at its rule', () => {
    const rules = log.runs[0].tool.driver.rules;
    expect(rules.length).toBe(fixtureResult.rules.length);
    const concurrent = rules.find((r: { id: string }) => r.id === 'require-concurrent-index');
    expect(concurrent.defaultConfiguration.level).toBe('error');
    expect(concurrent.help.markdown).toContain('## Safe alternative');
    expect(concurrent.shortDescription.text).toMatch(/CONCURRENTLY/);
    for (const result of log.runs[0].results) {
      expect(rules[result.ruleIndex].id).toBe(result.ruleId);
      const location = result.locations[0].physicalLocation;
      expect(location.artifactLocation.uriBaseId).toBe('%SRCROOT%');
      expect(location.artifactLocation.uri).not.toMatch(/^\//);
      expect(location.region.startLine).toBeGreaterThanOrEqual(1);
      expect(location.region.startColumn).toBeGreaterThanOrEqual(1);
    }
    expect(log.runs[0].results.length).toBe(fixtureResult.diagnostics.length);
  });

  it('keeps fingerprints when unrelated lines move, and tells apart two equal statements', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migsafe-sarif-'));
    mkdirSync(path.join(dir, 'db'));
    const index = 'CREATE INDEX a_idx ON users (email);\n';
    const fingerprints = async (text: string) => {
      writeFileSync(path.join(dir, 'db/001.sql'), text);
      const result = await lintWith({ paths: ['db'], cwd: dir, rules: { 'require-lock-timeout': 'off' } });
      return JSON.parse(reportSarif(result, { color: false, cwd: dir })).runs[0].results.map((r: { partialFingerprints: Record<string, string> }) => r.partialFingerprints['migsafe/v1']);
    };
    const before = await fingerprints(index);
    const moved = await fingerprints(`-- a comment\n\nSELECT 1;\n${index}`);
    expect(moved).toEqual(before);
    const twice = await fingerprints(index + index);
    expect(new Set(twice).size).toBe(2);
  });
});

describe('json', () => {
  it('follows the documented contract', () => {
    const output = JSON.parse(reportJson(fixtureResult, { color: false, cwd: repoRoot }));
    expect(output.version).toBe(1);
    expect(Object.keys(output.summary)).toEqual(['files', 'migrations', 'statements', 'unanalyzable', 'errors', 'warnings', 'infos']);
    const finding = output.findings.find((f: { file: string; ruleId: string }) => f.file === 'fixtures/rules/require-concurrent-index/invalid/index_existing_table.sql');
    expect(finding).toEqual({
      ruleId: 'require-concurrent-index',
      severity: 'error',
      message: 'CREATE INDEX on existing table "users" takes a SHARE lock that blocks every write until the index is built.',
      help: expect.stringContaining('CREATE INDEX CONCURRENTLY users_email_idx ON users (email);'),
      rewrite: { migrations: [{ statements: ['CREATE INDEX CONCURRENTLY users_email_idx ON users (email)'], outsideTransaction: true }] },
      file: 'fixtures/rules/require-concurrent-index/invalid/index_existing_table.sql',
      line: 2,
      column: 1,
      endLine: 2,
      endColumn: 47,
      migration: 'index_existing_table',
      section: 'up',
    });
    const down = output.findings.find((f: { section: string }) => f.section === 'down');
    expect(down).toBeDefined();
    expect(output.summary.errors).toBe(output.findings.filter((f: { severity: string }) => f.severity === 'error').length);
  });
});

describe('github', () => {
  it('escapes data and properties as the runner expects', () => {
    expect(escapeData('50% done\r\nnext')).toBe('50%25 done%0D%0Anext');
    expect(escapeProperty('a:b,c%')).toBe('a%3Ab%2Cc%25');
  });

  it('emits one workflow command per finding with 1-based positions', () => {
    const lines = reportGithub(fixtureResult, { color: false, cwd: repoRoot }).trimEnd().split('\n');
    expect(lines.length).toBe(fixtureResult.diagnostics.length);
    expect(lines).toContainEqual(expect.stringMatching(/^::error file=fixtures\/rules\/require-concurrent-index\/invalid\/index_existing_table\.sql,line=2,col=1,endLine=2,endColumn=47,title=migsafe require-concurrent-index::CREATE INDEX on existing table "users"/));
    expect(lines.some((l) => l.startsWith('::notice '))).toBe(true);
    for (const line of lines) expect(line).not.toMatch(/[\r]/);
  });
});

void fixturesDir;

describe('gitlab', () => {
  const issues = JSON.parse(reportGitlab(fixtureResult, { color: false, cwd: repoRoot }));

  it('matches the snapshot of the fixtures report', async () => {
    await expect(reportGitlab(fixtureResult, { color: false, cwd: repoRoot })).toMatchFileSnapshot('__snapshots__/fixtures-rules.gitlab.json');
  });

  it('has the Code Quality fields, with a fingerprint unique per finding', () => {
    expect(issues.length).toBe(fixtureResult.diagnostics.length);
    for (const issue of issues) {
      expect(Object.keys(issue).sort()).toEqual(['check_name', 'description', 'fingerprint', 'location', 'severity']);
      expect(['info', 'minor', 'major', 'critical', 'blocker']).toContain(issue.severity);
      expect(issue.location.lines.begin).toBeGreaterThanOrEqual(1);
    }
    expect(new Set(issues.map((i: { fingerprint: string }) => i.fingerprint)).size).toBe(issues.length);
  });
});

describe('markdown', () => {
  it('matches the snapshot of the fixtures report', async () => {
    await expect(reportMarkdown(fixtureResult, { color: false, cwd: repoRoot })).toMatchFileSnapshot('__snapshots__/fixtures-rules.md');
  });

  it('stays under the size limit and says how many findings were cut', () => {
    const text = reportMarkdown(fixtureResult, { color: false, cwd: repoRoot, markdownLimit: 2000 });
    expect(text.length).toBeLessThanOrEqual(2000);
    const rows = text.split('\n').filter((l) => /^\| (🔴|🟡|🔵)/u.test(l)).length;
    expect(text).toContain(`…and ${fixtureResult.diagnostics.length - rows} more findings not shown`);
    expect(rows).toBeGreaterThan(0);
  });

  it('escapes table cells', () => {
    const one = { ...fixtureResult, diagnostics: [{ ...fixtureResult.diagnostics[0]!, message: 'a | b\nc' }] };
    expect(reportMarkdown(one, { color: false, cwd: repoRoot })).toContain('a \\| b c');
  });
});
