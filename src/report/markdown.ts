// A summary for a pull-request comment: per file, a table of findings. Kept under the comment size
// limit (GitHub's is 65,536 characters), saying how many findings were cut.
import type { Diagnostic } from '../engine/types.js';
import type { Reporter } from './reporter.js';

export const MARKDOWN_LIMIT = 60_000;
const ICON = { error: '🔴 error', warning: '🟡 warning', info: '🔵 info' } as const;

/**
 * Text from the migrations in a Markdown table cell (a PR comment, the Action's job summary): HTML,
 * links and @mentions are shown as the characters they are, never rendered, linked or notified.
 */
export function cell(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`[\]|]/g, (ch) => `\\${ch}`)
    .replace(/@/g, '@\u200b');
}

/** A file name as a code span (literal: no HTML, no links), fenced past any backticks in it. */
function codeSpan(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest ? `${fence} ${clean} ${fence}` : `${fence}${clean}${fence}`;
}

export const reportMarkdown: Reporter = (result, options) => {
  const limit = options.markdownLimit ?? MARKDOWN_LIMIT;
  const { errors, warnings, infos, files, migrations } = result.summary;
  const total = result.diagnostics.length;
  const heading =
    total === 0
      ? `### migsafe: no problems\n\n${files} file${files === 1 ? '' : 's'}, ${migrations} migration${migrations === 1 ? '' : 's'} checked.\n`
      : `### migsafe: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${infos} info\n\n${files} file${files === 1 ? '' : 's'}, ${migrations} migration${migrations === 1 ? '' : 's'} checked. Run \`npx migsafe explain <rule>\` for the why and the safe rewrite.\n`;
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of result.diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);

  const footerRoom = 120;
  let out = heading;
  let shown = 0;
  for (const [file, diagnostics] of byFile) {
    const header = `\n**${codeSpan(file)}**\n\n| | Rule | Line | Message |\n|---|---|---|---|\n`;
    if (out.length + header.length + footerRoom > limit) break;
    let section = header;
    let rows = 0;
    for (const d of diagnostics) {
      const row = `| ${ICON[d.severity]} | \`${d.ruleId}\` | ${d.line} | ${cell(d.message)} |\n`;
      if (out.length + section.length + row.length + footerRoom > limit) break;
      section += row;
      rows++;
    }
    if (rows === 0) break;
    out += section;
    shown += rows;
    if (rows < diagnostics.length) break;
  }
  if (shown < total) out += `\n_…and ${total - shown} more finding${total - shown === 1 ? '' : 's'} not shown (comment size limit); see the full report in the job log._\n`;
  return out;
};
