// The per-directory work of a run: read each directory with its layout, replay it, run the rules.
// One thread: splitting the directories between the main thread and a worker thread was measured
// no faster on this project's 2-core machines (1.31 s both ways over the corpus).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadModule } from 'libpg-query';
import { layoutFor } from '../sources/index.js';
import { placeholderMigration, readFailure, sortMigrations, type MigrationDirectory, type ReadContext } from '../sources/layout.js';
import { makeSourceFile, readSourceFile } from '../sources/source-file.js';
import { RunnerProject, type RunnerOverrides } from '../sources/runner-project.js';
import { Dependencies, LintCache, type DirectoryOutcome } from './cache.js';
import { DEFAULT_PLACEHOLDERS, settingsFor, type DirectorySettings, type LoadedConfig } from './config-settings.js';
import { loadRules } from './rules-registry.js';
import type { RuleModule } from './rule.js';
import { runRules } from './run-rules.js';
import type { Finding, Migration, Severity, SourceFile } from './types.js';

export interface DirectoryJob {
  cwd: string;
  directories: MigrationDirectory[];
  /** Files whose migrations are reported (absolute paths). */
  targets: string[];
  config: LoadedConfig;
  cli: { pgVersion?: number; rules?: Record<string, Severity | 'off'> };
  /** Texts that replace files on disk (stdin, staged content), by absolute path. */
  contents: Record<string, string>;
  /** The targets are an undeployed change: what they create is new for the targets after them. */
  targetsUndeployed: boolean;
  /** The lint cache's folder (`--cache`), or none. */
  cache?: string;
}

/** A directory's migrations in the runner's order, read with its layout (none when no layout reads it). */
export function readDirectory(
  directory: MigrationDirectory,
  job: Pick<DirectoryJob, 'cwd' | 'contents'>,
  files: Map<string, SourceFile>,
  settings: { layout?: string; assumeInTransaction?: boolean; placeholders?: RegExp[]; runners?: RunnerOverrides; dependencies?: Dependencies } = {},
): Migration[] {
  const configuredLayout = settings.layout;
  const projects = new Map<string, RunnerProject>();
  const dependencies = settings.dependencies;
  const context: ReadContext = {
    read(absPath) {
      const file = sourceFile(absPath, job, files);
      dependencies?.source(file);
      return file;
    },
    exists: (absPath) => {
      const exists = absPath in job.contents || existsSync(absPath);
      dependencies?.exists(absPath, exists);
      return exists;
    },
    parseOptions: { placeholders: settings.placeholders ?? [] },
    assumeInTransaction: settings.assumeInTransaction ?? false,
    runnerProject(dir) {
      let project = projects.get(dir);
      if (!project) projects.set(dir, (project = new RunnerProject(dir, settings.runners, dependencies)));
      return project;
    },
  };
  // Files that could not be read as text: one finding each (unreadable-file), whatever the layout;
  // those with no text at all are not given to the layout (it would read an empty migration).
  const problems = directory.files.map((file) => context.read(file)).filter((file) => file.unreadable);
  if (problems.length) {
    const empty = new Set(problems.filter((file) => file.text === '').map((file) => file.path));
    directory = { ...directory, files: directory.files.filter((file) => !empty.has(file)) };
  }
  const layout = layoutFor(directory, context, configuredLayout);
  const unreadable = problems.map((file) => placeholderMigration(layout?.name ?? directory.kind, directory.dir, file, { unreadable: file.unreadable!.message }, file.unreadable!.offset));
  if (!layout) return unreadable; // nothing here that a source reads (Python files that are not revisions)
  let migrations: Migration[];
  try {
    migrations = layout.read(directory, context);
  } catch {
    // A reader failed on something in this directory: read its files one by one, so that only the
    // file it fails on is lost (reported at its start), not the whole directory.
    migrations = directory.files.flatMap((file) => {
      try {
        return layout.read({ ...directory, files: [file] }, context);
      } catch (error) {
        return [placeholderMigration(layout.name, directory.dir, context.read(file), { unanalyzable: `migsafe could not read this file: ${readFailure(error)}` })];
      }
    });
  }
  if (!layout.ordersItself) sortMigrations(migrations);
  return [...migrations, ...unreadable];
}

/** A file as the sources read it: from the run's replaced contents, else from disk; read once per run. */
function sourceFile(absPath: string, job: Pick<DirectoryJob, 'cwd' | 'contents'>, files: Map<string, SourceFile>): SourceFile {
  let file = files.get(absPath);
  if (!file) {
    const text = job.contents[absPath];
    file = text !== undefined ? makeSourceFile(absPath, text, job.cwd) : readSourceFile(absPath, job.cwd);
    files.set(absPath, file);
  }
  return file;
}

export interface LayoutCounts {
  migrations: number;
  statements: number;
  unanalyzable: number;
}

export interface DirectoryJobResult {
  findings: Finding[];
  errors: string[];
  migrations: number;
  statements: number;
  /** Statements that are operations migsafe could not lower to SQL. */
  unanalyzable: number;
  /** The same counts by layout (for the bench's coverage figures). */
  layouts: Record<string, LayoutCounts>;
  /** The files of the reported migrations (files that are not migrations, like a TS module beside them, are left out). */
  migrationFiles: SourceFile[];
  /** Every target file read, migration or not. */
  filesExamined: number;
  /** With the cache: directories whose stored findings were reused, and directories linted. */
  cache?: { hits: number; misses: number };
  /** With the cache: what reading the directories looked at (for the whole-run cache). */
  dependencies?: Set<string>;
}

export async function lintDirectories(job: DirectoryJob): Promise<DirectoryJobResult> {
  await loadModule();
  return lintDirectoriesWith(job, await loadRules());
}

/** The same, synchronously, with the rules loaded and libpg-query's module loaded (ESLint rules are synchronous). */
export function lintDirectoriesWith(job: DirectoryJob, rules: RuleModule[]): DirectoryJobResult {
  const targets = new Set(job.targets);
  const files = new Map<string, SourceFile>();
  const placeholders = (job.config.config.placeholders ?? DEFAULT_PLACEHOLDERS).map((p) => new RegExp(p, 'g'));
  const result: DirectoryJobResult = { findings: [], errors: [], migrations: 0, statements: 0, unanalyzable: 0, layouts: {}, migrationFiles: [], filesExamined: 0 };
  const migrationFiles = new Set<SourceFile>();
  const examined = new Set<string>();
  const cache = job.cache ? new LintCache(job.cache) : null;

  for (const directory of job.directories) {
    const settings = settingsFor(job.config, directory.dir, job.cli);
    const key = cache?.keyOf([job.cwd, directory, directory.files.filter((file) => targets.has(file)), serialisable(settings), job.config.config.placeholders ?? null, job.cli, job.targetsUndeployed]);
    let outcome = cache && key ? cache.get(key, job.contents, (absPath) => sourceFile(absPath, job, files)) : null;
    if (cache) result.cache = { hits: (result.cache?.hits ?? 0) + (outcome ? 1 : 0), misses: (result.cache?.misses ?? 0) + (outcome ? 0 : 1) };
    if (!outcome) {
      const dependencies = cache ? new Dependencies() : undefined;
      const computed = lintDirectory(directory, job, files, targets, rules, settings, placeholders, dependencies);
      result.errors.push(...computed.errors);
      if (!computed.outcome) continue;
      outcome = { ...computed.outcome, ...(dependencies ? { dependencies: [...dependencies.seen.keys()] } : {}) };
      // An outcome with internal errors is not kept: the next run tries again.
      if (cache && key && dependencies && !computed.errors.length) cache.set(key, dependencies, outcome);
    }
    if (cache) for (const dependency of outcome.dependencies ?? []) (result.dependencies ??= new Set()).add(dependency);
    result.findings.push(...outcome.findings);
    result.migrations += outcome.migrations;
    result.statements += outcome.statements;
    result.unanalyzable += outcome.unanalyzable;
    for (const [layout, counts] of Object.entries(outcome.layouts)) {
      const sum = (result.layouts[layout] ??= { migrations: 0, statements: 0, unanalyzable: 0 });
      sum.migrations += counts.migrations;
      sum.statements += counts.statements;
      sum.unanalyzable += counts.unanalyzable;
    }
    for (const file of outcome.migrationFiles) migrationFiles.add(file);
    for (const file of outcome.examined) examined.add(file);
  }
  result.migrationFiles = [...migrationFiles].filter((f) => targets.has(f.path));
  result.filesExamined = examined.size;
  return result;
}

/** The settings as JSON (a Map of severities does not stringify). */
function serialisable(settings: DirectorySettings): unknown {
  return { ...settings, severities: [...settings.severities].sort(([a], [b]) => a.localeCompare(b)) };
}

/** One directory read, replayed and judged. */
function lintDirectory(
  directory: MigrationDirectory,
  job: DirectoryJob,
  files: Map<string, SourceFile>,
  targets: Set<string>,
  rules: RuleModule[],
  settings: DirectorySettings,
  placeholders: RegExp[],
  dependencies: Dependencies | undefined,
): { outcome: DirectoryOutcome | null; errors: string[] } {
  let migrations: Migration[];
  try {
    migrations = readDirectory(directory, job, files, { layout: settings.layout, assumeInTransaction: settings.assumeInTransaction, placeholders, runners: settings.runners, dependencies });
  } catch (error) {
    return { outcome: null, errors: [`cannot read ${path.relative(job.cwd, directory.dir) || '.'}: ${(error as Error).message}`] };
  }
  const isTarget = (migration: Migration) => migration.files.some((f) => targets.has(f.path));
  const run = runRules(migrations, rules, {
    pgVersion: settings.pgVersion,
    severities: settings.severities,
    ruleOptions: settings.ruleOptions,
    lockTimeoutSetByRunner: settings.lockTimeoutSetByRunner,
    isTarget,
    targetsUndeployed: job.targetsUndeployed,
  });
  const outcome: DirectoryOutcome = { findings: run.findings, migrations: 0, statements: 0, unanalyzable: 0, layouts: {}, migrationFiles: [], examined: [] };
  const migrationFiles = new Set<SourceFile>();
  for (const migration of migrations.filter(isTarget)) {
    for (const file of migration.files) migrationFiles.add(file);
    outcome.migrations++;
    const counts = (outcome.layouts[migration.layout] ??= { migrations: 0, statements: 0, unanalyzable: 0 });
    counts.migrations++;
    for (const half of [migration.up, migration.down]) {
      const statements = half?.statements.length ?? 0;
      const unanalyzable = half?.statements.filter((s) => s.unanalyzable !== undefined).length ?? 0;
      outcome.statements += statements;
      outcome.unanalyzable += unanalyzable;
      counts.statements += statements;
      counts.unanalyzable += unanalyzable;
    }
  }
  outcome.migrationFiles = [...migrationFiles];
  outcome.examined = directory.files.filter((file) => targets.has(file) && files.has(file));
  return { outcome, errors: run.errors };
}
