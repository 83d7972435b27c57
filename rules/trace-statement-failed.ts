import { defineObservedRule } from '../src/engine/rule.js';

export default defineObservedRule({
  id: 'trace-statement-failed',
  severity: 'error',
  observedBy: 'trace',
  help: 'Fix the statement: PostgreSQL will reject it the same way at deploy time.',
  docs: {
    summary: 'Observed: PostgreSQL rejected a statement of the traced migration.',
    why: `Trace runs the migration on a real PostgreSQL, in the transactions its runner uses. A statement
that fails there (CREATE INDEX CONCURRENTLY inside the runner's transaction, a type error, a missing
column) fails at deploy time too.`,
    safe: 'Fix the statement, or run it the way PostgreSQL accepts it (for CONCURRENTLY: outside a transaction).',
    sources: ['https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY'],
    examples: {
      invalid: [{ before: ['CREATE TABLE users (id int);'], sql: "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY users_id_idx ON users (id);", transaction: 'wrapped' }],
      valid: [{ before: ['CREATE TABLE users (id int);'], sql: 'CREATE INDEX CONCURRENTLY users_id_idx ON users (id);' }],
    },
  },
});
