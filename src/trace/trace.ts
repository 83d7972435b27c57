// Trace: run a migration statement by statement inside the transactions its runner uses, and after
// each statement record the relation locks the session holds (pg_locks), the tables and indexes
// rewritten (pg_class.relfilenode changed) and the lock_timeout in effect.
import { positionAt } from '../sources/source-file.js';
import type { Migration, Statement, TracedStatement } from '../engine/types.js';

export type { TracedStatement };
import { applyHalf, unrunnableReason, unsupportedReason } from './apply.js';
import type { Database } from './database.js';
import type { FindingSink } from './run.js';

export type TracedLock = TracedStatement['locks'][number];

const BLOCKING = new Set(['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock']);
const USER_RELATIONS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_%'`;

export async function relationFiles(db: Database): Promise<Map<string, { node: string; kind: string; oid: string }>> {
  const rows = await db.query<{ name: string; node: string; kind: string; oid: string }>(
    `SELECT n.nspname || '.' || c.relname AS name, c.relfilenode::text AS node, c.relkind AS kind, c.oid::text AS oid FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_RELATIONS} AND c.relkind IN ('r','p','i','m','I')`,
  );
  return new Map(rows.map((r) => [r.name, { node: r.node, kind: r.kind, oid: r.oid }]));
}

/**
 * Relation locks the session holds. A relation the statement dropped is gone from pg_class, so it
 * is named from `known` (oid → name, read before the statement).
 */
export async function sessionLocks(db: Database, known: Map<string, string> = new Map()): Promise<TracedLock[]> {
  const rows = await db.query<{ oid: string; relation: string | null; mode: string; system: boolean }>(
    `SELECT l.relation::text AS oid, n.nspname || '.' || c.relname AS relation, l.mode,
            coalesce(n.nspname IN ('pg_catalog', 'information_schema', 'pg_toast') OR n.nspname LIKE 'pg\\_%', false) AS system
     FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows
    .filter((r) => !r.system && (r.relation ?? known.get(r.oid)))
    .map((r) => ({ relation: (r.relation ?? known.get(r.oid))!, mode: r.mode }))
    .sort((a, b) => a.relation.localeCompare(b.relation) || a.mode.localeCompare(b.mode));
}

const shortName = (relation: string) => relation.replace(/^public\./, '');

async function constraintStates(db: Database): Promise<Map<string, boolean>> {
  const rows = await db.query<{ name: string; validated: boolean }>(
    `SELECT n.nspname || '.' || c.relname || '.' || con.conname AS name, con.convalidated AS validated FROM pg_constraint con
     JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_RELATIONS} AND con.contype <> 'n'`,
  );
  return new Map(rows.map((r) => [r.name, r.validated]));
}

export async function traceMigration(db: Database, migration: Migration, target: boolean, sink: FindingSink, stopped: { reason: string }): Promise<TracedStatement[]> {
  const skip = (reason: string) =>
    sink.targetNotRun({ file: migration.up.anchor.file, span: { start: migration.up.anchor.offset, end: migration.up.anchor.offset } }, migration, 'up', `migsafe could not run migration ${migration.id}: ${reason}.`);
  if (stopped.reason) {
    if (target) skip(stopped.reason);
    return [];
  }
  const unrunnable = unrunnableReason(migration.up);
  if (unrunnable) {
    stopped.reason = `${migration.id} has ${unrunnable}`;
    if (target) skip(unrunnable);
    return [];
  }
  if (!target) {
    const outcome = await applyHalf(db, migration.up);
    if (outcome.failed) stopped.reason = `an earlier migration (${migration.id}) failed: ${outcome.failed.error.message}`;
    return [];
  }

  const existing = await relationFiles(db);
  let files = existing;
  // Locks still held from earlier statements of the same transaction: each entry lists only the
  // locks its own statement took.
  let held = new Set<string>();
  let heldIn: number | null = null;
  let constraints = await constraintStates(db);
  const entries: { entry: TracedStatement; statement: Statement; transactionId: number | null }[] = [];
  const outcome = await applyHalf(db, migration.up, async ({ statement, inTransaction, transactionId }) => {
    const known = new Map([...files].map(([name, info]) => [info.oid, name]));
    const newLocks = async () => {
      const locks = (await sessionLocks(db, known)).map((l) => ({ relation: shortName(l.relation), mode: l.mode }));
      const before = inTransaction && transactionId === heldIn ? held : new Set<string>();
      held = new Set(locks.map((l) => `${l.relation} ${l.mode}`));
      heldIn = inTransaction ? transactionId : null;
      return locks.filter((l) => !before.has(`${l.relation} ${l.mode}`));
    };
    const after = await relationFiles(db);
    const rewrites = [...after].filter(([name, now]) => existing.has(name) && files.get(name) && files.get(name)!.node !== now.node).map(([name]) => shortName(name));
    files = after;
    const [timeout] = await db.query<{ lock_timeout: string }>('SHOW lock_timeout');
    const nowConstraints = await constraintStates(db);
    const changedConstraints = [...nowConstraints].filter(([name, validated]) => constraints.get(name) !== validated).map(([name, validated]) => ({ name: shortName(name), validated }));
    constraints = nowConstraints;
    entries.push({
      statement,
      transactionId,
      entry: {
        file: statement.file.relPath,
        line: positionAt(statement.file, statement.span.start).line,
        migration: migration.id,
        statement: statement.text.replace(/\s+/g, ' ').slice(0, 160),
        locks: await newLocks(),
        heldAfter: inTransaction,
        rewrites,
        constraints: changedConstraints,
        lockTimeout: timeout?.lock_timeout ?? '0',
      },
    });
  });
  if (!outcome.failed) sink.completed++;
  if (outcome.failed) {
    const { statement, error } = outcome.failed;
    const unsupported = unsupportedReason(error, db);
    if (unsupported) sink.targetNotRun({ file: statement.file, span: statement.span, statement }, migration, 'up', `migsafe could not run migration ${migration.id} past this statement: ${unsupported}.`);
    else sink.report('trace-statement-failed', { file: statement.file, span: statement.span, statement }, migration, 'up', `PostgreSQL rejected this statement: ${error.message}.`);
    stopped.reason = `an earlier migration (${migration.id}) failed`;
  }
  sink.notRun(migration, 'up', outcome);

  const existingTable = (relation: string) => {
    const info = existing.get(relation.includes('.') ? relation : `public.${relation}`);
    return info && info.kind !== 'i' && info.kind !== 'I';
  };
  let timeoutReported = false;
  const reportedLocks = new Set<string>();
  entries.forEach(({ entry, statement, transactionId }, index) => {
    const where = { file: statement.file, span: statement.span, statement };
    if (entry.rewrites.length) {
      sink.report('trace-table-rewrite', where, migration, 'up', `PostgreSQL rewrote ${entry.rewrites.join(', ')} for this statement (a new relfilenode): the whole table was copied under an exclusive lock.`);
    }
    const blocking = entry.locks.filter((l) => BLOCKING.has(l.mode) && existingTable(l.relation));
    if (blocking.length && entry.lockTimeout === '0' && !timeoutReported) {
      timeoutReported = true;
      sink.report('trace-missing-lock-timeout', where, migration, 'up', `This statement took ${blocking.map((l) => `${l.mode} on ${l.relation}`).join(', ')} with lock_timeout = 0: it would have waited behind any running transaction, queueing every query on the table.`);
    }
    if (!entry.heldAfter || transactionId === null) return;
    const later = entries.slice(index + 1).filter((e) => e.transactionId === transactionId);
    if (later.length === 0) return;
    for (const lock of blocking) {
      const key = `${transactionId}:${lock.relation}`;
      if (reportedLocks.has(key)) continue;
      reportedLocks.add(key);
      const lines = later.map((e) => e.entry.line);
      sink.report(
        'trace-blocking-lock',
        where,
        migration,
        'up',
        `${lock.mode} on ${lock.relation}, taken here, stays held while the statement${lines.length === 1 ? ' at line' : 's at lines'} ${lines.length === 1 ? lines[0] : `${lines[0]}–${lines[lines.length - 1]}`} run${lines.length === 1 ? 's' : ''}: ${lock.relation} is blocked for all of them.`,
      );
    }
  });
  return entries.map((e) => e.entry);
}
