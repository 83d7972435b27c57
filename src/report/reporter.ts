import type { LintResult } from '../engine/lint.js';

export interface ReportOptions {
  color: boolean;
  cwd: string;
  /** markdown: the most characters to print. */
  markdownLimit?: number;
}

/** A reporter turns a lint result into the text of one output format; it knows no rule internals. */
export type Reporter = (result: LintResult, options: ReportOptions) => string;
