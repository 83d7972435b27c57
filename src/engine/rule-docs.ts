// A rule's documentation page, built from its module: `migsafe explain`, SARIF help and docs/rules.
import type { RuleExample, RuleModule } from './rule.js';

function exampleSql(example: RuleExample): string {
  if (example.files) return Object.entries(example.files).map(([name, text]) => `# ${name}\n${text.trimEnd()}`).join('\n\n');
  const parts: string[] = [];
  if (example.before?.length) parts.push(`-- earlier migrations:\n${example.before.join('\n')}\n-- this migration:`);
  if (example.transaction === 'wrapped') parts.push('-- (the runner wraps this migration in a transaction)');
  if (example.pgVersion) parts.push(`-- (target PostgreSQL ${example.pgVersion})`);
  parts.push(example.sql ?? '');
  if (example.down !== undefined) parts.push(`-- down:\n${example.down || '-- (empty)'}`);
  return parts.join('\n');
}

export function ruleMarkdown(rule: RuleModule): string {
  const fence = (example: RuleExample) => `~~~${example.files ? 'python' : 'sql'}\n${exampleSql(example)}\n~~~`;
  return [
    `# ${rule.id}`,
    '',
    `Default severity: **${rule.severity}**${rule.checksDown === false ? ' (not reported in down migrations)' : ''}`,
    '',
    rule.docs.summary,
    '',
    '## Why',
    '',
    rule.docs.why,
    '',
    '## Safe alternative',
    '',
    rule.docs.safe,
    '',
    '## Examples',
    '',
    '### Invalid',
    '',
    ...rule.docs.examples.invalid.map((e) => fence(e) + '\n'),
    '### Valid',
    '',
    ...rule.docs.examples.valid.map((e) => fence(e) + '\n'),
    '## Sources',
    '',
    ...rule.docs.sources.map((s) => `- ${s}`),
    '',
  ].join('\n');
}
