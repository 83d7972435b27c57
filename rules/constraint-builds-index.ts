import { defineRule } from '../src/engine/rule.js';
import { alterTable, constraintUsingIndex, copy, dropConstraint, notNullCheck, leaving, rewriteOf, uniqueIndexConcurrently, validateConstraint, withoutCommands } from '../src/engine/rewrite.js';
import type { StatementContext } from '../src/engine/rule.js';
import { addedColumnConstraints, existingTableCommands } from '../src/engine/rule-helpers.js';

export default defineRule({
  id: 'constraint-builds-index',
  severity: 'error',
  fixable: true,
  docs: {
    summary: 'ADD UNIQUE, PRIMARY KEY or EXCLUDE on an existing table builds an index under an ACCESS EXCLUSIVE lock.',
    why: `ALTER TABLE ... ADD UNIQUE / PRIMARY KEY / EXCLUDE builds the constraint's index while holding an
ACCESS EXCLUSIVE lock on the table: every read and write waits for the whole build. NOT VALID does not
help: PostgreSQL accepts NOT VALID only for CHECK, FOREIGN KEY and (18+) NOT NULL constraints.`,
    safe: `Build the unique index concurrently first, then attach it as the constraint, which is instant:

~~~sql
CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;
~~~

For a primary key, the columns must also be NOT NULL (see set-not-null-scan) before
\`ADD CONSTRAINT ... PRIMARY KEY USING INDEX\`. EXCLUDE constraints cannot be attached from an existing
index: add them in a low-traffic window, or on a new table.`,
    sources: [
      'https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX',
      'https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY',
    ],
    examples: {
      invalid: [
        { sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);' },
        { sql: 'ALTER TABLE users ADD PRIMARY KEY (id);' },
      ],
      valid: [
        { sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;' },
        { sql: 'CREATE TABLE users (id bigint, email text);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);' },
      ],
    },
  },
  messages: {
    index: {
      message: 'Adding {{kind}} constraint {{name}} builds an index on "{{table}}" under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole build.',
      effect: { kind: 'index-build' },
      help: 'Build the index concurrently (outside a transaction), then attach it instantly:\n  {{rewrite}}',
    },
    exclude: {
      message: 'Adding EXCLUDE constraint {{name}} builds an index on "{{table}}" under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole build.',
      effect: { kind: 'index-build' },
      help: 'An EXCLUDE constraint cannot be attached from an index built concurrently: add it in a low-traffic window with a lock_timeout, or on a new table.',
    },
  },
  create(context) {
    const check = (node: Record<string, any>, cmd: Record<string, any>, constraint: Record<string, any>, table: string, columns: string[], ctx: StatementContext) => {
      const kind = constraint.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : constraint.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : constraint.contype === 'CONSTR_EXCLUSION' ? 'EXCLUDE' : null;
      if (!kind || constraint.indexname) return;
      const name = constraint.conname ? `"${constraint.conname}"` : '(unnamed)';
      if (kind === 'EXCLUDE') {
        context.report({ messageId: 'exclude', node: constraint, data: { name, table } });
        return;
      }
      const keys = (constraint.keys ?? []).map((k: Record<string, any>) => k.String?.sval);
      const cols = keys.length ? keys : columns;
      // PostgreSQL's own name for an unnamed one: <table>_<columns>_key / <table>_pkey.
      const index = constraint.conname ?? `${node.relation?.relname ?? table}_${kind === 'UNIQUE' ? `${cols.join('_')}_key` : 'pkey'}`;
      const including = (constraint.including ?? []).map((k: Record<string, any>) => k.String?.sval);
      // A constraint inline on ADD COLUMN: the column first, without it.
      const addColumn = cmd.subtype === 'AT_AddColumn'
        ? alterTable(node.relation, [{ ...copy(cmd), def: { ColumnDef: { ...copy(cmd.def.ColumnDef), constraints: (cmd.def.ColumnDef.constraints ?? []).filter((c: Record<string, any>) => c.Constraint !== constraint).map(copy) } } }])
        : null;
      // A primary key makes its columns NOT NULL, which scans the table under ACCESS EXCLUSIVE unless
      // a validated CHECK (col IS NOT NULL) proves it (observed: test/truth-primary-key.test.ts):
      // the nullable ones are proven first.
      const nullable = kind === 'PRIMARY KEY' && !addColumn ? cols.filter((c: string) => !ctx.catalog.column(table, c)?.notNull) : [];
      const checkOf = (c: string) => `${node.relation?.relname ?? table}_${c}_not_null_check`;
      const rewrite = leaving(rewriteOf(
        addColumn ? { statements: [addColumn] } : null,
        nullable.length ? { statements: nullable.map((c: string) => notNullCheck(node.relation, c, checkOf(c))) } : null,
        nullable.length ? { statements: nullable.map((c: string) => validateConstraint(node.relation, checkOf(c))) } : null,
        { statements: [uniqueIndexConcurrently(node.relation, index, cols, including, !!constraint.nulls_not_distinct)], outsideTransaction: true },
        { statements: [constraintUsingIndex(node.relation, constraint.contype, index), ...nullable.map((c: string) => dropConstraint(node.relation, checkOf(c)))] },
      ), withoutCommands(node, [cmd]));
      context.report({ messageId: 'index', node: constraint, data: { kind, name, table, index, columns: cols.join(', ') }, rewrite });
    };
    return {
      AlterTableStmt(node, ctx) {
        for (const { cmd, table } of existingTableCommands(node, ctx, ['AT_AddConstraint', 'AT_AddColumn'], { orFilled: true })) {
          if (cmd.subtype === 'AT_AddConstraint') {
            if (cmd.def?.Constraint) check(node, cmd, cmd.def.Constraint, table, [], ctx);
          } else {
            for (const constraint of addedColumnConstraints(cmd)) check(node, cmd, constraint, table, [cmd.def.ColumnDef.colname], ctx);
          }
        }
      },
    };
  },
});
