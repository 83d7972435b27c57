// The whole pipeline for one run: discover → sources → rules → suppressions → diagnostics.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadModule } from 'libpg-query';
import { discover } from '../discover/discover.js';
import { sqlLayouts, layoutByName } from '../sources/index.js';
import { makeSourceFile, positionAt, readSourceFile } from '../sources/source-file.js';
import { sortMigrations, type ReadContext } from '../sources/layout.js';
import { ConfigError, DEFAULT_PLACEHOLDERS, loadConfig, settingsFor, type LoadedConfig } from './config.js';
import type { RuleModule } from './rule.js';
import { loadRules } from './rules-registry.js';
import { runRules } from './run-rules.js';
import { applySuppressions } from './suppressions.js';
import type { Diagnostic, Finding, Migration, Severity, SourceFile } from './types.js';

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
  migrations: Migration[];
}

export async function lint(request: LintRequest): Promise<LintResult> {
  const cwd = request.cwd ?? process.cwd();
  await loadModule();
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

  const files = new Map<string, SourceFile>();
  const errors: string[] = [];
  const findings: Finding[] = [];
  const migrations: Migration[] = [];
  const placeholders = (loaded.config.placeholders ?? DEFAULT_PLACEHOLDERS).map((p) => new RegExp(p, 'g'));

  for (const directory of discovery.directories) {
    const settings = settingsFor(loaded, directory.dir, { pgVersion: request.pgVersion, rules: request.rules });
    const context: ReadContext = {
      read(absPath) {
        let file = files.get(absPath);
        if (!file) {
          file = absPath === stdinPath ? makeSourceFile(absPath, request.stdin!.text, cwd) : readSourceFile(absPath, cwd);
          files.set(absPath, file);
        }
        return file;
      },
      exists: (absPath) => absPath === stdinPath || existsSync(absPath),
      parseOptions: { placeholders },
      assumeInTransaction: settings.assumeInTransaction,
    };
    let directoryMigrations: Migration[];
    try {
      const layout = (settings.layout && layoutByName(settings.layout)) || sqlLayouts.find((l) => l.claims(directory, context))!;
      directoryMigrations = layout.read(directory, context);
      if (!layout.ordersItself) sortMigrations(directoryMigrations);
    } catch (error) {
      errors.push(`cannot read ${path.relative(cwd, directory.dir) || '.'}: ${(error as Error).message}`);
      continue;
    }
    const isTarget = (migration: Migration) => migration.files.some((f) => discovery.targets.has(f.path));
    const result = runRules(directoryMigrations, rules, {
      pgVersion: settings.pgVersion,
      severities: settings.severities,
      ruleOptions: settings.ruleOptions,
      lockTimeoutSetByRunner: settings.lockTimeoutSetByRunner,
      isTarget,
    });
    findings.push(...result.findings);
    errors.push(...result.errors);
    migrations.push(...directoryMigrations.filter(isTarget));
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
  const statements = migrations.reduce((n, m) => n + m.up.statements.length + (m.down?.statements.length ?? 0), 0);
  return {
    diagnostics,
    summary: {
      files: targetFiles.length,
      migrations: migrations.length,
      statements,
      errors: diagnostics.filter((d) => d.severity === 'error').length,
      warnings: diagnostics.filter((d) => d.severity === 'warning').length,
      infos: diagnostics.filter((d) => d.severity === 'info').length,
    },
    errors,
    rules,
    migrations,
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
