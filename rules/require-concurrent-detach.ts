import { relationName } from '../src/engine/ast.js';
import { defineRule } from '../src/engine/rule.js';
import { alterTable, copy, leaving, rewriteOf, withoutCommands } from '../src/engine/rewrite.js';

export default defineRule({
  id: 'require-concurrent-detach',
  severity: 'warning',
  fixable: true,
  docs: {
    summary: 'DETACH PARTITION without CONCURRENTLY locks the partitioned table (PostgreSQL 14+ can avoid it).',
    why: `ALTER TABLE ... DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the parent table: every query
on any partition waits. Since PostgreSQL 14, DETACH PARTITION ... CONCURRENTLY takes only SHARE UPDATE
EXCLUSIVE on the parent.`,
    safe: `~~~sql
ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;
~~~

It cannot run in a transaction block, and not on a table with a default partition.`,
    sources: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DETACH-PARTITION'],
    examples: {
      invalid: [{ sql: 'ALTER TABLE measurements DETACH PARTITION measurements_2020;' }],
      valid: [
        { sql: 'ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;' },
        { sql: 'ALTER TABLE measurements DETACH PARTITION measurements_2020;', pgVersion: 13 },
      ],
    },
  },
  messages: {
    detach: {
      message: 'DETACH PARTITION "{{partition}}" takes an ACCESS EXCLUSIVE lock on "{{table}}", blocking every query on it.',
      help: 'Detach it concurrently, outside a transaction block, as a statement of its own:\n  {{rewrite}}',
    },
  },
  create(context) {
    return {
      AlterTableStmt(node, ctx) {
        if (ctx.pgVersion < 14) return;
        const table = relationName(node.relation);
        if (ctx.isNew(table)) return;
        for (const item of node.cmds ?? []) {
          const cmd = item.AlterTableCmd;
          if (cmd?.subtype !== 'AT_DetachPartition' || cmd.def?.PartitionCmd?.concurrent) continue;
          // DETACH ... CONCURRENTLY cannot share its ALTER TABLE with other subcommands.
          const detach = { ...copy(cmd), def: { PartitionCmd: { ...copy(cmd.def.PartitionCmd), concurrent: true } } };
          context.report({ messageId: 'detach', data: { table, partition: relationName(cmd.def?.PartitionCmd?.name) }, rewrite: leaving(rewriteOf({ statements: [alterTable(node.relation, [detach])], outsideTransaction: true }), withoutCommands(node, [cmd])) });
        }
      },
    };
  },
});
