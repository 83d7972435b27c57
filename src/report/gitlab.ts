// GitLab Code Quality report (artifacts:reports:codequality).
// https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format
import { fingerprints } from '../engine/fingerprint.js';
import type { Reporter } from './reporter.js';

const SEVERITY = { error: 'major', warning: 'minor', info: 'info' } as const;

export const reportGitlab: Reporter = (result) => {
  const prints = fingerprints(result.diagnostics);
  const issues = result.diagnostics.map((d, i) => ({
    description: d.message,
    check_name: d.ruleId,
    fingerprint: prints[i],
    severity: SEVERITY[d.severity],
    location: { path: d.file, lines: { begin: d.line, end: d.endLine } },
  }));
  return `${JSON.stringify(issues, null, 2)}\n`;
};
