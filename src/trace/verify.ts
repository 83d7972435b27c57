// Verify: for each migration, snapshot the schema (and the data, with --seed-rows), apply up,
// apply down, compare, then apply up again: up → down → up must restore what was there.
import type { Migration } from '../engine/types.js';
import { applyHalf, unrunnableReason, unsupportedReason } from './apply.js';
import type { Database } from './database.js';
import type { FindingSink } from './run.js';
import { seedRows } from './seed.js';
import { dataFingerprints, describeDifferences, schemaSnapshot } from './snapshot.js';

const MAX_DIFFERENCES = 20;

export async function verifyDirectory(db: Database, migrations: Migration[], isTarget: (m: Migration) => boolean, sink: FindingSink, rows: number, progress?: (migration: Migration, index: number) => void): Promise<void> {
  let stopped = '';
  for (const [index, migration] of migrations.entries()) {
    progress?.(migration, index);
    const target = isTarget(migration);
    const upAt = { file: migration.up.anchor.file, span: { start: migration.up.anchor.offset, end: migration.up.anchor.offset } };
    const skip = (reason: string) => sink.targetNotRun(upAt, migration, 'up', `migsafe could not run migration ${migration.id}: ${reason}.`);
    if (stopped) {
      if (target) skip(stopped);
      continue;
    }
    const unrunnable = unrunnableReason(migration.up) ?? (migration.down ? unrunnableReason(migration.down) : null);
    if (unrunnable) {
      if (target) skip(unrunnable);
      stopped = `an earlier migration (${migration.id}) could not be run`;
      continue;
    }
    if (target && rows > 0) await seedRows(db, rows);
    const before = target ? await schemaSnapshot(db) : null;
    const dataBefore = target && rows > 0 ? await dataFingerprints(db) : null;

    const up = await applyHalf(db, migration.up);
    if (target) sink.notRun(migration, 'up', up);
    if (up.failed) {
      const { statement, error } = up.failed;
      const unsupported = unsupportedReason(error, db);
      if (unsupported) {
        if (target) sink.targetNotRun({ file: statement.file, span: statement.span, statement }, migration, 'up', `migsafe could not run migration ${migration.id} past this statement: ${unsupported}.`);
      } else if (target) {
        sink.report('verify-up-failed', { file: statement.file, span: statement.span, statement }, migration, 'up', `The up migration fails here${rows > 0 ? ` (with ${rows} seeded rows per table)` : ''}: ${error.message}.`);
      }
      stopped = `an earlier migration (${migration.id}) failed`;
      continue;
    }
    if (!target || !migration.down) continue;

    const down = await applyHalf(db, migration.down);
    sink.notRun(migration, 'down', down);
    if (down.failed) {
      const { statement, error } = down.failed;
      const unsupported = unsupportedReason(error, db);
      if (unsupported) sink.targetNotRun({ file: statement.file, span: statement.span, statement }, migration, 'down', `migsafe could not run the down migration of ${migration.id} past this statement: ${unsupported}.`);
      else sink.report('verify-down-failed', { file: statement.file, span: statement.span, statement }, migration, 'down', `The down migration fails here: ${error.message}.`);
      continue; // the schema is as up left it; the next migration follows that
    }
    const downAt = { file: migration.down.anchor.file, span: { start: migration.down.anchor.offset, end: migration.down.anchor.offset } };
    const differences = describeDifferences(before!, await schemaSnapshot(db));
    for (const difference of differences.slice(0, MAX_DIFFERENCES)) {
      sink.report('verify-down-mismatch', downAt, migration, 'down', `up then down does not restore the schema: down ${difference}.`);
    }
    if (differences.length > MAX_DIFFERENCES) {
      sink.report('verify-down-mismatch', downAt, migration, 'down', `up then down does not restore the schema: ${differences.length - MAX_DIFFERENCES} more differences.`);
    }
    if (dataBefore) {
      const dataAfter = await dataFingerprints(db);
      for (const [table, data] of dataBefore) {
        const now = dataAfter.get(table);
        if (!now) continue; // the table itself is gone: a schema difference, reported above
        if (now.rows !== data.rows) {
          sink.report('verify-data-loss', downAt, migration, 'down', `up then down changes the data of ${table.replace(/^public\./, '')}: ${data.rows} rows before, ${now.rows} after.`);
        } else if (now.checksum !== data.checksum) {
          sink.report('verify-data-loss', downAt, migration, 'down', `up then down changes the values in ${table.replace(/^public\./, '')}: rows written before up are not what they were.`);
        }
      }
    }
    const again = await applyHalf(db, migration.up);
    if (again.failed) {
      const { statement, error } = again.failed;
      sink.report('verify-reapply-failed', { file: statement.file, span: statement.span, statement }, migration, 'up', `After up and down, applying up again fails here: ${error.message}.`);
      stopped = `an earlier migration (${migration.id}) could not be re-applied`;
    } else {
      sink.completed++;
    }
  }
}
