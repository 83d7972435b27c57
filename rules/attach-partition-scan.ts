import { relationName } from '../src/engine/ast.js';
import { defineRule } from '../src/engine/rule.js';
import { existingTableCommands } from '../src/engine/rule-helpers.js';

export default defineRule({
  id: 'attach-partition-scan',
  severity: 'warning',
  docs: {
    summary: 'ATTACH PARTITION of an existing table scans all of it under an ACCESS EXCLUSIVE lock, unless a validated CHECK already proves the bound.',
    why: `To attach a table as a partition, PostgreSQL checks that every row fits the partition's bound:
it reads the whole table while holding ACCESS EXCLUSIVE on it (and SHARE UPDATE EXCLUSIVE on the
parent). The scan is skipped only when the table already has a validated CHECK constraint that
implies the bound, with the key columns NOT NULL (observed on PostgreSQL:
\`test/truth-partitions.test.ts\` counts the scans).`,
    safe: `Prove the bound first, without blocking: a CHECK added NOT VALID, then validated (SHARE UPDATE
EXCLUSIVE), and the key made NOT NULL the same way; the ATTACH then skips the scan, and the CHECK can
go after it:

~~~sql
ALTER TABLE measurements_2024 ADD CONSTRAINT measurements_2024_bound
  CHECK (ts IS NOT NULL AND ts >= '2024-01-01' AND ts < '2025-01-01') NOT VALID;
-- next migration:
ALTER TABLE measurements_2024 VALIDATE CONSTRAINT measurements_2024_bound;
ALTER TABLE measurements_2024 ALTER COLUMN ts SET NOT NULL;
ALTER TABLE measurements ATTACH PARTITION measurements_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
ALTER TABLE measurements_2024 DROP CONSTRAINT measurements_2024_bound;
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-ATTACH-PARTITION', 'https://www.postgresql.org/docs/current/ddl-partitioning.html#DDL-PARTITIONING-DECLARATIVE-MAINTENANCE'],
    examples: {
      invalid: [{ sql: "ALTER TABLE measurements ATTACH PARTITION measurements_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');" }],
      valid: [
        {
          before: ["CREATE TABLE measurements_2024 (id bigint, ts timestamptz NOT NULL);\nALTER TABLE measurements_2024 ADD CONSTRAINT measurements_2024_bound CHECK (ts >= '2024-01-01' AND ts < '2025-01-01') NOT VALID;", 'ALTER TABLE measurements_2024 VALIDATE CONSTRAINT measurements_2024_bound;'],
          sql: "ALTER TABLE measurements ATTACH PARTITION measurements_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
        },
        { sql: "CREATE TABLE measurements_2024 (id bigint, ts timestamptz);\nALTER TABLE measurements ATTACH PARTITION measurements_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');" },
      ],
    },
  },
  messages: {
    scan: {
      message: 'ATTACH PARTITION "{{partition}}" reads every row of it under an ACCESS EXCLUSIVE lock (and SHARE UPDATE EXCLUSIVE on "{{table}}") to check the partition bound.',
      effect: { kind: 'scan', relation: 'partition' },
      help: 'Prove the bound first with a CHECK added NOT VALID and validated in an earlier migration, with the key columns NOT NULL: the ATTACH then skips the scan, and the CHECK can be dropped after it.',
    },
  },
  create(context) {
    return {
      AlterTableStmt(node, ctx) {
        for (const { cmd, table } of existingTableCommands(node, ctx, ['AT_AttachPartition'], { orFilled: true })) {
          const partitionNode = cmd.def?.PartitionCmd?.name;
          if (!partitionNode) continue;
          const partition = relationName(partitionNode);
          if (ctx.isNewAndEmpty(partition)) continue; // created in this migration and not filled: nothing to scan
          // A validated CHECK on the table is taken as the proof migsafe cannot check in full (whether
          // it implies the bound is PostgreSQL's predicate test).
          const proven = [...(ctx.catalog.table(partition)?.constraints.values() ?? [])].some((c) => c.kind === 'check' && c.validated && !c.provesNotNull);
          if (proven) continue;
          context.report({ messageId: 'scan', data: { partition, table } });
        }
      },
    };
  },
});
