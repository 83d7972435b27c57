import { defineObservedRule } from '../src/engine/rule.js';

export default defineObservedRule({
  id: 'verify-down-failed',
  severity: 'error',
  observedBy: 'verify',
  help: 'Fix the down migration so that it runs after its up migration.',
  docs: {
    summary: 'Verified: the down migration fails right after its up migration.',
    why: `A rollback is run under pressure, after a bad deploy. A down migration that fails (it drops an object
up never created, in the wrong order, or without IF EXISTS where needed) leaves the team without a
way back.`,
    safe: 'Drop in reverse order of creation; test the rollback with `migsafe verify`.',
    sources: ['https://www.postgresql.org/docs/current/ddl-depend.html'],
    examples: {
      invalid: [{ sql: 'CREATE TABLE users (id int);', down: 'DROP TABLE user_accounts;' }],
      valid: [{ sql: 'CREATE TABLE users (id int);', down: 'DROP TABLE users;' }],
    },
  },
});
