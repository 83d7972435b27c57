import { defineRule } from '../src/engine/rule.js';
import { lockWithArticle, tableLocks } from '../src/engine/postgres-facts.js';

export default defineRule({
  id: 'lock-table',
  severity: 'warning',
  docs: {
    summary: 'An explicit LOCK TABLE in a migration.',
    why: `LOCK TABLE takes the lock until the end of the transaction (ACCESS EXCLUSIVE when no mode is
given): everything that conflicts with it waits for the rest of the migration, and it waits itself
behind every running transaction on the table.`,
    safe: `Let each statement take the lock it needs, for as short a time as possible, with a lock_timeout so
a migration that cannot get its lock fails fast instead of queueing traffic behind it:

~~~sql
SET lock_timeout = '5s';
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-lock.html'],
    examples: {
      invalid: [{ sql: 'LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE;' }],
      valid: [{ sql: "SET lock_timeout = '5s';" }],
    },
  },
  messages: {
    lock: {
      message: 'LOCK TABLE "{{table}}" holds {{mode}} lock until the end of the transaction.',
      help: "Drop the explicit lock; set a lock_timeout (SET lock_timeout = '5s') so the statements that need a lock fail fast instead of queueing traffic.",
    },
  },
  create(context) {
    return {
      LockStmt(node) {
        for (const lock of tableLocks({ LockStmt: node })) {
          context.report({ messageId: 'lock', data: { table: lock.table, mode: lockWithArticle(lock.mode) } });
        }
      },
    };
  },
});
