import { defineObservedRule } from '../src/engine/rule.js';

export default defineObservedRule({
  id: 'trace-table-rewrite',
  severity: 'warning',
  observedBy: 'trace',
  help: 'See the static rule that explains this statement (add-column-rewrite, column-type-rewrite, table-rewrite) for the safe rewrite.',
  docs: {
    summary: 'Observed: a statement rewrote an existing table or index (its relfilenode changed).',
    why: `When PostgreSQL rewrites a table it writes a new data file (a new pg_class.relfilenode) and copies
every row, under an ACCESS EXCLUSIVE lock. Trace compares relfilenode before and after each
statement, so it sees every rewrite, including the ones no static rule predicted.`,
    safe: `Avoid the rewrite: add columns without volatile defaults, change types only in binary-coercible
ways, or use a new column and a backfill.`,
    sources: ['https://www.postgresql.org/docs/current/storage-file-layout.html', 'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES'],
    examples: {
      invalid: [{ before: ['CREATE TABLE users (id int);'], sql: "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN id TYPE bigint;" }],
      valid: [{ before: ['CREATE TABLE users (id int, name varchar(10));'], sql: "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN name TYPE varchar(20);" }],
    },
  },
});
