import { defineObservedRule } from '../src/engine/rule.js';

export default defineObservedRule({
  id: 'verify-data-loss',
  severity: 'error',
  observedBy: 'verify',
  help: 'Make down restore the data up changed (keep the old column until the new one is proven, copy values back), or say in the migration that it is irreversible.',
  docs: {
    summary: 'Verified (with --seed-rows): rows written before up are not the same after up and down.',
    why: `With \`--seed-rows N\`, verify writes rows into every table before each migration and compares row
counts and row values of those tables after up + down. A difference means a rollback loses or alters
data that existed before the deploy: a column dropped and re-added empty, values converted one way
only, rows deleted.`,
    safe: 'Keep data reversible: add the new column, copy, switch, and drop the old column only in a later migration.',
    sources: ['https://www.postgresql.org/docs/current/ddl-alter.html'],
    examples: {
      invalid: [{ before: ['CREATE TABLE users (id int, nickname text);'], sql: 'ALTER TABLE users DROP COLUMN nickname;', down: 'ALTER TABLE users ADD COLUMN nickname text;' }],
      valid: [{ before: ['CREATE TABLE users (id int, nickname text);'], sql: 'ALTER TABLE users ADD COLUMN bio text;', down: 'ALTER TABLE users DROP COLUMN bio;' }],
    },
  },
});
