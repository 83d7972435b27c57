// Stable identities for findings: the rule, the file and the statement's text (whitespace and case
// folded), plus which occurrence of that triple it is. Line numbers are left out, so a finding keeps
// its fingerprint when unrelated lines move. Used by SARIF, GitLab reports and baselines.
import { createHash } from 'node:crypto';
import type { Diagnostic } from './types.js';

/** `fileOf` names the file (default: relative to the working directory, as reported). */
export function fingerprints(diagnostics: Diagnostic[], fileOf: (d: Diagnostic) => string = (d) => d.file): string[] {
  const occurrences = new Map<string, number>();
  return diagnostics.map((d) => {
    const key = [d.ruleId, fileOf(d), normaliseSql(d.statementText ?? d.message)].join('\u0000');
    const occurrence = occurrences.get(key) ?? 0;
    occurrences.set(key, occurrence + 1);
    return createHash('sha256').update(`${key}\u0000${occurrence}`).digest('hex').slice(0, 32);
  });
}

function normaliseSql(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim().toLowerCase();
}
