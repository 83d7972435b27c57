// Human output in the style of rustc and Biome: location, severity and rule, the message, a code
// frame with the statement underlined, the safe rewrite, a pointer to the docs, and a summary.
import pc from 'picocolors';
import { lineText } from '../sources/source-file.js';
import type { Diagnostic } from '../engine/types.js';
import type { Reporter } from './reporter.js';

const MAX_FRAME_LINES = 6;

/**
 * Text from the migrations (identifiers, file names, SQL) shown as it is but for control
 * characters: an escape sequence in a table name must not move the cursor or retitle the terminal.
 * Tabs stay; everything else below U+0020, DEL and the C1 controls are shown as \xNN.
 */
export function visible(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export const reportText: Reporter = (result, options) => {
  const c = pc.createColors(options.color);
  const paint = { error: c.red, warning: c.yellow, info: c.blue } as const;
  const out: string[] = [];
  for (const d of result.diagnostics) {
    out.push(`${c.bold(paint[d.severity](`${d.severity}[${d.ruleId}]`))}${c.bold(`: ${visible(d.message)}`)}`);
    out.push(`${c.blue('  -->')} ${visible(d.file)}:${d.line}:${d.column}${d.migration ? c.dim(`  (migration ${visible(d.migration)}, ${d.section})`) : ''}`);
    out.push(...codeFrame(d, c, paint[d.severity]));
    if (d.help) {
      const [first, ...rest] = d.help.split('\n').map(visible);
      out.push(`${c.blue('   =')} ${c.bold('help')}: ${first}`);
      for (const line of rest) out.push(`           ${line.startsWith('  ') ? c.green(line) : line}`);
    }
    out.push(`${c.blue('   =')} ${c.bold('docs')}: npx migsafe explain ${d.ruleId}`);
    out.push('');
  }
  if (result.trace?.length) out.push(...traceTable(result, c), '');
  if (result.database) out.push(c.dim(`ran on ${visible(result.database)}`));
  if (result.observed) {
    const { command, targets, completed } = result.observed;
    out.push(`${command}: ${completed} of ${targets} migration${targets === 1 ? '' : 's'} under test ${command === 'verify' ? 'made the round trip up → down → up' : 'ran to the end'}${completed < targets ? ' (the findings above say why the others did not)' : ''}`);
  }
  const { errors, warnings, infos, files, migrations } = result.summary;
  const problems = errors + warnings + infos;
  const counts = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}, ${infos} info`;
  const scope = `${files} file${files === 1 ? '' : 's'}, ${migrations} migration${migrations === 1 ? '' : 's'}`;
  out.push(problems === 0 ? c.green(`✔ no problems in ${scope}`) : c.bold(`${errors ? c.red('✖') : c.yellow('⚠')} ${problems} problem${problems === 1 ? '' : 's'} (${counts}) in ${scope}`));
  if (result.summary.baseline) {
    const { matched, stale } = result.summary.baseline;
    out.push(c.dim(`baseline: ${matched} known finding${matched === 1 ? '' : 's'} left out; ${stale} baseline entr${stale === 1 ? 'y' : 'ies'} no longer occur${stale === 1 ? 's' : ''}${stale ? ' (run `migsafe baseline` again to drop them)' : ''}`));
  }
  return `${out.join('\n')}\n`;
};

function codeFrame(d: Diagnostic, c: ReturnType<typeof pc.createColors>, paint: (s: string) => string): string[] {
  if (!d.source) return [];
  const last = Math.min(d.endLine, d.line + MAX_FRAME_LINES - 1);
  const width = String(last).length;
  const gutter = (n?: number) => c.blue(`${n === undefined ? ' '.repeat(width) : String(n).padStart(width)} |`);
  const lines = [`  ${gutter()}`];
  for (let n = d.line; n <= last; n++) {
    // One character for one column, so the underline stays under what it marks.
    const text = lineText(d.source, n).replace(/[\t\u0000-\u001f\u007f-\u009f]/g, (ch) => (ch === '\t' ? ' ' : '?'));
    lines.push(`  ${gutter(n)} ${text}`);
    const from = n === d.line ? d.column - 1 : text.length - text.trimStart().length;
    const to = n === d.endLine ? Math.max(d.endColumn - 1, from + 1) : text.length;
    if (to > from) lines.push(`  ${gutter()} ${' '.repeat(from)}${paint('^'.repeat(Math.max(1, to - from)))}`);
  }
  if (last < d.endLine) lines.push(`  ${gutter()} ${c.dim(`... ${d.endLine - last} more line${d.endLine - last === 1 ? '' : 's'}`)}`);
  return lines;
}

/** trace: one row per statement with the locks it held and what it rewrote. */
function traceTable(result: Parameters<Reporter>[0], c: ReturnType<typeof pc.createColors>): string[] {
  const rows = result.trace!.map((t) => [
    visible(`${t.file}:${t.line}`),
    visible(t.statement.length > 48 ? `${t.statement.slice(0, 47)}…` : t.statement),
    visible(t.locks.map((l) => `${l.relation} ${l.mode}`).join(', ')) || '-',
    (t.heldAfter ? 'held' : 'released') + (t.lockTimeout === '0' ? '' : ` (lock_timeout ${t.lockTimeout})`),
    visible(t.rewrites.join(', ')) || '-',
  ]);
  const header = ['statement', 'sql', 'locks', 'after it', 'rewrites'];
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [c.bold(line(header)), ...rows.map(line)];
}
