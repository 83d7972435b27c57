import { relationName } from '../src/engine/ast.js';
import { dropTargets } from '../src/engine/postgres-facts.js';
import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  id: 'statement-refused',
  severity: 'error',
  docs: {
    summary: 'A statement PostgreSQL refuses outright as written, whatever the transaction: the migration fails there.',
    why: `Some forms are rejected by PostgreSQL itself, each checked on PostgreSQL by this rule's tests
(\`test/statement-refused.test.ts\` runs every example on PGlite and reads the error):

- \`DROP INDEX CONCURRENTLY\` of more than one index: "DROP INDEX CONCURRENTLY does not support
  dropping multiple objects".
- \`DROP INDEX CONCURRENTLY ... CASCADE\`: "DROP INDEX CONCURRENTLY does not support CASCADE".
- \`CREATE INDEX CONCURRENTLY\` on a partitioned table: "cannot create index on partitioned table
  ... concurrently".

The migration stops at that statement; under a runner that wraps it, everything before it is
rolled back, and without one, the schema is left half-migrated.`,
    safe: `Drop indexes concurrently one statement each, without CASCADE (drop what depends on it first).
For a partitioned table, create the index on the parent only (instant, invalid until every
partition has one), build each partition's index concurrently, then attach them:

~~~sql
CREATE INDEX measurements_ts_idx ON ONLY measurements (ts);
CREATE INDEX CONCURRENTLY measurements_2024_ts_idx ON measurements_2024 (ts);
ALTER INDEX measurements_ts_idx ATTACH PARTITION measurements_2024_ts_idx;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-dropindex.html', 'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY', 'https://www.postgresql.org/docs/current/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE'],
    examples: {
      invalid: [
        { sql: 'DROP INDEX CONCURRENTLY users_a_idx, users_b_idx;' },
        { sql: 'DROP INDEX CONCURRENTLY users_a_idx CASCADE;' },
        { before: ['CREATE TABLE measurements (id bigint, ts timestamptz) PARTITION BY RANGE (ts);'], sql: 'CREATE INDEX CONCURRENTLY measurements_ts_idx ON measurements (ts);' },
      ],
      valid: [
        { sql: 'DROP INDEX CONCURRENTLY users_a_idx;\nDROP INDEX CONCURRENTLY users_b_idx;' },
        { before: ['CREATE TABLE measurements (id bigint, ts timestamptz) PARTITION BY RANGE (ts);'], sql: 'CREATE INDEX measurements_ts_idx ON ONLY measurements (ts);' },
      ],
    },
  },
  messages: {
    dropMany: {
      message: 'PostgreSQL refuses DROP INDEX CONCURRENTLY of {{count}} indexes in one statement ("does not support dropping multiple objects"): the migration fails here.',
      help: 'Drop them concurrently one statement each.',
    },
    dropCascade: {
      message: 'PostgreSQL refuses DROP INDEX CONCURRENTLY with CASCADE ("does not support CASCADE"): the migration fails here.',
      help: 'Drop what depends on the index first, then drop it concurrently without CASCADE.',
    },
    partitioned: {
      message: 'PostgreSQL refuses CREATE INDEX CONCURRENTLY on partitioned table "{{table}}": the migration fails here.',
      help: 'Create it ON ONLY the parent, build each partition\'s index concurrently, then ALTER INDEX ... ATTACH PARTITION each one.',
    },
  },
  create(context) {
    return {
      DropStmt(node) {
        if (node.removeType !== 'OBJECT_INDEX' || !node.concurrent) return;
        const count = dropTargets(node).length;
        if (count > 1) context.report({ messageId: 'dropMany', data: { count } });
        else if (node.behavior === 'DROP_CASCADE') context.report({ messageId: 'dropCascade' });
      },
      IndexStmt(node, ctx) {
        if (!node.concurrent) return;
        const table = relationName(node.relation);
        if (ctx.catalog.table(table)?.partitioned) context.report({ messageId: 'partitioned', data: { table } });
      },
    };
  },
});
