import { defineObservedRule } from '../src/engine/rule.js';

export default defineObservedRule({
  id: 'verify-up-failed',
  severity: 'error',
  observedBy: 'verify',
  help: 'Fix the statement; with --seed-rows, a failure that needs data (NOT NULL without default, duplicates) shows how production will fail.',
  docs: {
    summary: 'Verified: applying the up migration fails (on an empty database, or with --seed-rows N rows per table).',
    why: `Verify applies every migration in order on a real PostgreSQL. An up migration that fails there fails
at deploy time. With \`--seed-rows N\`, every table holds N generated rows first, so data-dependent
failures show too: ADD COLUMN NOT NULL without a default, a unique constraint over duplicates, a
narrowing type change.`,
    safe: 'Fix the statement PostgreSQL rejects (the finding quotes its error).',
    sources: ['https://www.postgresql.org/docs/current/sql-altertable.html'],
    examples: {
      invalid: [{ sql: 'ALTER TABLE missing_table ADD COLUMN bio text;', down: 'SELECT 1;' }],
      valid: [{ sql: 'CREATE TABLE users (id int);', down: 'DROP TABLE users;' }],
    },
  },
});
