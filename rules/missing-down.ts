import { defineRule } from '../src/engine/rule.js';
import type { Statement } from '../src/engine/types.js';

/** Statements that change no schema object a down could restore. */
const SCHEMA_NEUTRAL = new Set(['ReindexStmt', 'RefreshMatViewStmt', 'VacuumStmt', 'VariableSetStmt', 'CheckPointStmt', 'NotifyStmt']);
/** Inside a DO block: a backfill's UPDATEs, SELECTs (PERFORM) and COMMITs change no schema either. */
const DATA_ONLY = new Set([...SCHEMA_NEUTRAL, 'UpdateStmt', 'SelectStmt', 'TransactionStmt']);

/** The up half changes no schema: nothing for a down to put back. */
function leavesSchema(statements: Statement[]): boolean {
  return statements.every((s) => {
    const kind = s.ast ? Object.keys(s.ast)[0]! : null;
    if (!kind || s.unanalyzable) return false;
    if (s.origin === 'do-block') return DATA_ONLY.has(kind);
    return SCHEMA_NEUTRAL.has(kind) || kind === 'DoStmt';
  });
}

export default defineRule({
  id: 'missing-down',
  severity: 'warning',
  docs: {
    summary: 'A migration with no down half, or an empty one, where the layout has down migrations.',
    why: `When a deploy goes wrong, the down migration is how the schema goes back. A missing or empty one
turns a rollback into hand-written SQL under pressure. Layouts without down migrations by design
(Prisma, Drizzle, Atlas, plain files) are not reported, nor Flyway or golang-migrate directories that
use no undo/down files at all, nor a migration whose up changes nothing a down could put back
(REINDEX, REFRESH MATERIALIZED VIEW, VACUUM, ANALYZE, SET, or a DO block that only updates rows, as
a batched backfill does): its empty down is its undo.`,
    safe: `Write the down half that undoes the up half, or state that the migration cannot be undone, in a
comment and an error that stops a rollback (e.g. \`DO $$ BEGIN RAISE EXCEPTION 'irreversible'; END $$;\`,
or in Alembic a \`downgrade()\` that raises): a down that only raises is a deliberate choice and is
not reported.`,
    sources: ['https://www.postgresql.org/docs/current/ddl.html'],
    examples: {
      invalid: [{ sql: 'CREATE TABLE t (id int);', down: '' }],
      valid: [
        { sql: 'CREATE TABLE t (id int);', down: 'DROP TABLE t;' },
        { sql: 'REINDEX INDEX CONCURRENTLY t_id_idx;', down: '' },
      ],
    },
  },
  messages: {
    none: {
      message: 'Migration {{id}} has no down migration: a rollback has nothing to run.',
      help: 'Add a down migration that undoes it, or one that raises an error saying it is irreversible.',
    },
    empty: {
      message: 'The down migration of {{id}} is empty: a rollback would do nothing and leave the schema as up left it.',
      help: 'Write the statements that undo the up migration, or raise an error saying it is irreversible.',
    },
  },
  create: () => ({}),
  checkMigration({ migration }, context) {
    if (!migration.downExpected || migration.up.statements.length === 0) return;
    // Nothing to put back: the up half leaves the schema as it found it (a DO block counts by what is in it).
    if (leavesSchema(migration.up.statements)) return;
    const down = migration.down;
    if (!down) {
      context.report({ messageId: 'none', data: { id: migration.id }, at: migration.up.anchor, section: 'up' });
    } else if (down.statements.length === 0 && !down.irreversible) {
      context.report({ messageId: 'empty', data: { id: migration.id }, at: down.anchor, section: 'down' });
    }
  },
});
