// What `migsafe fix` says: the change (a diff with --dry-run), the findings fixed, what was proved,
// and what it left and why. Exit code: 0 when every fixable finding was fixed and proved, 1 when
// some were left or the proof failed (then nothing is written).
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { FixOutcome } from './fix.js';

export function printFix(outcome: FixOutcome, options: { dryRun: boolean; cwd: string; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): number {
  const rel = (file: string) => path.relative(options.cwd, file).split(path.sep).join('/');
  const out: string[] = [];
  if (options.dryRun) {
    for (const file of outcome.files) {
      const name = rel(file.path);
      options.stdout.write(createTwoFilesPatch(file.before === null ? '/dev/null' : `a/${name}`, `b/${name}`, file.before ?? '', file.after, undefined, undefined, { context: 3 }).replace(/^=+\n/, ''));
    }
  }
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (!outcome.files.length) {
    out.push(outcome.unfixed.length ? `migsafe fix: nothing it could fix (${plural(outcome.unfixed.length, 'finding')} left)` : 'migsafe fix: nothing to fix');
  } else {
    const verb = outcome.written ? 'wrote' : options.dryRun && outcome.proof.ok ? 'would write' : 'did not write';
    out.push(`migsafe fix: ${plural(outcome.fixed.length, 'finding')} fixed; ${verb} ${plural(outcome.files.length, 'file')}:`);
    for (const file of outcome.files) out.push(`  ${rel(file.path)}${file.before === null ? ' (new)' : ''}`);
    if (outcome.fixed.length) out.push('fixed:');
    for (const f of outcome.fixed) out.push(`  ${f.file}:${f.line}  ${f.ruleId}`);
    out.push(outcome.proof.ok ? 'proved:' : 'not proved (nothing written):');
    for (const line of outcome.proof.lines) out.push(`  ${line}`);
  }
  if (outcome.committed) out.push(`left alone: ${outcome.committed} fixable finding${outcome.committed === 1 ? '' : 's'} in committed migrations (name a file to fix it anyway)`);
  if (outcome.unfixed.length) {
    out.push('not fixed:');
    for (const f of outcome.unfixed) out.push(`  ${f.file}:${f.line}  ${f.ruleId}: ${f.reason}`);
  }
  (options.dryRun ? options.stderr : options.stdout).write(`${out.join('\n')}\n`);
  return outcome.unfixed.length || !outcome.proof.ok ? 1 : 0;
}
