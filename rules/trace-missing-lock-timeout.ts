import { defineObservedRule } from '../src/engine/rule.js';

export default defineObservedRule({
  id: 'trace-missing-lock-timeout',
  severity: 'warning',
  observedBy: 'trace',
  help: "Set a lock_timeout before the first statement that locks: SET lock_timeout = '5s';",
  docs: {
    summary: 'Observed: a lock blocking reads or writes on an existing table was taken with lock_timeout = 0.',
    why: `With lock_timeout 0 (the default) a statement waits for its lock as long as it takes, and every
query on the table queues behind it. Trace reads \`SHOW lock_timeout\` after each statement, so it
sees what the migration really set (SET, SET LOCAL, set_config), not what a static reading guesses.`,
    safe: `~~~sql
SET lock_timeout = '5s';
~~~`,
    sources: ['https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT'],
    examples: {
      invalid: [{ before: ['CREATE TABLE users (id int);'], sql: 'ALTER TABLE users ADD COLUMN bio text;' }],
      valid: [{ before: ['CREATE TABLE users (id int);'], sql: "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN bio text;" }],
    },
  },
});
