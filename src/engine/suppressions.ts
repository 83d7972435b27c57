// Suppression comments: `-- migsafe-ignore RULE[, RULE]: reason` on a statement or the line above
// it, and `-- migsafe-ignore-file RULE: reason` for a whole file. A suppression that names an
// unknown rule or suppresses nothing is itself reported (unused-suppression), so stale ones go.
import { positionAt } from '../sources/source-file.js';
import type { Finding, Severity, SourceFile } from './types.js';

interface Suppression {
  file: SourceFile;
  line: number;
  offset: number;
  rules: string[];
  fileWide: boolean;
  used: Set<string>;
}

const COMMENT = /(?:--|\/\/|#)\s*migsafe-ignore(-file)?\b[ \t]*([^:\r\n]*)(?::[^\r\n]*)?/g;

export function parseSuppressions(file: SourceFile): Suppression[] {
  const found: Suppression[] = [];
  if (!file.text.includes('migsafe-ignore')) return found;
  for (const match of file.text.matchAll(COMMENT)) {
    // The rule list ends at the reason (`: ...`) or at another comment on the line (` -- ...`).
    const rules = match[2]!.split(/(?:^|\s)--/)[0]!.split(/[\s,]+/).filter(Boolean);
    found.push({
      file,
      line: positionAt(file, match.index!).line,
      offset: match.index!,
      rules,
      fileWide: !!match[1],
      used: new Set(),
    });
  }
  return found;
}

export function applySuppressions(
  findings: Finding[],
  files: SourceFile[],
  knownRules: Set<string>,
  unusedSeverity: Severity | 'off',
): Finding[] {
  const byFile = new Map<string, Suppression[]>();
  for (const file of files) {
    const suppressions = parseSuppressions(file);
    if (suppressions.length) byFile.set(file.path, suppressions);
  }
  if (byFile.size === 0) return findings;
  const kept = findings.filter((finding) => {
    const suppressions = byFile.get(finding.file.path);
    if (!suppressions) return true;
    const first = positionAt(finding.file, finding.statementSpan.start).line;
    const last = positionAt(finding.file, Math.max(finding.statementSpan.start, finding.statementSpan.end - 1)).line;
    const match = suppressions.find(
      (s) => s.rules.includes(finding.ruleId) && (s.fileWide || (s.line >= first - 1 && s.line <= last)),
    );
    if (!match) return true;
    match.used.add(finding.ruleId);
    return false;
  });
  if (unusedSeverity === 'off') return kept;
  for (const suppressions of byFile.values()) {
    for (const suppression of suppressions) {
      const problems = suppression.rules.length === 0
        ? ['names no rule']
        : suppression.rules
            .filter((rule) => !suppression.used.has(rule))
            .map((rule) => (knownRules.has(rule) ? `for ${rule} suppressed nothing` : `names unknown rule ${rule}`));
      for (const problem of problems) {
        const end = suppression.file.text.indexOf('\n', suppression.offset);
        const span = { start: suppression.offset, end: end < 0 ? suppression.file.text.length : end };
        kept.push({
          ruleId: 'unused-suppression',
          severity: unusedSeverity,
          message: `This migsafe-ignore${suppression.fileWide ? '-file' : ''} comment ${problem}.`,
          help: 'Remove the comment, or name the rule id it is meant for (`migsafe rules` lists them).',
          file: suppression.file,
          span,
          statementSpan: span,
        });
      }
    }
  }
  return kept;
}
