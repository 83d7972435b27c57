import { relationName } from '../src/engine/ast.js';
import { defineRule } from '../src/engine/rule.js';
import { optionOn } from '../src/engine/postgres-facts.js';
import { existingTableCommands } from '../src/engine/rule-helpers.js';

const REWRITING_COMMANDS: Record<string, string> = {
  AT_SetTableSpace: 'SET TABLESPACE',
  AT_SetLogged: 'SET LOGGED',
  AT_SetUnLogged: 'SET UNLOGGED',
  AT_SetAccessMethod: 'SET ACCESS METHOD',
};

export default defineRule({
  id: 'table-rewrite',
  severity: 'error',
  docs: {
    summary: 'VACUUM FULL, CLUSTER, SET TABLESPACE, SET LOGGED/UNLOGGED, SET ACCESS METHOD rewrite the whole table under ACCESS EXCLUSIVE.',
    why: `Each of these writes a new copy of the table (and its indexes) while holding an ACCESS EXCLUSIVE
lock: no reads, no writes until the copy is done, and the disk needs room for both copies.`,
    safe: `Do not run them in a migration. To reclaim space online use pg_repack or pg_squeeze; to move a
table, create the new one and copy in batches; schedule what must run in a maintenance window.`,
    sources: [
      'https://www.postgresql.org/docs/current/sql-vacuum.html',
      'https://www.postgresql.org/docs/current/sql-cluster.html',
      'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-TABLESPACE',
    ],
    examples: {
      invalid: [{ sql: 'VACUUM FULL events;' }, { sql: 'CLUSTER events USING events_created_at_idx;' }, { sql: 'ALTER TABLE events SET LOGGED;' }],
      valid: [{ sql: 'VACUUM ANALYZE events;' }, { sql: 'CREATE TABLE events (id int);\nALTER TABLE events SET UNLOGGED;' }],
    },
  },
  messages: {
    rewrite: {
      message: '{{what}} rewrites all of "{{table}}" and its indexes under an ACCESS EXCLUSIVE lock: no reads or writes until it finishes.',
      effect: { kind: 'rewrite' },
      help: 'Keep it out of migrations: use pg_repack/pg_squeeze to rewrite online, or a maintenance window.',
    },
  },
  create(context) {
    return {
      VacuumStmt(node, ctx) {
        const full = optionOn(node.options, 'full');
        if (!full) return;
        const tables = (node.rels ?? []).map((r: Record<string, any>) => relationName(r.VacuumRelation?.relation));
        for (const table of tables.length ? tables : ['every table']) {
          if (!ctx.isNewAndEmpty(table)) context.report({ messageId: 'rewrite', data: { what: 'VACUUM FULL', table } });
        }
      },
      ClusterStmt(node, ctx) {
        const table = node.relation ? relationName(node.relation) : 'every clustered table';
        if (!ctx.isNewAndEmpty(table)) context.report({ messageId: 'rewrite', data: { what: 'CLUSTER', table } });
      },
      AlterTableStmt(node, ctx) {
        for (const { cmd, table } of existingTableCommands(node, ctx, Object.keys(REWRITING_COMMANDS), { orFilled: true })) {
          context.report({ messageId: 'rewrite', data: { what: `ALTER TABLE ... ${REWRITING_COMMANDS[cmd.subtype]}`, table } });
        }
      },
    };
  },
});
