// Runs a framework's real migrator against the local PostgreSQL server and records, for each
// migration half, whether it ran in a transaction: every migration logs two steps with
// txid_current() (one transaction: the same id), and a migration that opts out of its runner's
// transaction also runs CREATE INDEX CONCURRENTLY between them (refused inside a transaction block).
// The same files are then read by migsafe, whose model of the runner must equal what was observed.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readDirectory } from '../src/engine/lint-directories.js';
import { describe, expect, it } from 'vitest';
import { lintWith, repoRoot, SERVER_URL, serverAnswers, tempProject } from './helpers.js';

/** How a half ran: in one transaction, statement by statement, or not at all because the runner refused the migration. */
export type HalfMode = 'wrapped' | 'none' | 'rejected' | 'not run';

export interface MigrationSpec {
  /** Unique in the scenario; the file name is derived from it by the framework. */
  id: string;
  /** The migration opts out of its runner's transaction (and then builds an index CONCURRENTLY). */
  optOut?: boolean;
  /** The migration asks for a transaction explicitly (TypeORM `transaction = true`, knex `config.transaction = true`). */
  optIn?: boolean;
  /** With optOut: the CONCURRENTLY statement is the migration's only statement (no log steps). */
  alone?: boolean;
}

/** The statements a migration half runs, in order. */
export function halfStatements(spec: MigrationSpec, half: 'up' | 'down'): string[] {
  const log = (step: number) => `INSERT INTO runner_log (migration, half, step) VALUES ('${spec.id}', '${half}', ${step})`;
  const index = half === 'up' ? `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${spec.id}_idx ON runner_log (step)` : `DROP INDEX CONCURRENTLY IF EXISTS ${spec.id}_idx`;
  if (spec.optOut && spec.alone) return [index];
  return spec.optOut ? [log(1), index, log(2)] : [log(1), log(2)];
}

export interface RunnerDriver {
  /** The project's files: config, migrations (relative path → text), for a database URL. */
  files(migrations: MigrationSpec[], url: string, settings: Record<string, unknown>): Record<string, string>;
  /** What migsafe reads the folder as: TS/JS (`script`, the default), `sql` or `python`. */
  kind?: 'script' | 'sql' | 'python';
  /** The folder of the migrations, relative to the project. */
  migrationsDir: string;
  /** The file that holds a migration, relative to the project. */
  fileOf(spec: MigrationSpec, index: number): string;
  /** Runs every pending migration up. */
  up(project: string, url: string, settings: Record<string, unknown>): CommandRun;
  /** Reverts the last migration, or null where the runner has no down. */
  down: ((project: string, url: string, settings: Record<string, unknown>) => CommandRun) | null;
}

export interface CommandRun {
  status: number;
  output: string;
}

const requireFromRepo = createRequire(path.join(repoRoot, 'package.json'));

/** A package's file, resolved from the repository (the frameworks are dev dependencies). */
export function packageFile(specifier: string): string {
  return requireFromRepo.resolve(specifier);
}

export function packageUrl(specifier: string): string {
  return pathToFileURL(packageFile(specifier)).href;
}

/** Runs a command in the project; CommonJS files there resolve the repository's packages. */
export function run(command: string, args: string[], project: string, env: Record<string, string> = {}): CommandRun {
  const result = spawnSync(command, args, {
    cwd: project,
    encoding: 'utf8',
    // A runner that hangs (MikroORM's allOrNothing with a CONCURRENTLY) is stopped and counted as rejected.
    timeout: 15_000,
    env: { ...process.env, NODE_PATH: path.join(repoRoot, 'node_modules'), NO_COLOR: '1', FORCE_COLOR: '0', ...env },
  });
  return { status: result.status ?? -1, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
}

/** A JS string literal of the SQL. */
export const js = (sql: string) => JSON.stringify(sql);
/** A migration timestamp, in order. */
export const stamp = (index: number) => `2024010100000${index + 1}`;
/** A package's bin script, run with this node. */
export const node = (bin: string, args: string[], project: string, env?: Record<string, string>) => run(process.execPath, [packageFile(bin), ...args], project, env);

export interface Observation {
  /** `id:up` / `id:down` → how it ran. */
  halves: Record<string, HalfMode>;
  /** What the runner printed, for failure messages. */
  output: string;
}

async function withDatabase<T>(body: (url: string, query: (sql: string) => Promise<any[]>) => Promise<T>): Promise<T> {
  const { default: pg } = await import('pg');
  const name = `mstest_runner_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.href });
  try {
    await client.connect();
    await client.query('CREATE TABLE runner_log (id serial PRIMARY KEY, migration text, half text, step int, xid bigint DEFAULT txid_current())');
    return await body(url.href, async (sql) => (await client.query(sql)).rows);
  } finally {
    await client.end().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

const REFUSED_IN_TRANSACTION = /cannot run inside a transaction block|cannot be executed within a pipeline/i;

/**
 * Runs the migrations up, then the last one down, and reads the log. A migration that opts out ran
 * outside a transaction when its CONCURRENTLY statement (between its two steps) succeeded, inside one
 * when PostgreSQL refused it; any other migration ran in one transaction when its two steps share a
 * transaction id. A run that failed before a migration's first step rejected it.
 */
export async function observe(driver: RunnerDriver, migrations: MigrationSpec[], settings: Record<string, unknown> = {}): Promise<Observation & { project: string }> {
  return withDatabase(async (url, query) => {
    const project = tempProject(driver.files(migrations, url, settings), 'migsafe-runner-');
    mkdirSync(path.join(project, driver.migrationsDir), { recursive: true });
    const halves: Record<string, HalfMode> = {};
    let output = '';
    const read = async (half: 'up' | 'down', result: CommandRun, specs: MigrationSpec[]) => {
      output += `--- ${half} (exit ${result.status})\n${result.output}\n`;
      const rows = await query(`SELECT migration, step, xid::text FROM runner_log WHERE half = '${half}' ORDER BY id`);
      const refused = result.status !== 0 && REFUSED_IN_TRANSACTION.test(result.output);
      // A run stopped at the time limit (it hung) deployed none of the migrations it had not committed.
      const hung = result.status === -1;
      let stopped = false;
      for (const spec of specs) {
        const steps = rows.filter((r) => r.migration === spec.id);
        const key = `${spec.id}:${half}`;
        if (hung && steps.length < 2) halves[key] = 'rejected';
        else if (stopped) halves[key] = 'not run';
        else if (spec.alone) {
          halves[key] = refused ? 'wrapped' : result.status === 0 ? 'none' : 'rejected';
          stopped = result.status !== 0;
        } else if (steps.length === 2) halves[key] = spec.optOut ? 'none' : steps[0].xid === steps[1].xid ? 'wrapped' : 'none';
        else if (spec.optOut && refused) {
          halves[key] = 'wrapped'; // its CONCURRENTLY was refused (and its first step rolled back with it)
          stopped = true;
        } else if (result.status !== 0) {
          halves[key] = 'rejected';
          stopped = true;
        } else halves[key] = 'not run';
      }
    };
    const up = driver.up(project, url, settings);
    await read('up', up, migrations);
    const last = migrations[migrations.length - 1]!;
    if (driver.down && up.status === 0) {
      await read('down', driver.down(project, url, settings), [last]);
    }
    return { halves, output, project };
  });
}

/** What migsafe says about the same files: each half's transaction, and the runner's refusals. */
export async function model(driver: RunnerDriver, project: string, migrations: MigrationSpec[], config: Record<string, unknown> = {}): Promise<Record<string, HalfMode>> {
  const result = await lintWith({ paths: [driver.migrationsDir], cwd: project, config: { config, filepath: null, base: project } });
  if (result.errors.length) throw new Error(result.errors.join('\n'));
  const files = migrations.map((spec, i) => path.join(project, driver.fileOf(spec, i)));
  const directory = { dir: path.join(project, driver.migrationsDir), files, kind: driver.kind ?? 'script' };
  const read = readDirectory(directory, { cwd: project, contents: {} }, new Map(), { runners: config.runners as never });
  const modes: Record<string, HalfMode> = {};
  const refused = (file: string, half: 'up' | 'down') =>
    result.diagnostics.some((d) => d.ruleId === 'concurrently-in-transaction' && d.section === half && path.resolve(project, d.file) === file);
  migrations.forEach((spec, i) => {
    const file = files[i]!;
    const migration = read.find((m) => m.files.some((f) => f.path === file));
    if (!migration) throw new Error(`migsafe did not read ${file}`);
    const rejected = result.diagnostics.some((d) => d.ruleId === 'transaction-opt-out-rejected' && path.resolve(project, d.file) === file);
    for (const half of ['up', 'down'] as const) {
      const read = half === 'up' ? migration.up : migration.down;
      if (!read) continue;
      // An opted-out migration is judged as the user meets it: is its CONCURRENTLY reported as
      // running in a transaction (Alembic's autocommit_block leaves the rest of the half in one).
      const wrapped = spec.optOut ? refused(file, half) : read.transaction !== 'none';
      modes[`${spec.id}:${half}`] = rejected ? 'rejected' : wrapped ? 'wrapped' : 'none';
    }
  });
  return modes;
}

export interface RunnerScenario {
  name: string;
  migrations: MigrationSpec[];
  /** Settings the driver writes into the project (config files, package.json scripts, CLI flags). */
  settings?: Record<string, unknown>;
  /** migsafe's own config for the project, for runner settings it cannot read. */
  config?: Record<string, unknown>;
  /** What the runner did when this was written: a change means the framework changed. */
  observed: Record<string, HalfMode>;
  /** The halves whose model is compared (default: every half that ran or was rejected). */
  compare?: string[];
}

export const serverAvailable = await serverAnswers();

/**
 * For each scenario: run the real runner, check it still does what was observed, then check that
 * migsafe's model of the same files says the same.
 */
export function describeRunner(title: string, driver: RunnerDriver, scenarios: RunnerScenario[], available: string | null = null): void {
  const why = !serverAvailable ? `no PostgreSQL server answers at ${SERVER_URL}` : available;
  if (why) console.warn(`skipped: ${title} runner semantics (${why})`);
  describe.skipIf(!!why)(`${title}, run against PostgreSQL`, () => {
    for (const scenario of scenarios) {
      it(scenario.name, async () => {
        const observation = await observe(driver, scenario.migrations, scenario.settings);
        expect(observation.halves, `${title} ran differently than when this test was written:\n${observation.output}`).toEqual(scenario.observed);
        const modelled = await model(driver, observation.project, scenario.migrations, scenario.config);
        const keys = scenario.compare ?? Object.keys(observation.halves).filter((k) => observation.halves[k] !== 'not run');
        const comparable = Object.fromEntries(keys.map((k) => [k, modelled[k]]));
        const observed = Object.fromEntries(keys.map((k) => [k, observation.halves[k]]));
        expect(comparable, "migsafe's model differs from what the runner did").toEqual(observed);
      }, 60_000);
    }
  });
}

// dbmate's npm package ships its Go binary as a per-platform optional dependency, which npm's lock
// file keeps for this platform only (then `npm ci` refuses it elsewhere): it is installed here, for
// this test, into a cache folder, once.
export const DBMATE_VERSION = '2.36.0';
export const dbmateHome = path.join(repoRoot, 'node_modules', '.cache', `migsafe-test-dbmate-${DBMATE_VERSION}`);
export const dbmateBin = path.join(dbmateHome, 'node_modules', '.bin', 'dbmate');
export function installDbmate(): string | null {
  if (existsSync(dbmateBin)) return null;
  mkdirSync(dbmateHome, { recursive: true });
  const npm = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', dbmateHome, `dbmate@${DBMATE_VERSION}`], { encoding: 'utf8', timeout: 120_000 });
  return npm.status === 0 && existsSync(dbmateBin) ? null : `dbmate@${DBMATE_VERSION} could not be installed from npm: ${(npm.stderr || String(npm.error)).trim().split('\n').pop()}`;
}
