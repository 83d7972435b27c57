// Baselines: adopt migsafe in a repository with years of migrations by recording today's findings
// (by fingerprint: rule, file, statement text; not lines) and reporting only new ones. Files are
// named relative to the baseline file's own folder (the repository root, where it usually sits), so
// a baseline matches whichever folder lint runs from.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config.js';
import { fingerprints } from './fingerprint.js';
import { summarize, type LintResult } from './lint.js';
import type { Diagnostic } from './types.js';

export interface BaselineEntry {
  fingerprint: string;
  ruleId: string;
  file: string;
  /** Where it was when recorded, for people reading the file; not used to match. */
  line: number;
  message: string;
}

export interface BaselineFile {
  version: 1;
  findings: BaselineEntry[];
}

/** A finding's file relative to the baseline's folder, with forward slashes. */
function baselinePath(baselineFile: string, cwd: string): (d: Pick<Diagnostic, 'file' | 'source'>) => string {
  const root = path.dirname(path.resolve(cwd, baselineFile));
  return (d) => path.relative(root, d.source?.path ?? path.resolve(cwd, d.file)).split(path.sep).join('/');
}

export function makeBaseline(diagnostics: Diagnostic[], baselineFile: string, cwd = process.cwd()): BaselineFile {
  const fileOf = baselinePath(baselineFile, cwd);
  const prints = fingerprints(diagnostics, fileOf);
  return {
    version: 1,
    findings: diagnostics.map((d, i) => ({ fingerprint: prints[i]!, ruleId: d.ruleId, file: fileOf(d), line: d.line, message: d.message })),
  };
}

export function writeBaseline(file: string, baseline: BaselineFile): void {
  writeFileSync(file, `${JSON.stringify(baseline, null, 2)}\n`);
}

export function readBaseline(file: string): BaselineFile {
  let parsed: BaselineFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read baseline ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (parsed?.version !== 1 || !Array.isArray(parsed.findings)) throw new ConfigError(`${file} is not a migsafe baseline (version 1)`);
  parsed.findings.forEach((entry, i) => {
    if (typeof entry?.fingerprint !== 'string' || typeof entry.file !== 'string') {
      throw new ConfigError(`baseline ${file}: findings[${i}] is not an entry with a "fingerprint" and a "file" (write it again with \`migsafe baseline\`)`);
    }
  });
  return parsed;
}

/** Leaves out the findings the baseline records; counts the entries that no longer occur. */
export function applyBaseline(result: LintResult, baseline: BaselineFile, baselineFile: string, cwd = process.cwd()): LintResult {
  const fileOf = baselinePath(baselineFile, cwd);
  const known = new Map<string, number>();
  for (const entry of baseline.findings) known.set(entry.fingerprint, (known.get(entry.fingerprint) ?? 0) + 1);
  const prints = fingerprints(result.diagnostics, fileOf);
  const seen = new Set<string>();
  const diagnostics = result.diagnostics.filter((_, i) => {
    const print = prints[i]!;
    if (!known.has(print)) return true;
    seen.add(print);
    return false;
  });
  // Entries for files this run did not read may still be valid: only judge files that were linted.
  const linted = new Set(result.diagnostics.map(fileOf).concat((result.filesLinted ?? []).map((file) => fileOf({ file }))));
  const stale = baseline.findings.filter((e) => !seen.has(e.fingerprint) && linted.has(e.file)).length;
  return {
    ...result,
    diagnostics,
    summary: { ...summarize(diagnostics, result.summary), baseline: { matched: result.diagnostics.length - diagnostics.length, stale } },
  };
}
