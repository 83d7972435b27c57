// SARIF 2.1.0 for code scanning, valid against the OASIS schema (tested). Fingerprints hash the rule,
// the file and the statement's text, so they do not change when unrelated lines move.
import { pathToFileURL } from 'node:url';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { fingerprints } from '../engine/fingerprint.js';
import { ruleMarkdown } from '../engine/rule-docs.js';
import { ruleDocsUrl } from '../engine/rule.js';
import type { Reporter } from './reporter.js';

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

export const reportSarif: Reporter = (result, options) => {
  const rules: ReportingDescriptor[] = result.rules.map((rule) => ({
    id: rule.id,
    name: rule.id.replace(/(^|-)(\w)/g, (_, _dash: string, c: string) => c.toUpperCase()),
    shortDescription: { text: rule.docs.summary },
    fullDescription: { text: rule.docs.why.replace(/\s*\n\s*/g, ' ') },
    help: { text: rule.docs.safe, markdown: ruleMarkdown(rule) },
    helpUri: ruleDocsUrl(rule.id),
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { tags: ['postgresql', 'migrations'] },
  }));
  const ruleIndex = new Map(result.rules.map((rule, i) => [rule.id, i]));
  const prints = fingerprints(result.diagnostics);
  const results: Result[] = result.diagnostics.map((d, i) => {
    const sarifResult: Result = {
      ruleId: d.ruleId,
      level: LEVEL[d.severity],
      message: { text: d.help ? `${d.message}\n${d.help}` : d.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: relativeUri(d.file), uriBaseId: '%SRCROOT%' },
            region: { startLine: d.line, startColumn: d.column, endLine: d.endLine, endColumn: d.endColumn },
          },
        },
      ],
      partialFingerprints: {
        'migsafe/v1': prints[i]!,
      },
    };
    const index = ruleIndex.get(d.ruleId);
    if (index !== undefined) sarifResult.ruleIndex = index;
    return sarifResult;
  });
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'migsafe', informationUri: 'https://www.npmjs.com/package/migsafe', semanticVersion: '0.1.0', rules } },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(options.cwd.endsWith('/') ? options.cwd : `${options.cwd}/`).href } },
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
};

/** A relative path as an RFC 3986 URI reference: each segment percent-encoded (`#`, `?`, `%`, spaces). */
export function relativeUri(file: string): string {
  return file.split('/').map((segment) => encodeURIComponent(segment)).join('/');
}
