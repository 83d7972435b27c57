import { defineRule } from '../src/engine/rule.js';

// The engine reports this rule itself, after all rules ran (src/engine/suppressions.ts): whether a
// suppression was used is known only then. This file gives it its id, severity and docs.
export default defineRule({
  id: 'unused-suppression',
  severity: 'warning',
  docs: {
    summary: 'A migsafe-ignore comment that names an unknown rule or suppresses nothing.',
    why: `Suppressions outlive the problems they hid: after the statement is fixed or moved, a stale
\`-- migsafe-ignore\` would silently hide the next real finding on that line. One naming a rule that
does not exist (a typo) never suppressed anything.`,
    safe: `Remove the comment, or correct the rule id (\`npx migsafe rules\` lists them):

~~~sql
-- migsafe-ignore require-concurrent-index: the table has 40 rows
CREATE INDEX settings_key_idx ON settings (key);
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-COMMENTS'],
    examples: {
      invalid: [{ sql: '-- migsafe-ignore require-concurrent-index: small table\nCREATE INDEX CONCURRENTLY t_a_idx ON t (a);' }],
      valid: [{ sql: '-- migsafe-ignore require-concurrent-index: small table\nCREATE INDEX t_a_idx ON t (a);' }],
    },
  },
  messages: {},
  create: () => ({}),
});
