import { defineRule } from '../src/engine/rule.js';
import { setLockTimeout, sqlOf } from '../src/engine/rewrite.js';

const SET_LOCK_TIMEOUT = sqlOf(setLockTimeout());
import { blocksReadsOrWrites, tableLocks, lockWithArticle } from '../src/engine/postgres-facts.js';
import type { Migration } from '../src/engine/types.js';

export default defineRule({
  id: 'require-lock-timeout',
  severity: 'warning',
  fixable: true,
  docs: {
    summary: 'A statement takes a lock that blocks reads or writes on an existing table with no lock_timeout set.',
    why: `Even an instant ALTER TABLE must first get its lock, and it waits behind every transaction using the
table (a long report query, an idle-in-transaction session). While it waits, every new query on the
table queues behind it: a one-millisecond change becomes an outage. lock_timeout makes the statement
give up instead, so the migration fails and can be retried. Reported once per migration, at the
first such statement.`,
    safe: `Set a lock_timeout at the top of the migration (SET LOCAL inside a transaction), and retry the
migration if it times out:

~~~sql
SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN bio text;
~~~

If your runner sets it for every migration, say so with \`"lockTimeoutSetByRunner": true\`.`,
    sources: [
      'https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT',
      'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES',
    ],
    examples: {
      invalid: [{ sql: 'ALTER TABLE users ADD COLUMN bio text;' }],
      valid: [
        { sql: "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN bio text;" },
        { sql: "SELECT set_config('lock_timeout', '3s', false);\nALTER TABLE users ADD COLUMN bio text;" },
        { sql: 'CREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN bio text;' },
      ],
    },
  },
  messages: {
    missing: {
      message: 'This takes {{mode}} lock on "{{table}}" with no lock_timeout set: if it has to wait, every query on "{{table}}" queues behind it.',
      help: "Set a lock_timeout before the first statement that locks, and retry on timeout:\n  SET lock_timeout = '5s';",
    },
  },
  create(context) {
    const reported = new WeakSet<Migration>();
    return {
      '*'(ast, ctx) {
        if (ctx.lockTimeoutSet || reported.has(ctx.migration) || ctx.statement.origin === 'function-body') return;
        const lock = tableLocks(ast, ctx.catalog).find((l) => blocksReadsOrWrites(l.mode) && !ctx.isNew(l.table.replace(/^index /, 'index ')) && !ctx.isNew(l.table));
        if (!lock) return;
        if (lock.table.startsWith('index ')) {
          const table = ctx.catalog.indexTable(lock.table.slice(6));
          if (table && ctx.isNew(table)) return;
        }
        reported.add(ctx.migration);
        // The SET, then the statement exactly as written (it needs no change, only the timeout before it).
        const rewrite = { migrations: [{ statements: [SET_LOCK_TIMEOUT, ctx.statement.text.trim().replace(/;$/, '')] }], residual: null };
        context.report({ messageId: 'missing', data: { mode: lockWithArticle(lock.mode), table: lock.table }, rewrite });
      },
    };
  },
});
