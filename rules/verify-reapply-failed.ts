import { defineObservedRule } from '../src/engine/rule.js';

export default defineObservedRule({
  id: 'verify-reapply-failed',
  severity: 'error',
  observedBy: 'verify',
  help: 'Make down remove everything up creates, or make up idempotent (IF NOT EXISTS).',
  docs: {
    summary: 'Verified: after up and down, applying up again fails.',
    why: `Deploy, roll back, deploy again: the second up must work. It fails when down leaves something behind
that up creates (an enum type, an index, a sequence): "already exists".`,
    safe: 'Drop in down what up creates; `CREATE ... IF NOT EXISTS` where it is harmless.',
    sources: ['https://www.postgresql.org/docs/current/sql-createtype.html'],
    examples: {
      invalid: [{ sql: "CREATE TYPE mood AS ENUM ('ok');", down: 'SELECT 1;' }],
      valid: [{ sql: "CREATE TYPE mood AS ENUM ('ok');", down: 'DROP TYPE mood;' }],
    },
  },
});
