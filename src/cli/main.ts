// `migsafe lint | trace | verify | fix | baseline | stats | rules | explain`. Exit codes: 0 clean, 1 findings over the threshold, 2 usage,
// config or internal error (one line on stderr; the stack only with --debug).
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import pc from 'picocolors';
import { UsageError } from '../discover/discover.js';
import { committedUnchanged } from '../discover/git.js';
import { ConfigError } from '../engine/config.js';
import { defaultCacheLocation, usableLocation } from '../engine/cache.js';
import { recordRun, replayRun, runRecordFile } from '../engine/run-cache.js';
// The engine (parser, rules, sources) is loaded when a command needs it: a replayed run
// (src/engine/run-cache.ts) and --help never do.
import type { LintResult } from '../engine/lint.js';
const lint: typeof import('../engine/lint.js')['lint'] = async (request) => (await import('../engine/lint.js')).lint(request);
const loadRules = async () => (await import('../engine/rules-registry.js')).loadRules();
import type { Severity } from '../engine/types.js';
import { reporters } from '../report/index.js';

const VERSION = '0.1.0';

interface LintOptions {
  format: string;
  output?: string;
  also?: string[];
  pgVersion?: number;
  config?: string;
  rule: string[];
  maxWarnings?: number;
  quiet?: boolean;
  color: boolean;
  stdin?: boolean;
  stdinFilename?: string;
  debug?: boolean;
  changedSince?: string;
  staged?: boolean;
  baseline?: string;
  failOn: 'error' | 'warning' | 'info' | 'never';
  cache?: boolean;
  cacheLocation?: string;
  stats?: string;
}

export async function main(argv: string[], io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }): Promise<number> {
  let exitCode = 0;
  const debug = argv.includes('--debug');
  const program = new Command('migsafe')
    .description('PostgreSQL migration-safety linter')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const selection = (command: Command) =>
    command
      .argument('[paths...]', 'files, directories or globs (default: the current directory)')
      .option('--pg-version <n>', "target PostgreSQL major version, 10 to 18 (default 15, or the config's)", parsePgVersion)
      .option('-c, --config <file>', 'config file (default: found by walking up from the working directory)')
      .option('--rule <id=severity>', 'set a rule to off, warn or error (repeatable)', (value: string, all: string[]) => [...all, value], [])
      .option('--changed-since <ref>', 'only migrations added or modified since this git ref, and uncommitted ones')
      .option('--staged', 'only staged migrations, as staged (for pre-commit hooks)')
      .option('--debug', 'print stack traces of internal errors');

  selection(program.command('lint').description('lint migrations'))
    .addOption(new Option('-f, --format <format>', 'output format').choices(Object.keys(reporters)).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--also <format=file>', 'also write the same findings in another format to a file (repeatable; one run, several reports)', (value: string, all: string[]) => [...all, value], [])
    .option('--baseline <file>', 'leave out the findings recorded in this baseline (see `migsafe baseline`)')
    .addOption(new Option('--fail-on <severity>', 'the least severity that makes the exit code 1').choices(['error', 'warning', 'info', 'never']).default('error'))
    .option('--max-warnings <n>', 'exit 1 when there are more warnings than this', parseInteger('--max-warnings'))
    .option('-q, --quiet', 'report errors only')
    .option('--no-color', 'no colours (colours are used only on a terminal)')
    .option('--stdin', 'read one migration from standard input')
    .option('--stdin-filename <name>', 'the path the --stdin text stands for (its directory gives the context)')
    .option('--cache', 'keep each directory\'s findings, and reuse them while nothing they depend on changed (on by default with --staged)')
    .option('--no-cache', 'with --staged: do not use the cache')
    .option('--cache-location <dir>', 'the cache folder (default: node_modules/.cache/migsafe)')
    .option('--stats <file>', 'table statistics written by `migsafe stats` (default: the config\'s "stats", or .migsafe-stats.json if present)')
    .option('--fix', 'first rewrite, in place, the findings whose safe form stays in their own migration (those that need new migrations: `migsafe fix`)')
    .action(async (paths: string[], options: LintOptions & { fix?: boolean }) => {
      if (options.fix) {
        if (options.stdin || options.staged || options.changedSince !== undefined) throw new UsageError('--fix goes with files and directories (not --stdin, --staged or --changed-since)');
        const { fix } = await import('../fix/fix.js');
        const outcome = await fix({ paths, configPath: options.config, pgVersion: options.pgVersion, rules: ruleSettings(options.rule), inPlaceOnly: true, prove: false });
        if (outcome.written) io.stderr.write(`migsafe: --fix rewrote ${outcome.fixed.length} finding${outcome.fixed.length === 1 ? '' : 's'} in ${outcome.files.length} file${outcome.files.length === 1 ? '' : 's'}\n`);
        else if (outcome.files.length) io.stderr.write(`migsafe: --fix wrote nothing: ${outcome.proof.lines.join('; ')}\n`);
        const more = outcome.unfixed.filter((u) => /migsafe fix/.test(u.reason)).length;
        if (more) io.stderr.write(`migsafe: ${more} more finding${more === 1 ? '' : 's'} can be fixed with new migrations: npx migsafe fix\n`);
        options.cache = false;
      }
      exitCode = await runLint(paths, options, io, argv);
    });

  const observed = (name: 'trace' | 'verify', description: string) => {
    const command = selection(program.command(name).description(description))
      .addOption(new Option('-f, --format <format>', 'output format').choices(Object.keys(reporters)).default('text'))
      .option('-o, --output <file>', 'write the report to a file instead of stdout')
      .option('--database-url <url>', 'run on this PostgreSQL server (in a throwaway database, as a role created for the run) instead of the embedded PGlite')
      .option('--unsafe-allow-server-wide-effects', 'with --database-url: also run statements that change the whole server (roles, settings, other databases, COPY ... PROGRAM), as the URL\'s user')
      .addOption(new Option('--fail-on <severity>', 'the least severity that makes the exit code 1').choices(['error', 'warning', 'info', 'never']).default('error'))
      .option('--no-color', 'no colours (colours are used only on a terminal)');
    if (name === 'verify') command.option('--seed-rows <n>', 'insert N generated rows into every table before each migration', parseInteger('--seed-rows'));
    command.action(async (paths: string[], options: LintOptions & { databaseUrl?: string; seedRows?: number; unsafeAllowServerWideEffects?: boolean }) => {
      if (options.unsafeAllowServerWideEffects && !options.databaseUrl) throw new UsageError('--unsafe-allow-server-wide-effects goes with --database-url');
      const { runObserved } = await import('../trace/run.js');
      let progressLine = false;
      const result = await runObserved(name, {
        paths,
        configPath: options.config,
        pgVersion: options.pgVersion,
        rules: ruleSettings(options.rule),
        changedSince: options.changedSince,
        staged: options.staged,
        databaseUrl: options.databaseUrl,
        allowServerWide: options.unsafeAllowServerWideEffects,
        log: (line) => io.stderr.write(`${progressLine ? '\r\u001b[K' : ''}migsafe: ${line}\n`),
        // On a terminal: one line that says where the run is (runs take tens of seconds).
        progress: (io.stderr as NodeJS.WriteStream).isTTY
          ? ({ directory, migration, index, total }) => {
              progressLine = true;
              io.stderr.write(`\r\u001b[K${name} ${directory}: ${index + 1}/${total} ${migration}`.slice(0, ((io.stderr as NodeJS.WriteStream).columns ?? 80) + 4));
            }
          : undefined,
        seedRows: options.seedRows,
      });
      if (progressLine) io.stderr.write('\r\u001b[K');
      if (noMigrations(result, paths, options, io)) {
        exitCode = 2;
        return;
      }
      exitCode = report(result, options, io);
    });
  };
  observed('trace', 'run migrations on PostgreSQL and report the locks and rewrites each statement takes');
  observed('verify', 'run up → down → up on PostgreSQL and report what the round trip does not restore');

  program
    .command('fix')
    .description('rewrite the migrations that are not committed yet into their safe form, in the directory\'s own layout, and prove it on PostgreSQL before writing')
    .argument('[paths...]', 'files, directories or globs (default: the current directory); a file named here is fixed even if it is committed')
    .option('--dry-run', 'print the change as a diff, and what was proved; write nothing')
    .option('--rule <id>', 'fix only this rule\'s findings (repeatable)', (value: string, all: string[]) => [...all, value], [])
    .option('--database-url <url>', 'prove it on this PostgreSQL server (in a throwaway database, as a role created for the run) instead of the embedded PGlite')
    .option('--unproven', 'where the migrations do not run on PostgreSQL as they are (an earlier one fails there), write what lint proves')
    .option('--pg-version <n>', "target PostgreSQL major version, 10 to 18 (default 15, or the config's)", parsePgVersion)
    .option('-c, --config <file>', 'config file (default: found by walking up from the working directory)')
    .option('--debug', 'print stack traces of internal errors')
    .action(async (paths: string[], options: { dryRun?: boolean; rule: string[]; pgVersion?: number; config?: string; databaseUrl?: string; unproven?: boolean }) => {
      const { fix } = await import('../fix/fix.js');
      const { printFix } = await import('../fix/print.js');
      const known = new Set((await loadRules()).filter((r) => r.fixable).map((r) => r.id));
      for (const id of options.rule) if (!known.has(id)) throw new UsageError(`--rule: "${id}" is not a rule migsafe fix can fix (${[...known].sort().join(', ')})`);
      const outcome = await fix({ paths, configPath: options.config, pgVersion: options.pgVersion, dryRun: options.dryRun, only: options.rule.length ? options.rule : undefined, databaseUrl: options.databaseUrl, unproven: options.unproven });
      if (outcome.filesRead === 0) throw new UsageError(`no migrations found in ${paths.length ? paths.join(' ') : '. (the current directory)'}`);
      exitCode = printFix(outcome, { dryRun: !!options.dryRun, cwd: process.cwd(), stdout: io.stdout, stderr: io.stderr });
    });

  selection(program.command('baseline').description('record the current findings, so that lint --baseline reports only new ones'))
    .option('-o, --output <file>', "the baseline file to write (default: the config's \"baseline\", or migsafe-baseline.json)")
    .action(async (paths: string[], options: LintOptions) => {
      const result = await lint({ paths, configPath: options.config, pgVersion: options.pgVersion, rules: ruleSettings(options.rule), changedSince: options.changedSince, staged: options.staged });
      if (result.errors.length) throw new Error(result.errors[0]!.split('\n')[0]);
      const output = options.output ?? (result.configBaseline ? path.relative(process.cwd(), result.configBaseline) : 'migsafe-baseline.json');
      const { makeBaseline, writeBaseline } = await import('../engine/baseline.js');
      writeBaseline(output, makeBaseline(result.diagnostics, output));
      io.stdout.write(`migsafe: recorded ${result.diagnostics.length} finding${result.diagnostics.length === 1 ? '' : 's'} in ${output} (${result.summary.files} files)\n`);
    });

  program
    .command('stats')
    .description('print the size of every table of a live database as JSON, for lint to weigh scans and rewrites (reads only)')
    .requiredOption('--database-url <url>', 'the database to read the statistics of (e.g. a production replica)')
    .option('-o, --output <file>', 'write them to a file instead of stdout (lint reads .migsafe-stats.json by default)')
    .action(async (options: { databaseUrl: string; output?: string }) => {
      const { collectTableStats } = await import('../trace/stats.js');
      const stats = await collectTableStats(options.databaseUrl);
      const text = `${JSON.stringify(stats, null, 2)}\n`;
      if (options.output) {
        writeFileSync(options.output, text);
        io.stderr.write(`migsafe: wrote the statistics of ${Object.keys(stats.tables).length} tables of ${stats.database} to ${options.output}\n`);
      } else {
        io.stdout.write(text);
      }
    });

  program
    .command('rules')
    .description('list every rule: id, default severity, what it flags')
    .action(async () => {
      const rules = await loadRules();
      const width = Math.max(...rules.map((r) => r.id.length));
      for (const rule of rules) io.stdout.write(`${rule.id.padEnd(width)}  ${rule.severity.padEnd(7)}  ${rule.docs.summary}\n`);
    });

  program
    .command('explain')
    .description("print a rule's documentation")
    .argument('<rule>', 'rule id')
    .action(async (id: string) => {
      const rule = (await loadRules()).find((r) => r.id === id);
      if (!rule) throw new UsageError(`unknown rule "${id}" (see \`migsafe rules\`)`);
      // A terminal gets the page rendered; a pipe gets it plain (`npm run docs` writes the Markdown).
      const { markdownForTerminal } = await import('../report/terminal-markdown.js');
      const stdout = io.stdout as NodeJS.WritableStream & { isTTY?: boolean };
      const { ruleMarkdown } = await import('../engine/rule-docs.js');
      io.stdout.write(markdownForTerminal(ruleMarkdown(rule), !!stdout.isTTY && pc.isColorSupported));
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? 0 : 2;
    }
    const known = error instanceof UsageError || error instanceof ConfigError || (error as { userFacing?: boolean })?.userFacing === true;
    io.stderr.write(`migsafe: ${known ? (error as Error).message : `internal error: ${(error as Error).message}`}\n`);
    if (debug && !known) io.stderr.write(`${(error as Error).stack}\n`);
    return 2;
  }
}

/** The PostgreSQL versions migsafe's knowledge covers (what each version locks and rewrites). */
export const PG_VERSIONS = { min: 10, max: 18 };

function parsePgVersion(value: string): number {
  const version = parseInteger('--pg-version')(value);
  if (version < PG_VERSIONS.min || version > PG_VERSIONS.max) throw new UsageError(`--pg-version takes a PostgreSQL major version from ${PG_VERSIONS.min} to ${PG_VERSIONS.max}, not ${value}`);
  return version;
}

function parseInteger(flag: string) {
  return (value: string) => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${flag} takes a whole number, not "${value}"`);
    return Number(value);
  };
}

async function runLint(paths: string[], options: LintOptions, io: { stdout: NodeJS.WritableStream & { isTTY?: boolean }; stderr: NodeJS.WritableStream; stdin: NodeJS.ReadableStream }, argv: string[]): Promise<number> {
  // The whole-run cache (src/engine/run-cache.ts): with the cache on, a command whose inputs are all
  // unchanged prints what it printed last time. Not for what it cannot list: standard input, a git
  // change (--staged, --changed-since), files written besides stdout, a terminal (colours, the
  // adoption hint reads git).
  const cache = cacheLocation(options);
  const replayable = cache && !options.stdin && !options.staged && options.changedSince === undefined && !options.output && !options.also?.length && !io.stdout.isTTY;
  const record = replayable ? runRecordFile(cache, [process.cwd(), argv, process.env.NO_COLOR ?? null, process.env.FORCE_COLOR ?? null, pc.isColorSupported]) : null;
  if (record) {
    const replayed = replayRun(record);
    if (replayed) {
      io.stderr.write(replayed.stderr);
      io.stdout.write(replayed.stdout);
      return replayed.code;
    }
  }
  const startedAt = Date.now();
  const printed = { stdout: '', stderr: '' };
  if (record) {
    const capture = (stream: NodeJS.WritableStream, into: 'stdout' | 'stderr') => ({
      write: (text: string) => {
        printed[into] += text;
        return stream.write(text);
      },
    });
    io = { ...io, stdout: Object.assign(capture(io.stdout, 'stdout'), { isTTY: io.stdout.isTTY }) as unknown as typeof io.stdout, stderr: capture(io.stderr, 'stderr') as unknown as NodeJS.WritableStream };
  }
  const { code, dependencies } = await lintAndReport(paths, options, io, cache);
  if (record && code !== 2 && dependencies) recordRun(record, startedAt, dependencies, { ...printed, code });
  return code;
}

/**
 * One lint and its report; with the exit code, every path it looked at (for the whole-run cache),
 * or null when they cannot all be listed or the run had problems.
 */
async function lintAndReport(
  paths: string[],
  options: LintOptions,
  io: { stdout: NodeJS.WritableStream & { isTTY?: boolean }; stderr: NodeJS.WritableStream; stdin: NodeJS.ReadableStream },
  cache: string | undefined,
): Promise<{ code: number; dependencies: Set<string> | null }> {
  const rules = ruleSettings(options.rule);
  for (const also of options.also ?? []) {
    const format = also.slice(0, Math.max(0, also.indexOf('=')));
    if (!reporters[format] || also.indexOf('=') === also.length - 1) throw new UsageError(`--also takes FORMAT=FILE with a format of ${Object.keys(reporters).join(', ')}, not "${also}"`);
  }
  let stdin: { text: string; filename: string } | undefined;
  if (options.stdin) {
    if (!options.stdinFilename) throw new UsageError('--stdin needs --stdin-filename NAME (the path it stands for)');
    stdin = { text: await readAll(io.stdin), filename: options.stdinFilename };
  } else if (options.stdinFilename) {
    throw new UsageError('--stdin-filename goes with --stdin');
  }
  let result = await lint({
    paths: stdin && paths.length === 0 ? [stdin.filename] : paths,
    configPath: options.config,
    pgVersion: options.pgVersion,
    rules,
    stdin,
    changedSince: options.changedSince,
    staged: options.staged,
    cache,
    stats: options.stats,
  });
  const baseline = options.baseline ?? (result.configBaseline && existsSync(result.configBaseline) ? path.relative(process.cwd(), result.configBaseline) : undefined);
  let dependencies: Set<string> | null = null;
  if (result.dependencies && !result.errors.length && !result.unreadablePaths?.length) {
    dependencies = new Set(result.dependencies);
    if (baseline) dependencies.add(`file:${path.resolve(baseline)}`);
    if (result.configBaseline) dependencies.add(`file:${result.configBaseline}`);
  }
  if (baseline) {
    const { applyBaseline, readBaseline } = await import('../engine/baseline.js');
    result = applyBaseline(result, readBaseline(baseline), baseline);
  }
  if (noMigrations(result, paths, options, io)) return { code: 2, dependencies: null };
  if (options.quiet) {
    result.diagnostics = result.diagnostics.filter((d) => d.severity === 'error');
  }
  const code = report(result, options, io);
  for (const also of options.also ?? []) {
    const [format, file] = [also.slice(0, also.indexOf('=')), also.slice(also.indexOf('=') + 1)];
    writeFileSync(file, reporters[format]!(result, { color: false, cwd: process.cwd() }));
  }
  if (options.format === 'text' && !options.output && !baseline && options.changedSince === undefined && !options.staged) adoptionHint(result, io);
  return { code, dependencies };
}

/**
 * The cache folder, when the cache is on: --cache, or --staged (a pre-commit hook lints on every
 * commit with most of its directories unchanged) unless --no-cache.
 */
function cacheLocation(options: LintOptions): string | undefined {
  const on = options.cache === true || (options.staged === true && options.cache !== false) || (options.cacheLocation !== undefined && options.cache !== false);
  if (!on) return undefined;
  const location = path.resolve(options.cacheLocation ?? defaultCacheLocation(process.cwd()));
  if (!usableLocation(location)) throw new UsageError(`--cache-location ${options.cacheLocation}: not a folder`);
  return location;
}

/**
 * A path with no migrations is a mistake (a CI gate that passes on nothing): exit 2, saying what
 * was searched. A change with no migration (--changed-since, --staged) is fine.
 */
function noMigrations(result: LintResult, paths: string[], options: Pick<LintOptions, 'changedSince' | 'staged' | 'stdin'>, io: { stderr: NodeJS.WritableStream }): boolean {
  if (result.summary.files > 0 || result.errors.length || result.unreadablePaths?.length || options.changedSince !== undefined || options.staged || options.stdin) return false;
  const where = paths.length ? paths.join(' ') : '. (the current directory)';
  io.stderr.write(`migsafe: no migrations found in ${where}: migsafe reads SQL files (.sql), Alembic revisions (.py with upgrade()) and TypeScript/JavaScript migrations (.ts, .js with up()), outside node_modules, dist, build and hidden folders\n`);
  return true;
}

/**
 * First contact with a repository that has years of migrations: when most findings are in
 * migrations committed long ago, say how to check only new ones.
 */
function adoptionHint(result: LintResult, io: { stdout: NodeJS.WritableStream }): void {
  if (result.diagnostics.length < 10) return;
  const files = [...new Set(result.diagnostics.map((d) => d.source?.path).filter((f): f is string => !!f))];
  let committed: Set<string>;
  try {
    committed = committedUnchanged(process.cwd(), files);
  } catch {
    return;
  }
  const old = result.diagnostics.filter((d) => d.source && committed.has(d.source.path)).length;
  if (old < result.diagnostics.length * 0.8) return;
  io.stdout.write(
    `\n${old} of these ${result.diagnostics.length} findings are in migrations already committed (and probably deployed). To check only new ones:\n` +
      '  npx migsafe lint --changed-since origin/main     (migrations added or changed since a branch)\n' +
      '  npx migsafe baseline                             (record today\'s findings; set "baseline": "migsafe-baseline.json" in the config)\n',
  );
}

/** Writes the report and says what the exit code is. */
function report(result: LintResult, options: Pick<LintOptions, 'format' | 'output' | 'color' | 'debug' | 'maxWarnings' | 'failOn'>, io: { stdout: NodeJS.WritableStream & { isTTY?: boolean }; stderr: NodeJS.WritableStream }): number {
  for (const error of result.errors) io.stderr.write(`migsafe: internal error: ${options.debug ? error : error.split('\n')[0]}\n`);
  for (const problem of result.unreadablePaths ?? []) io.stderr.write(`migsafe: ${problem}\n`);
  const toFile = !!options.output;
  const color = options.color && !toFile && !!io.stdout.isTTY && pc.isColorSupported;
  const text = reporters[options.format]!(result, { color, cwd: process.cwd() });
  if (toFile) writeFileSync(options.output!, text);
  else io.stdout.write(text);
  if (result.errors.length || result.unreadablePaths?.length) return 2;
  const tooManyWarnings = options.maxWarnings !== undefined && result.summary.warnings > options.maxWarnings;
  const { errors, warnings, infos } = result.summary;
  const failing = { error: errors, warning: errors + warnings, info: errors + warnings + infos, never: 0 }[options.failOn];
  return failing > 0 || tooManyWarnings ? 1 : 0;
}

function ruleSettings(settings: string[]): Record<string, Severity | 'off'> {
  const rules: Record<string, Severity | 'off'> = {};
  for (const setting of settings) {
    const match = /^([\w-]+)=(off|warn|warning|error|info)$/.exec(setting);
    if (!match) throw new UsageError(`--rule takes ID=off|warn|error, not "${setting}"`);
    rules[match[1]!] = match[2] === 'warn' ? 'warning' : (match[2] as Severity | 'off');
  }
  return rules;
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk) => chunks.push(Buffer.from(chunk)));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}
