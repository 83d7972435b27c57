// GitHub Actions workflow commands, one annotation per finding.
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
import type { Reporter } from './reporter.js';

const LEVEL = { error: 'error', warning: 'warning', info: 'notice' } as const;

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export const reportGithub: Reporter = (result) =>
  result.diagnostics
    .map((d) => {
      const properties = [
        `file=${escapeProperty(d.file)}`,
        `line=${d.line}`,
        `col=${d.column}`,
        `endLine=${d.endLine}`,
        `endColumn=${d.endColumn}`,
        `title=${escapeProperty(`migsafe ${d.ruleId}`)}`,
      ].join(',');
      const message = d.help ? `${d.message}\n\n${d.help}` : d.message;
      return `::${LEVEL[d.severity]} ${properties}::${escapeData(message)}\n`;
    })
    .join('');
