import { relationName } from '../src/engine/ast.js';
import { defineRule } from '../src/engine/rule.js';
import { copy, rewriteOf } from '../src/engine/rewrite.js';

export default defineRule({
  id: 'require-concurrent-refresh',
  severity: 'warning',
  fixable: true,
  docs: {
    summary: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks every read of the view.',
    why: `A plain REFRESH MATERIALIZED VIEW takes an ACCESS EXCLUSIVE lock on the view for the whole
refresh: every SELECT from it waits until the query behind the view has run again.`,
    safe: `Refresh it with CONCURRENTLY, which takes an EXCLUSIVE lock that still allows reads. It needs a
UNIQUE index on the view (on plain column names, covering all rows) and a view that is already
populated.

~~~sql
CREATE UNIQUE INDEX CONCURRENTLY daily_totals_day_idx ON daily_totals (day);
REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-refreshmaterializedview.html'],
    examples: {
      invalid: [{ sql: 'REFRESH MATERIALIZED VIEW daily_totals;' }],
      valid: [
        { sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;' },
        { sql: 'REFRESH MATERIALIZED VIEW daily_totals WITH NO DATA;' },
      ],
    },
  },
  messages: {
    refresh: {
      message: 'REFRESH MATERIALIZED VIEW "{{view}}" takes an ACCESS EXCLUSIVE lock: every read of the view waits for the refresh.',
      effect: { kind: 'rewrite', relation: 'view' },
      help: 'With a unique index on the view, refresh it without blocking reads:\n  {{rewrite}}',
    },
  },
  create(context) {
    return {
      RefreshMatViewStmt(node, ctx) {
        const view = relationName(node.relation);
        if (node.concurrent || node.skipData || ctx.isNew(view)) return;
        context.report({ messageId: 'refresh', data: { view }, rewrite: rewriteOf({ statements: [{ RefreshMatViewStmt: { ...copy(node), concurrent: true } }] }) });
      },
    };
  },
});
