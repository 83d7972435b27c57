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
import { DEFAULT_PLACEHOLDERS, settingsFor, type LoadedConfig } from './config-settings.js';
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
}

/** A directory's migrations in the runner's order, read with its layout (none when no layout reads it). */
export function readDirectory(
  directory: MigrationDirectory,
  job: Pick<DirectoryJob, 'cwd' | 'contents'>,
  files: Map<string, SourceFile>,
  settings: { layout?: string; assumeInTransaction?: boolean; placeholders?: RegExp[]; runners?: RunnerOverrides } = {},
): Migration[] {
  const configuredLayout = settings.layout;
  const projects = new Map<string, RunnerProject>();
  const context: ReadContext = {
    read(absPath) {
      let file = files.get(absPath);
      if (!file) {
        const text = job.contents[absPath];
        file = text !== undefined ? makeSourceFile(absPath, text, job.cwd) : readSourceFile(absPath, job.cwd);
        files.set(absPath, file);
      }
      return file;
    },
    exists: (absPath) => absPath in job.contents || existsSync(absPath),
    parseOptions: { placeholders: settings.placeholders ?? [] },
    assumeInTransaction: settings.assumeInTransaction ?? false,
    runnerProject(dir) {
      let project = projects.get(dir);
      if (!project) projects.set(dir, (project = new RunnerProject(dir, settings.runners)));
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

  for (const directory of job.directories) {
    const settings = settingsFor(job.config, directory.dir, job.cli);
    let migrations: Migration[];
    try {
      migrations = readDirectory(directory, job, files, { layout: settings.layout, assumeInTransaction: settings.assumeInTransaction, placeholders, runners: settings.runners });
    } catch (error) {
      result.errors.push(`cannot read ${path.relative(job.cwd, directory.dir) || '.'}: ${(error as Error).message}`);
      continue;
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
    result.findings.push(...run.findings);
    result.errors.push(...run.errors);
    for (const migration of migrations.filter(isTarget)) {
      for (const file of migration.files) migrationFiles.add(file);
      result.migrations++;
      const counts = (result.layouts[migration.layout] ??= { migrations: 0, statements: 0, unanalyzable: 0 });
      counts.migrations++;
      for (const half of [migration.up, migration.down]) {
        const statements = half?.statements.length ?? 0;
        const unanalyzable = half?.statements.filter((s) => s.unanalyzable !== undefined).length ?? 0;
        result.statements += statements;
        result.unanalyzable += unanalyzable;
        counts.statements += statements;
        counts.unanalyzable += unanalyzable;
      }
    }
  }
  result.migrationFiles = [...migrationFiles].filter((f) => targets.has(f.path));
  result.filesExamined = [...files.keys()].filter((f) => targets.has(f)).length;
  return result;
}
