// The whole pipeline for one run: discover → sources → rules → suppressions → diagnostics.
import path from 'node:path';
import { discover } from '../discover/discover.js';
import { makeSourceFile, positionAt, readSourceFile } from '../sources/source-file.js';
import { ConfigError, loadConfig, type LoadedConfig } from './config.js';
import { runJobs, type DirectoryJob } from './lint-directories.js';
import type { RuleModule } from './rule.js';
import { loadRules } from './rules-registry.js';
import { applySuppressions } from './suppressions.js';
import type { Diagnostic, Finding, Severity, SourceFile } from './types.js';

export interface LintRequest {
  paths: string[];
  cwd?: string;
  configPath?: string;
  /** Loaded config, instead of searching for one (tests, the ESLint plugin). */
  config?: LoadedConfig;
  pgVersion?: number;
  rules?: Record<string, Severity | 'off'>;
  /** Lint this text as if it were the file at `filename` (relative to cwd). */
  stdin?: { text: string; filename: string };
}

export interface LintSummary {
  files: number;
  migrations: number;
  statements: number;
  errors: number;
  warnings: number;
  infos: number;
}

export interface LintResult {
  diagnostics: Diagnostic[];
  summary: LintSummary;
  /** Internal errors; the CLI exits 2 when there are any. */
  errors: string[];
  rules: RuleModule[];
}

export async function lint(request: LintRequest): Promise<LintResult> {
  const cwd = request.cwd ?? process.cwd();
  const rules = await loadRules();
  const knownRules = new Set(rules.map((r) => r.id));
  for (const id of Object.keys(request.rules ?? {})) {
    if (!knownRules.has(id)) throw new ConfigError(`--rule: unknown rule "${id}" (see \`migsafe rules\`)`);
  }
  const loaded = request.config ?? (await loadConfig(cwd, request.configPath));
  for (const id of Object.keys(loaded.config.rules ?? {})) {
    if (!knownRules.has(id)) throw new ConfigError(`invalid config ${loaded.filepath ?? ''}: unknown rule "rules.${id}"`);
  }
  const stdinPath = request.stdin ? path.resolve(cwd, request.stdin.filename) : null;
  const discovery = discover(request.paths, {
    cwd,
    include: loaded.config.include,
    exclude: loaded.config.exclude,
    base: loaded.base,
    extraFiles: stdinPath ? [stdinPath] : [],
  });

  const job: DirectoryJob = {
    cwd,
    directories: discovery.directories,
    targets: [...discovery.targets],
    config: { config: loaded.config, filepath: loaded.filepath, base: loaded.base },
    cli: { pgVersion: request.pgVersion, rules: request.rules },
    stdin: stdinPath ? { path: stdinPath, text: request.stdin!.text } : undefined,
  };
  const results = await runJobs(job);
  const files = new Map<string, SourceFile>();
  const findings: Finding[] = [];
  const errors: string[] = [];
  let migrationCount = 0;
  let statements = 0;
  for (const result of results) {
    for (const [filePath, file] of result.files ?? []) files.set(filePath, file);
    errors.push(...result.errors);
    migrationCount += result.migrations;
    statements += result.statements;
  }
  const fileFor = (filePath: string): SourceFile => {
    let file = files.get(filePath);
    if (!file) {
      file = filePath === stdinPath ? makeSourceFile(filePath, request.stdin!.text, cwd) : readSourceFile(filePath, cwd);
      files.set(filePath, file);
    }
    return file;
  };
  for (const result of results) {
    for (const finding of result.findings) findings.push({ ...finding, file: fileFor(finding.file) });
    for (const filePath of result.filesRead) fileFor(filePath);
  }

  const targetFiles = [...files.values()].filter((f) => discovery.targets.has(f.path));
  const unusedSeverity = request.rules?.['unused-suppression'] ?? loaded.config.rules?.['unused-suppression'];
  const kept = applySuppressions(
    findings,
    targetFiles,
    knownRules,
    normaliseUnused(unusedSeverity, rules.find((r) => r.id === 'unused-suppression')?.severity ?? 'warning'),
  );
  const diagnostics = kept.map(toDiagnostic).sort(compareDiagnostics);
  return {
    diagnostics,
    summary: {
      files: targetFiles.length,
      migrations: migrationCount,
      statements,
      errors: diagnostics.filter((d) => d.severity === 'error').length,
      warnings: diagnostics.filter((d) => d.severity === 'warning').length,
      infos: diagnostics.filter((d) => d.severity === 'info').length,
    },
    errors,
    rules,
  };
}

function normaliseUnused(setting: unknown, fallback: Severity): Severity | 'off' {
  const value = Array.isArray(setting) ? setting[0] : setting;
  if (value === 'warn') return 'warning';
  if (value === 'error' || value === 'warning' || value === 'info' || value === 'off') return value;
  return fallback;
}

export function toDiagnostic(finding: Finding): Diagnostic {
  const start = positionAt(finding.file, finding.span.start);
  const end = positionAt(finding.file, Math.max(finding.span.end, finding.span.start));
  return {
    ruleId: finding.ruleId,
    severity: finding.severity,
    message: finding.message,
    help: finding.help,
    file: finding.file.relPath,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
    migration: finding.migration,
    section: finding.section,
    statementText: finding.statementText,
    source: finding.file,
  };
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId);
}
