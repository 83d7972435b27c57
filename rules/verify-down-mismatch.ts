import { defineObservedRule } from '../src/engine/rule.js';

export default defineObservedRule({
  id: 'verify-down-mismatch',
  severity: 'error',
  observedBy: 'verify',
  help: 'Make the down migration drop (or restore) exactly what up created (or removed).',
  docs: {
    summary: 'Verified: up then down does not restore the schema (names what was left behind, removed or changed).',
    why: `Verify snapshots the catalog (tables, columns with type, nullability and default, indexes,
constraints, enum types and labels, sequences, views, functions, triggers, extensions) before up
and after up + down. Any difference means the down migration is not the inverse of up: an enum type
left behind makes the next up fail with "already exists"; a column not restored breaks the code the
rollback was meant to restore.`,
    safe: `Undo everything in down, in reverse order:

~~~sql
-- up
CREATE TYPE user_status AS ENUM ('active', 'banned');
ALTER TABLE users ADD COLUMN status user_status;
-- down
ALTER TABLE users DROP COLUMN status;
DROP TYPE user_status;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/catalogs.html'],
    examples: {
      invalid: [
        {
          before: ['CREATE TABLE users (id int);'],
          sql: "CREATE TYPE user_status AS ENUM ('active', 'banned');\nALTER TABLE users ADD COLUMN status user_status;",
          down: 'ALTER TABLE users DROP COLUMN status;',
        },
      ],
      valid: [
        {
          before: ['CREATE TABLE users (id int);'],
          sql: "CREATE TYPE user_status AS ENUM ('active', 'banned');\nALTER TABLE users ADD COLUMN status user_status;",
          down: 'ALTER TABLE users DROP COLUMN status;\nDROP TYPE user_status;',
        },
      ],
    },
  },
});
