// migsafe fix: writes the safe rewrite of each finding into the migrations that are not deployed yet,
// in the directory's own layout, then proves the result before a byte reaches the disk: the result
// is linted (the fixed findings gone, nothing new), then run on PostgreSQL (verify: up → down → up;
// trace: the locks and rewrites), and compared with the same runs of the migrations as they were.
// Everything runs on an overlay of the files (LintRequest.overlay): --dry-run writes nothing.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadModule, parseSync } from 'libpg-query';
import { isMigrationFile, sourceKindOf } from '../discover/discover.js';
import { gitTop, committedUnchanged } from '../discover/git.js';
import { DEFAULT_PLACEHOLDERS, settingsFor } from '../engine/config-settings.js';
import { readDirectory } from '../engine/lint-directories.js';
import { lint, prepareRun, type LintRequest, type LintResult } from '../engine/lint.js';
import type { AstNode, Diagnostic, Migration, Rewrite, SourceFile, Statement } from '../engine/types.js';
import { layoutByName } from '../sources/index.js';
import { scriptFrameworks } from '../sources/frameworks/index.js';
import { applyEdits, planFix } from './plan.js';
import { proposalFile, proposalText } from './proposal.js';
import { outsideTransactionHint } from '../engine/runner-hints.js';
import type { MigrationWriter, TextEdit } from './writer.js';

export interface FixRequest extends LintRequest {
  /** Compute, prove and show the change; write nothing. */
  dryRun?: boolean;
  /** Fix only these rules' findings (`--rule`); all fixable rules when absent. */
  only?: string[];
  /** Run the proof on PostgreSQL (verify and trace); on by default. */
  prove?: boolean;
  /** Only rewrites that stay in the finding's own migration (`lint --fix`): none that writes a new one. */
  inPlaceOnly?: boolean;
  /** Where the migrations cannot run on PostgreSQL as they were (an earlier one fails there), write on lint's proof alone. */
  unproven?: boolean;
  /** Prove on this server (a throwaway database in it, as trace/verify --database-url) instead of PGlite. */
  databaseUrl?: string;
  /** The database the proof runs on (tests reuse one PGlite); a new embedded one otherwise. */
  database?: import('../trace/database.js').Database;
}

export interface FixedFinding {
  ruleId: string;
  file: string;
  line: number;
  message: string;
  /** In a migration fix wrote (a lock_timeout its new migration needs). */
  generated?: boolean;
}

export interface FixOutcome {
  /** Every file the fix changes or creates, with its text before (null: new) and after. */
  files: { path: string; before: string | null; after: string }[];
  fixed: FixedFinding[];
  /** Fixable findings left as they were, and why. */
  unfixed: (FixedFinding & { reason: string })[];
  /** Fixable findings in committed migrations, left alone. */
  committed: number;
  /** The migration files read (none: the paths hold no migrations). */
  filesRead: number;
  /** What was proved, line by line, and whether everything held. */
  proof: { ok: boolean; lines: string[] };
  written: boolean;
}

const ROUNDS = 8;

export async function fix(request: FixRequest): Promise<FixOutcome> {
  await loadModule();
  const cwd = request.cwd ?? process.cwd();
  // Texts of the files as fix would leave them (absolute path → text), and the new ones among them.
  const overlay = new Map<string, string>();
  const created = new Set<string>();
  const named = new Set(request.paths.map((p) => path.resolve(cwd, p)).filter((p) => statSync(p, { throwIfNoEntry: false })?.isFile()));
  let deployed: ((file: string) => boolean) | null = null;
  const fixed: FixedFinding[] = [];
  const reasons = new Map<string, string>();
  // Findings in committed migrations (deployed, probably): not fix's to change unless named.
  const committed = new Set<string>();
  // The last migration written after each fixed one, so that later rounds number theirs after it.
  const tails = new Map<string, string>();
  // Directories whose writer keeps a side file in step with them (atlas.sum), done after the rounds.
  const finishing = new Map<string, MigrationWriter>();
  const requestFor = (paths: string[]): LintRequest => ({ ...request, paths, overlay: Object.fromEntries(overlay), cache: undefined });
  let initial: LintResult | null = null;
  let result: LintResult | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    const lintRequest = requestFor([...request.paths, ...created]);
    result = await lintBeyondBaseline(lintRequest, cwd);
    if (result.errors.length) throw new Error(result.errors[0]!.split('\n')[0]);
    initial ??= result;
    const fixable = new Set(result.rules.filter((r) => r.fixable).map((r) => r.id));
    const directories = await readMigrations(lintRequest);
    // Asked of git once, for every migration file of the directories (what fix writes is new).
    deployed ??= deployedFiles(cwd, directories.flatMap((d) => d.migrations.flatMap((m) => m.files.map((f) => f.path))));
    // One fix per migration a round (the first that can be written): the next round lints what this one wrote.
    const candidates = new Map<Migration, { diagnostic: Diagnostic; statement: Statement; migrations: Migration[] }[]>();
    for (const diagnostic of result.diagnostics) {
      if (!fixable.has(diagnostic.ruleId) || !diagnostic.rewrite || !diagnostic.source) continue;
      const file = diagnostic.source.path;
      const generated = created.has(file);
      // What fix wrote is fixed for every rule (a lock_timeout its new migration needs).
      if (!generated && request.only && !request.only.includes(diagnostic.ruleId)) continue;
      const key = keyOf(diagnostic);
      if (reasons.has(key)) continue;
      if (!generated && !named.has(file) && deployed!(file)) {
        committed.add(key);
        continue;
      }
      const found = locate(directories, diagnostic);
      if (!found) {
        reasons.set(key, 'migsafe could not find the statement in its migration');
        continue;
      }
      candidates.set(found.migration, [...(candidates.get(found.migration) ?? []), { diagnostic, ...found }]);
    }
    let changed = false;
    for (const [migration, list] of candidates) {
      // node-pg-migrate writes both SQL and JS migrations: the file decides which writer.
      const writer = sourceKindOf(migration.up.files[0]!.path) === 'script' ? scriptFrameworks.find((f) => f.name === migration.layout)?.writer : layoutByName(migration.layout)?.writer;
      for (const { diagnostic, statement, migrations } of list) {
        if (!writer) {
          reasons.set(keyOf(diagnostic), `migsafe fix does not write ${migration.layout} migrations yet`);
          continue;
        }
        const tailFile = tails.get(migration.files[0]!.path);
        const tail = (tailFile && migrations.find((m) => m.files.some((f) => f.path === tailFile))) || migration;
        const next = migrations[migrations.indexOf(tail) + 1] ?? null;
        const history = migrations.slice(0, migrations.indexOf(migration) + 1).flatMap((m) => m.up.statements.flatMap((s) => (s.ast ? [s.ast] : [])));
        if ((diagnostic.rewrite as Rewrite).proposal && diagnostic.section === 'down') {
          reasons.set(keyOf(diagnostic), 'a rename or type change in a down migration: the plan for its up covers the way back');
          continue;
        }
        if ((diagnostic.rewrite as Rewrite).proposal) {
          // An expand/contract plan: the application moves between its steps, so it is written for
          // the user to take into migrations, not applied.
          const file = proposalFile(cwd, migration, diagnostic);
          overlay.set(file, proposalText(diagnostic, migration, outsideTransactionHint(migration, migration.up)));
          reasons.set(keyOf(diagnostic), `an expand/contract plan the application moves through step by step: written to ${path.relative(cwd, file)} for you to take into migrations (nothing applied)`);
          changed = true;
          break;
        }
        const read = (file: string) => overlay.get(file) ?? (existsSync(file) ? readFileSync(file, 'utf8') : null);
        const mayChange = (file: string) => created.has(file) || named.has(file) || !deployed!(file);
        const plan = planFix({ migration, statement, rewrite: diagnostic.rewrite as Rewrite, writer, tail, next, parse: parseStatement, history, files: { read, mayChange } });
        if ('error' in plan) {
          reasons.set(keyOf(diagnostic), plan.error);
          continue;
        }
        if (request.inPlaceOnly && Object.keys(plan.files).length) {
          reasons.set(keyOf(diagnostic), 'its rewrite adds migrations: run `migsafe fix`');
          continue;
        }
        for (const [file, text] of applyEdits(plan.edits, (file) => overlay.get(file) ?? fileText(migration, file))) overlay.set(file, text);
        for (const [file, text] of Object.entries(plan.files)) {
          overlay.set(file, text);
          // Besides migrations, a runner's side file (Diesel's metadata.toml).
          if (isMigrationFile(file) && !existsSync(file)) created.add(file);
        }
        if (plan.lastFile) tails.set(migration.files[0]!.path, plan.lastFile);
        if (writer.finish) finishing.set(migration.directory, writer);
        fixed.push({ ruleId: diagnostic.ruleId, file: diagnostic.file, line: diagnostic.line, message: diagnostic.message, generated: created.has(diagnostic.source!.path) });
        changed = true;
        break;
      }
    }
    if (!changed) break;
  }
  for (const [directory, writer] of finishing) {
    const read = (file: string) => overlay.get(file) ?? (existsSync(file) ? readFileSync(file, 'utf8') : null);
    const files = [...new Set([...readdirSync(directory).map((name) => path.join(directory, name)), ...created])];
    for (const [file, text] of Object.entries(writer.finish!(directory, files, read))) if (read(file) !== text) overlay.set(file, text);
  }
  // What is left after the last round.
  if (overlay.size) result = await lintBeyondBaseline(requestFor([...request.paths, ...created]), cwd);
  const files = [...overlay].map(([file, after]) => ({ path: file, before: existsSync(file) ? readFileSync(file, 'utf8') : null, after })).filter((f) => f.before !== f.after);
  const unfixed = (result?.diagnostics ?? [])
    .filter((d) => result!.rules.find((r) => r.id === d.ruleId)?.fixable && d.rewrite && !committed.has(keyOf(d)) && (!request.only || request.only.includes(d.ruleId) || created.has(d.source?.path ?? '')))
    .map((d) => ({ ruleId: d.ruleId, file: d.file, line: d.line, message: d.message, reason: reasons.get(keyOf(d)) ?? 'migsafe fix found no safe way to write it' }));
  const filesRead = initial?.summary.files ?? 0;
  if (!files.length) return { files, fixed: [], unfixed, committed: committed.size, filesRead, proof: { ok: true, lines: [] }, written: false };
  // What fix wrote but could not make clean is said below ("not fixed"), not counted against it.
  const declined = (d: Diagnostic) => overlay.has(d.source?.path ?? '') && reasons.has(keyOf(d));
  // Proposal files alone change no migration: there is nothing to run.
  const proof = [...overlay.keys()].some(isMigrationFile) ? await prove(request, initial!, overlay, created, fixed, declined) : { ok: true, lines: ['proposals are plans, not migrations: nothing ran'] };
  let written = false;
  if (proof.ok && !request.dryRun) {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    for (const file of files) {
      mkdirSync(path.dirname(file.path), { recursive: true });
      writeFileSync(file.path, file.after);
    }
    written = true;
  }
  return { files, fixed, unfixed, committed: committed.size, filesRead, proof, written };
}

/** lint, without the findings the config's baseline records (accepted ones: not fix's to change). */
async function lintBeyondBaseline(request: LintRequest, cwd: string): Promise<LintResult> {
  const result = await lint(request);
  if (!result.configBaseline || !existsSync(result.configBaseline)) return result;
  const { applyBaseline, readBaseline } = await import('../engine/baseline.js');
  return applyBaseline(result, readBaseline(result.configBaseline), result.configBaseline, cwd);
}

/** A finding, the same across rounds while its statement is untouched. */
function keyOf(diagnostic: Diagnostic): string {
  return `${diagnostic.source?.path}\u0000${diagnostic.ruleId}\u0000${diagnostic.statementText ?? diagnostic.message}`;
}

function fileText(migration: Migration, file: string): string {
  return migration.files.find((f) => f.path === file)?.text ?? (existsSync(file) ? readFileSync(file, 'utf8') : '');
}

/** Which of the files are committed unchanged in git (deployed, as far as migsafe can tell); outside git, all of them. */
function deployedFiles(cwd: string, files: string[]): (file: string) => boolean {
  if (gitTop(cwd) === null) return () => true;
  const unchanged = committedUnchanged(cwd, files);
  return (file) => unchanged.has(file);
}

function parseStatement(sql: string): AstNode {
  const stmts = parseSync(sql).stmts ?? [];
  if (stmts.length !== 1) throw new Error(`expected one statement: ${sql}`);
  return stmts[0]!.stmt as AstNode;
}

interface DirectoryMigrations {
  migrations: Migration[];
}

/** Each directory's migrations as the lint of this request reads them. */
async function readMigrations(request: LintRequest): Promise<DirectoryMigrations[]> {
  const { job } = await prepareRun(request);
  const files = new Map<string, SourceFile>();
  const placeholders = (job.config.config.placeholders ?? DEFAULT_PLACEHOLDERS).map((p) => new RegExp(p, 'g'));
  return job.directories.map((directory) => {
    const settings = settingsFor(job.config, directory.dir, job.cli);
    return { migrations: readDirectory(directory, job, files, { layout: settings.layout, assumeInTransaction: settings.assumeInTransaction, placeholders, runners: settings.runners }) };
  });
}

/** The up statement a finding is about, with its migration and the directory's migrations. */
function locate(directories: DirectoryMigrations[], diagnostic: Diagnostic): { migration: Migration; statement: Statement; migrations: Migration[] } | null {
  const source = diagnostic.source!;
  const offset = (source.lineStarts[diagnostic.line - 1] ?? 0) + diagnostic.column - 1;
  for (const { migrations } of directories) {
    for (const migration of migrations) {
      if (migration.id !== diagnostic.migration) continue;
      const half = diagnostic.section === 'down' ? migration.down : migration.up;
      const statement = half?.statements.find((s) => s.file.path === source.path && s.span.start <= offset && offset <= s.span.end && s.ast);
      if (statement) return { migration, statement, migrations };
    }
  }
  return null;
}

/** The counts of findings by rule, of error and warning severity, in the given files. */
function countByRule(diagnostics: Diagnostic[], files: Set<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of diagnostics) {
    if (d.severity === 'info' || !d.source || !files.has(d.source.path)) continue;
    counts.set(d.ruleId, (counts.get(d.ruleId) ?? 0) + 1);
  }
  return counts;
}

/** Rules with more findings after than before (after the fixed ones are taken off before). */
function introduced(before: Map<string, number>, after: Map<string, number>, fixedCounts: Map<string, number> = new Map()): string[] {
  const out: string[] = [];
  for (const [rule, count] of after) {
    const allowed = Math.max(0, (before.get(rule) ?? 0) - (fixedCounts.get(rule) ?? 0));
    if (count > allowed) out.push(`${rule} (${count} after, ${allowed} expected)`);
  }
  return out;
}

async function prove(request: FixRequest, initial: LintResult, overlay: Map<string, string>, created: Set<string>, fixed: FixedFinding[], declined: (d: Diagnostic) => boolean): Promise<FixOutcome['proof']> {
  const lines: string[] = [];
  let ok = true;
  const touched = new Set([...overlay.keys()].filter(isMigrationFile));
  const original = new Set([...touched].filter((f) => !created.has(f)));
  const withFix: LintRequest = { ...request, paths: [...touched], overlay: Object.fromEntries(overlay), cache: undefined };
  const asWere: LintRequest = { ...request, paths: [...original], cache: undefined };
  // 1. Lint: the fixed findings are gone, and nothing new is reported in what fix wrote.
  const after = await lint(withFix);
  const fixedCounts = new Map<string, number>();
  for (const f of fixed.filter((f) => !f.generated)) fixedCounts.set(f.ruleId, (fixedCounts.get(f.ruleId) ?? 0) + 1);
  const worse = introduced(countByRule(initial.diagnostics, original), countByRule(after.diagnostics.filter((d) => !declined(d)), touched), fixedCounts);
  if (worse.length) {
    ok = false;
    lines.push(`lint: the fixed migrations have findings they should not: ${worse.join(', ')}`);
  } else {
    lines.push(`lint: ${fixed.length} finding${fixed.length === 1 ? '' : 's'} fixed, none introduced`);
  }
  if (request.prove === false) return { ok, lines };
  // 2. verify and trace on PostgreSQL, before and after: nothing the fix wrote fails its round trip
  // or holds a lock or rewrites a table where the migrations as they were did not.
  const { runObserved } = await import('../trace/run.js');
  for (const command of ['verify', 'trace'] as const) {
    const where = { database: request.database, databaseUrl: request.databaseUrl };
    const beforeRun = original.size ? await runObserved(command, { ...asWere, ...where }) : null;
    // The migrations as they were do not run here (an earlier one fails, an extension is missing):
    // nothing to compare with.
    const blocked = beforeRun?.diagnostics.find((d) => d.ruleId === 'migration-skipped' && d.source && original.has(d.source.path));
    if (blocked) {
      lines.push(`${command}: not run: ${blocked.message}${request.unproven ? ' (written on lint\'s proof alone: --unproven)' : ''}`);
      if (!request.unproven) {
        if (ok || !lines.some((l) => l.includes('--unproven'))) lines.push(`  prove it on a server that has what the migrations need (--database-url), or write it on lint's proof alone (--unproven)`);
        ok = false;
      }
      continue;
    }
    const afterRun = await runObserved(command, { ...withFix, ...where });
    const worseRun = introduced(countByRule(beforeRun?.diagnostics ?? [], original), countByRule(afterRun.diagnostics, touched));
    // Every migration runs to its end (verify: the round trip), where the migrations as they were did
    // (a layout without down migrations has no round trip to complete).
    const completedBefore = !beforeRun?.observed || beforeRun.observed.completed === beforeRun.observed.targets;
    const incomplete = command === 'verify' && completedBefore && afterRun.observed && afterRun.observed.completed < afterRun.observed.targets;
    if (worseRun.length || afterRun.errors.length || incomplete) {
      ok = false;
      const details = afterRun.diagnostics.filter((d) => d.severity !== 'info' && d.source && touched.has(d.source.path)).map((d) => `  ${d.file}:${d.line} ${d.ruleId}: ${d.message}`);
      lines.push(`${command}: ${[...worseRun, ...afterRun.errors, ...(incomplete ? [`${afterRun.observed!.completed} of ${afterRun.observed!.targets} migrations completed`] : [])].join(', ')}`, ...details);
    } else if (command === 'verify') {
      lines.push(`verify: up → down → up of the ${afterRun.observed?.targets ?? 0} changed and new migrations restores the schema (${afterRun.database})`);
    } else {
      lines.push(`trace: no lock or rewrite beyond what the migrations as they were had (${afterRun.database})`);
    }
  }
  return { ok, lines };
}

export type { TextEdit };
