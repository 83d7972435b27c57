import { relationName } from '../src/engine/ast.js';
import { defineRule } from '../src/engine/rule.js';
import { copy, rewriteOf } from '../src/engine/rewrite.js';
import { isConcurrentReindex } from '../src/engine/postgres-facts.js';

export default defineRule({
  id: 'require-concurrent-reindex',
  severity: 'warning',
  fixable: true,
  docs: {
    summary: 'REINDEX without CONCURRENTLY blocks writes (PostgreSQL 12+ can do it concurrently).',
    why: `REINDEX locks out writes to the table (SHARE lock) and takes an ACCESS EXCLUSIVE lock on each index
it rebuilds, so queries that would use the index wait too. Since PostgreSQL 12, REINDEX CONCURRENTLY
rebuilds without those locks.`,
    safe: `~~~sql
REINDEX INDEX CONCURRENTLY users_email_idx;
~~~

Like CREATE INDEX CONCURRENTLY it cannot run inside a transaction block.`,
    sources: ['https://www.postgresql.org/docs/current/sql-reindex.html'],
    examples: {
      invalid: [{ sql: 'REINDEX INDEX users_email_idx;' }],
      valid: [{ sql: 'REINDEX INDEX CONCURRENTLY users_email_idx;' }, { sql: 'REINDEX TABLE users;', pgVersion: 11 }],
    },
  },
  messages: {
    reindex: {
      message: 'REINDEX {{target}} blocks writes to the table and reads through the rebuilt indexes until it finishes.',
      effect: { kind: 'index-rebuild', relation: 'target' },
      help: 'Rebuild it concurrently, outside a transaction block:\n  {{rewrite}}',
    },
  },
  create(context) {
    return {
      ReindexStmt(node, ctx) {
        if (ctx.pgVersion < 12 || isConcurrentReindex(node)) return;
        const kind = String(node.kind ?? '').replace('REINDEX_OBJECT_', '');
        if (kind === 'SYSTEM') return; // system catalogs cannot be reindexed concurrently
        const target = node.relation ? relationName(node.relation) : node.name ?? '';
        if (ctx.isNew(target)) return;
        const params = (node.params ?? []).filter((p: Record<string, any>) => p.DefElem?.defname !== 'concurrently');
        const rewrite = rewriteOf({ statements: [{ ReindexStmt: { ...copy(node), params: [...copy(params), { DefElem: { defname: 'concurrently', defaction: 'DEFELEM_UNSPEC' } }] } }], outsideTransaction: true });
        context.report({ messageId: 'reindex', data: { target, kind }, rewrite });
      },
    };
  },
});
