// The whole pipeline for one run: discover → sources → rules → suppressions → diagnostics.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { discover, isMigrationFile } from '../discover/discover.js';
import { changedSince, stagedFiles } from '../discover/git.js';
import { positionAt } from '../sources/source-file.js';
import { ConfigError, configDependencies, loadConfig, type LoadedConfig } from './config.js';
import { normaliseSeverity } from './config-settings.js';
import { lintDirectories, lintDirectoriesWith, type DirectoryJob, type DirectoryJobResult, type LayoutCounts } from './lint-directories.js';
import type { RuleModule } from './rule.js';
import { loadRules } from './rules-registry.js';
import { applySuppressions } from './suppressions.js';
import { applyTableStats, loadTableStats, statsDependency, type LoadedTableStats } from './table-stats.js';
import type { Diagnostic, Finding, Severity, TracedStatement } from './types.js';

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
  /**
   * Only migrations added or modified since this git ref (and uncommitted ones); the rest of their
   * directories is read for context. What the change creates is not deployed yet, so it is new.
   */
  changedSince?: string;
  /** Only staged migrations, as staged (pre-commit); like changedSince otherwise. */
  staged?: boolean;
  /** The lint cache's folder: reuse each unchanged directory's findings (src/engine/cache.ts). */
  cache?: string;
  /** Lint the files alone, without the rest of their directories as context. */
  withoutContext?: boolean;
  /** Table statistics file (`migsafe stats`), instead of the config's or .migsafe-stats.json. */
  stats?: string;
  /**
   * Texts that stand for files, on disk or not, by absolute path (`migsafe fix` lints and runs what
   * it would write before writing it). Those not on disk are targets.
   */
  overlay?: Record<string, string>;
}

export interface LintSummary {
  files: number;
  migrations: number;
  statements: number;
  /** Of the statements, operations migsafe could not lower to SQL (code migrations). */
  unanalyzable: number;
  errors: number;
  warnings: number;
  infos: number;
  /** With a baseline: findings it recorded (left out), and its entries that no longer occur. */
  baseline?: { matched: number; stale: number };
}

export interface LintResult {
  diagnostics: Diagnostic[];
  summary: LintSummary;
  /** Internal errors; the CLI exits 2 when there are any. */
  errors: string[];
  /** The config's `baseline` file (absolute), if it names one. */
  configBaseline?: string;
  /** Directories that could not be listed (the rest was linted); the CLI exits 2 when there are any. */
  unreadablePaths?: string[];
  rules: RuleModule[];
  /** The migration files linted, relative to the working directory. */
  filesLinted: string[];
  /** Every file read, migration or not (a helper module beside TS migrations, a commented-out file). */
  filesExamined?: number;
  /** With the cache: directories whose stored findings were reused, and directories linted. */
  cache?: { hits: number; misses: number };
  /** With the cache: every path the run looked at, for the whole-run cache (src/engine/run-cache.ts); absent when they cannot all be listed (a JS config). */
  dependencies?: Set<string>;
  /** Migrations, statements and unanalysable operations by layout. */
  layouts: Record<string, LayoutCounts>;
  /** migsafe trace: what each statement did on PostgreSQL. */
  trace?: TracedStatement[];
  /** migsafe trace/verify: the database the migrations ran on. */
  database?: string;
  /** migsafe trace/verify: the migrations under test, and how many ran to their end (verify: up → down → up). */
  observed?: { command: 'trace' | 'verify'; targets: number; completed: number };
}

export interface PreparedRun {
  cwd: string;
  rules: RuleModule[];
  knownRules: Set<string>;
  loaded: LoadedConfig;
  job: DirectoryJob;
  unreadablePaths: string[];
  tableStats: LoadedTableStats | null;
  /** With the cache: what discovery, the config search and the statistics looked at (for the whole-run cache); null when that cannot be listed. */
  runDependencies: Set<string> | null;
}

/** Rules, config, the changed files and discovery: everything before the directories are read. */
export async function prepareRun(request: LintRequest): Promise<PreparedRun> {
  const cwd = request.cwd ?? process.cwd();
  const rules = await loadRules();
  const loaded = request.config ?? (await loadConfig(cwd, request.configPath));
  return prepareRunWith(request, rules, loaded);
}

/** prepareRun with the rules and the config already loaded: synchronous. */
export function prepareRunWith(request: LintRequest, rules: RuleModule[], loaded: LoadedConfig): PreparedRun {
  const cwd = request.cwd ?? process.cwd();
  const knownRules = new Set(rules.map((r) => r.id));
  for (const id of Object.keys(request.rules ?? {})) {
    if (!knownRules.has(id)) throw new ConfigError(`--rule: unknown rule "${id}" (see \`migsafe rules\`)`);
  }
  for (const id of Object.keys(loaded.config.rules ?? {})) {
    if (!knownRules.has(id)) throw new ConfigError(`invalid config ${loaded.filepath ?? ''}: unknown rule "rules.${id}"`);
  }
  const stdinPath = request.stdin ? path.resolve(cwd, request.stdin.filename) : null;
  const contents = new Map<string, string>();
  if (stdinPath) contents.set(stdinPath, request.stdin!.text);
  for (const [file, text] of Object.entries(request.overlay ?? {})) contents.set(file, text);
  const unwritten = Object.keys(request.overlay ?? {}).filter((file) => isMigrationFile(file) && !existsSync(file));
  let paths = request.paths;
  const changeOnly = request.changedSince !== undefined || !!request.staged;
  if (changeOnly) {
    const change = request.staged ? stagedFiles(cwd) : changedSince(cwd, request.changedSince!);
    for (const [file, text] of change.contents) contents.set(file, text);
    const scopes = (paths.length ? paths : ['.']).map((p) => path.resolve(cwd, p));
    paths = change.files.filter((file) => isMigrationFile(file) && scopes.some((scope) => file === scope || file.startsWith(scope + path.sep)));
  }
  const discovery = discover(paths, {
    cwd,
    include: loaded.config.include,
    exclude: loaded.config.exclude,
    base: loaded.base,
    extraFiles: [...(stdinPath ? [stdinPath] : []), ...unwritten],
    allowEmpty: changeOnly,
    withoutContext: request.withoutContext,
  });
  const job: DirectoryJob = {
    cwd,
    directories: discovery.directories,
    targets: [...discovery.targets],
    config: { config: loaded.config, filepath: loaded.filepath, base: loaded.base },
    cli: { pgVersion: request.pgVersion, rules: request.rules },
    contents: Object.fromEntries(contents),
    targetsUndeployed: changeOnly,
    cache: request.cache,
  };
  let runDependencies: Set<string> | null = null;
  const configKeys = request.cache ? configDependencies(loaded, cwd, request.configPath) : null;
  if (configKeys) {
    runDependencies = new Set([
      ...configKeys,
      ...discovery.listed.map((dir) => `dir:${dir}`),
      ...request.paths.map((given) => `file:${path.resolve(cwd, given)}`),
      statsDependency(loaded, cwd, request.stats),
    ]);
  }
  return { cwd, rules, knownRules, loaded, job, unreadablePaths: discovery.unreadable, tableStats: loadTableStats(loaded, cwd, request.stats), runDependencies };
}

export async function lint(request: LintRequest): Promise<LintResult> {
  const prepared = await prepareRun(request);
  return finishLint(request, prepared, await lintDirectories(prepared.job));
}

/**
 * lint, synchronously, with the rules and config loaded and libpg-query's module loaded first
 * (`await loadModule()`): for callers that cannot wait, like ESLint rules.
 */
export function lintSync(request: LintRequest, rules: RuleModule[], loaded: LoadedConfig): LintResult {
  const prepared = prepareRunWith(request, rules, loaded);
  return finishLint(request, prepared, lintDirectoriesWith(prepared.job, rules));
}

function finishLint(request: LintRequest, prepared: PreparedRun, result: DirectoryJobResult): LintResult {
  const { rules, knownRules, loaded } = prepared;
  const targetFiles = result.migrationFiles;
  // Suppressions span directories, so this one severity comes from the top-level config and the CLI.
  const configured = loaded.config.rules?.['unused-suppression'];
  const unusedSeverity =
    request.rules?.['unused-suppression'] ??
    (configured ? normaliseSeverity(Array.isArray(configured) ? configured[0] : configured) : rules.find((r) => r.id === 'unused-suppression')?.severity ?? 'warning');
  const sized = applyTableStats(result.findings, prepared.tableStats);
  const kept = applySuppressions(sized, targetFiles, knownRules, unusedSeverity);
  const diagnostics = kept.map(toDiagnostic).sort(compareDiagnostics);
  return {
    diagnostics,
    summary: summarize(diagnostics, { files: targetFiles.length, migrations: result.migrations, statements: result.statements, unanalyzable: result.unanalyzable }),
    errors: result.errors,
    unreadablePaths: prepared.unreadablePaths,
    configBaseline: loaded.config.baseline ? path.resolve(loaded.base, loaded.config.baseline) : undefined,
    rules,
    filesLinted: targetFiles.map((f) => f.relPath),
    filesExamined: result.filesExamined,
    ...(result.cache ? { cache: result.cache } : {}),
    ...(prepared.runDependencies && result.dependencies ? { dependencies: new Set([...prepared.runDependencies, ...result.dependencies]) } : {}),
    layouts: result.layouts,
  };
}

/** The summary of a run: what was read, and the findings by severity. */
export function summarize(diagnostics: Diagnostic[], read: Pick<LintSummary, 'files' | 'migrations' | 'statements' | 'unanalyzable'>): LintSummary {
  return {
    ...read,
    errors: diagnostics.filter((d) => d.severity === 'error').length,
    warnings: diagnostics.filter((d) => d.severity === 'warning').length,
    infos: diagnostics.filter((d) => d.severity === 'info').length,
  };
}

export function toDiagnostic(finding: Finding): Diagnostic {
  const start = positionAt(finding.file, finding.span.start);
  const end = positionAt(finding.file, Math.max(finding.span.end, finding.span.start));
  return {
    ruleId: finding.ruleId,
    severity: finding.severity,
    message: finding.message,
    help: finding.help,
    ...(finding.rewrite ? { rewrite: finding.rewrite } : {}),
    file: finding.file.relPath,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
    migration: finding.migration,
    section: finding.section,
    layout: finding.layout,
    statementText: finding.statementText,
    ...(finding.effect ? { effect: finding.effect } : {}),
    source: finding.file,
  };
}

/** Findings in report order: by file, line, column, rule. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId);
}
