import { defineObservedRule } from '../src/engine/rule.js';

export default defineObservedRule({
  id: 'trace-blocking-lock',
  severity: 'warning',
  observedBy: 'trace',
  help: 'Split the migration so that the statement taking the lock commits before the others run, or order the statements so the strong lock is taken last.',
  docs: {
    summary: 'Observed: a lock that blocks reads or writes on an existing table stays held while later statements of the transaction run.',
    why: `Locks are held until the transaction ends. A statement that takes a lock blocking reads or writes
(SHARE or stronger, as seen in pg_locks) on a table that existed before the migration keeps that
table blocked while every later statement in the same transaction runs: a quick ALTER followed by a
slow backfill or index build blocks the table for all of it.`,
    safe: `Commit after the statement that takes the strong lock (a separate migration, or a runner without a
wrapping transaction), or take the strong lock in the last statement of the transaction.`,
    sources: ['https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES', 'https://www.postgresql.org/docs/current/view-pg-locks.html'],
    examples: {
      invalid: [{ before: ['CREATE TABLE users (id int, email text);'], sql: "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN bio text;\nCREATE INDEX users_email_idx ON users (email);", transaction: 'wrapped' }],
      valid: [{ before: ['CREATE TABLE users (id int, email text);'], sql: "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN bio text;" , transaction: 'wrapped' }],
    },
  },
});
