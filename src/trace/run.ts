// migsafe trace and migsafe verify: run the migrations on a real PostgreSQL (embedded PGlite, or a
// server with --database-url) and report what was observed, as findings in the lint format.
import path from 'node:path';
import { loadModule } from 'libpg-query';
import { DEFAULT_PLACEHOLDERS, settingsFor } from '../engine/config-settings.js';
import { readDirectory } from '../engine/lint-directories.js';
import { compareDiagnostics, prepareRun, summarize, toDiagnostic, type LintRequest, type LintResult } from '../engine/lint.js';
import type { RuleModule } from '../engine/rule.js';
import type { Finding, Migration, Section, Severity, SourceFile, Span, Statement } from '../engine/types.js';
import { openPglite, type Database } from './database.js';
import { openServer } from './server.js';
import type { HalfOutcome } from './apply.js';
import { traceMigration, type TracedStatement } from './trace.js';
import { verifyDirectory } from './verify.js';

export interface RunOptions extends LintRequest {
  databaseUrl?: string;
  /** --unsafe-allow-server-wide-effects: with databaseUrl, run statements whose effects reach past the throwaway database. */
  allowServerWide?: boolean;
  /** Notes for stderr (leftovers of killed runs removed, containment the server did not allow). */
  log?: (line: string) => void;
  /** Called before each migration runs (a progress line on a terminal). */
  progress?: (step: { directory: string; migration: string; index: number; total: number }) => void;
  seedRows?: number;
  /** Reuse this database (tests); it is reset, not closed. */
  database?: Database;
}

export type ObservedResult = LintResult;

// The table a runner keeps its own bookkeeping in, which some migrations read or update: created
// empty, as the runner would have before running them.
const RUNNER_TABLES: Record<string, string> = {
  'golang-migrate': 'CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)',
  diesel: 'CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (version varchar(50) PRIMARY KEY NOT NULL, run_on timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)',
  goose: 'CREATE TABLE IF NOT EXISTS goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp DEFAULT now())',
};

/** Builds findings for the trace/verify rules with their configured severity. */
export class FindingSink {
  readonly findings: Finding[] = [];
  constructor(
    private readonly rules: Map<string, RuleModule>,
    private readonly severities: Map<string, Severity | 'off'>,
  ) {}

  /** Reports the statements of a half that were not run: refused on the server, or not static SQL. */
  notRun(migration: Migration, section: Section, outcome: HalfOutcome): void {
    for (const { statement, reason, serverWide } of outcome.skipped) {
      const where = { file: statement.file, span: statement.span, statement };
      if (serverWide) {
        this.report('server-effect-refused', where, migration, section, `${reason}, outside the throwaway database. Without --database-url, the embedded PostgreSQL runs it contained; --unsafe-allow-server-wide-effects runs it on the server anyway.`);
      } else {
        this.report('migration-skipped', where, migration, section, `${reason}.`);
      }
    }
  }

  /**
   * A migration under test that did not run (or not to its end): an error, whatever the rule's
   * default, since nothing was verified of it (unless the config sets migration-skipped itself).
   */
  targetNotRun(where: { file: SourceFile; span: Span; statement?: Statement }, migration: Migration, section: Section, message: string): void {
    this.report('migration-skipped', where, migration, section, message, undefined, this.severities.get('migration-skipped') ?? 'error');
  }

  /** Migrations under test that ran to their end (verify: the whole round trip up → down → up). */
  completed = 0;

  report(ruleId: string, where: { file: SourceFile; span: Span; statement?: Statement }, migration: Migration, section: Section, message: string, help?: string, severityOverride?: Severity | 'off'): void {
    const severity = severityOverride ?? this.severities.get(ruleId) ?? this.rules.get(ruleId)?.severity;
    if (!severity || severity === 'off') return;
    this.findings.push({
      ruleId,
      severity,
      message,
      help: help ?? this.rules.get(ruleId)?.messages.default?.help,
      file: where.file,
      span: where.span,
      statementSpan: where.span,
      migration: migration.id,
      section,
      statementText: where.statement?.text ?? message,
    });
  }
}

export async function runObserved(command: 'trace' | 'verify', options: RunOptions): Promise<ObservedResult> {
  await loadModule();
  const prepared = await prepareRun(options);
  const { job, rules } = prepared;
  const targets = new Set(job.targets);
  const files = new Map<string, SourceFile>();
  const db = options.database ?? (options.databaseUrl ? await openServer(options.databaseUrl, { allowServerWide: options.allowServerWide, log: options.log }) : await openPglite());
  // Ctrl-C or a CI cancel: the throwaway database and role are dropped before exiting.
  const onSignal = (signal: NodeJS.Signals) => {
    void db.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  if (!options.database) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const ruleMap = new Map(rules.map((r) => [r.id, r]));
  const trace: TracedStatement[] = [];
  const errors: string[] = [];
  let sink: FindingSink | null = null;
  const allFindings: Finding[] = [];
  let migrationCount = 0;
  let completed = 0;
  let statements = 0;
  try {
    for (const directory of job.directories) {
      const settings = settingsFor(job.config, directory.dir, job.cli);
      sink = new FindingSink(ruleMap, settings.severities);
      const placeholders = (job.config.config.placeholders ?? DEFAULT_PLACEHOLDERS).map((p) => new RegExp(p, 'g'));
      let migrations: Migration[];
      try {
        migrations = readDirectory(directory, job, files, { layout: settings.layout, assumeInTransaction: settings.assumeInTransaction, placeholders, runners: settings.runners });
      } catch (error) {
        errors.push(`cannot read ${path.relative(job.cwd, directory.dir) || '.'}: ${(error as Error).message}`);
        continue;
      }
      const isTarget = (m: Migration) => m.files.some((f) => targets.has(f.path));
      await db.reset();
      const bookkeeping = migrations[0] ? RUNNER_TABLES[migrations[0].layout] : undefined;
      if (bookkeeping) await db.exec(bookkeeping);
      const directoryName = path.relative(job.cwd, directory.dir) || '.';
      const progress = (migration: Migration, index: number) => options.progress?.({ directory: directoryName, migration: migration.id, index, total: migrations.length });
      if (command === 'verify') {
        await verifyDirectory(db, migrations, isTarget, sink, options.seedRows ?? 0, progress);
      } else {
        const stopped = { reason: '' };
        for (const [index, migration] of migrations.entries()) {
          progress(migration, index);
          const entries = await traceMigration(db, migration, isTarget(migration), sink, stopped);
          trace.push(...entries);
        }
      }
      for (const migration of migrations.filter(isTarget)) {
        migrationCount++;
        statements += migration.up.statements.length + (migration.down?.statements.length ?? 0);
      }
      allFindings.push(...sink.findings);
      completed += sink.completed;
    }
  } finally {
    if (!options.database) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await db.close();
    }
  }
  const diagnostics = allFindings.map(toDiagnostic).sort(compareDiagnostics);
  const targetFiles = [...files.values()].filter((f) => targets.has(f.path));
  return {
    diagnostics,
    summary: summarize(diagnostics, { files: targetFiles.length, migrations: migrationCount, statements, unanalyzable: 0 }),
    errors,
    unreadablePaths: prepared.unreadablePaths,
    rules,
    filesLinted: targetFiles.map((f) => f.relPath),
    layouts: {},
    trace: command === 'trace' ? trace : undefined,
    observed: { command, targets: migrationCount, completed },
    database: db.description,
  };
}
