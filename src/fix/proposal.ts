// The expand/contract plans of renames and type changes, written by `migsafe fix` as proposal files
// (Markdown, beside the project, read by neither the runner nor migsafe): each step is a migration
// of its own, with the application deployed between the steps that say so. Nothing here is applied.
import path from 'node:path';
import { gitTop } from '../discover/git.js';
import type { Diagnostic, Migration, Rewrite } from '../engine/types.js';

/** Where the plan for a finding goes: migsafe-proposals/ at the top of the repository (or the working directory). */
export function proposalFile(cwd: string, migration: Migration, diagnostic: Diagnostic): string {
  const top = gitTop(cwd) ?? cwd;
  return path.join(top, 'migsafe-proposals', `${migration.id}-${diagnostic.ruleId}-line${diagnostic.line}.md`.replace(/[^\w.-]+/g, '_'));
}

export function proposalText(diagnostic: Diagnostic, migration: Migration, outsideTransaction: string): string {
  const rewrite = diagnostic.rewrite as Rewrite;
  const steps = rewrite.migrations.map((m, i) => {
    const heading = `## Step ${i + 1}: ${m.note ?? 'a migration'}`;
    const how = m.outsideTransaction ? `\nRun it outside a transaction: ${outsideTransaction}.\n` : '';
    const body = m.statements.length ? `\n\`\`\`sql\n${m.statements.map((sql) => `${sql};`).join('\n')}\n\`\`\`\n` : '';
    return `${heading}\n${how}${body}`;
  });
  return [
    `# migsafe proposal: ${rewrite.proposal}`,
    '',
    `From \`${diagnostic.file}:${diagnostic.line}\` (${diagnostic.ruleId}, migration ${migration.id}): ${diagnostic.message}`,
    '',
    `This is a plan, not a migration: \`migsafe fix\` did not change \`${diagnostic.file}\`. Each step is a migration of its own, in this order, with the application moved over between the steps that say so. Replace the statement at line ${diagnostic.line} with step 1. Review every step before it ships.`,
    '',
    ...steps,
  ].join('\n');
}
