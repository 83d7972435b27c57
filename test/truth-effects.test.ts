// Rewrites and scans, checked against PostgreSQL itself (PGlite): every statement of the grid runs
// in a rolled-back transaction on a table with rows, and PostgreSQL shows whether the table got a new
// file (a rewrite), whether an existing index did (a rebuild), and whether the table was read
// (pg_stat_xact_user_tables.seq_scan) while a lock that blocks reads or writes was held. migsafe lints
// the same statement as a migration after the same set-up, and the effect its findings claim (each
// message template's `effect`) must be exactly what PostgreSQL did: a test fails on a claimed rewrite
// PostgreSQL does not do, and on a blocking scan or rewrite migsafe is silent about.
// https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, type Database } from '../src/trace/database.js';
import { GRID, runEffectGrid, type Effects } from './effect-grid.js';

let db: Database;
let run: Awaited<ReturnType<typeof runEffectGrid>>;

beforeAll(async () => {
  db = await openPglite();
  run = await runEffectGrid(db);
}, 240_000);

afterAll(async () => {
  await db?.close();
});

describe('rewrites and scans on PostgreSQL, and what migsafe claims', () => {
  it('every statement of the grid runs on PostgreSQL', () => {
    expect(run.refused).toEqual([]);
  });

  it(`migsafe claims a rewrite, an index rebuild and a blocking read of every row exactly where PostgreSQL does them (${GRID.length} statements)`, () => {
    expect(run.wrong).toEqual([]);
  });

  it('the grid has each kind of effect and statements with none, so the comparison can fail both ways', () => {
    const observed = run.observed.filter((o): o is Effects => typeof o !== 'string');
    expect(observed.filter((o) => o.rewrite).length).toBeGreaterThan(5);
    expect(observed.filter((o) => o.indexRebuild).length).toBeGreaterThan(1);
    expect(observed.filter((o) => o.blockingRead && !o.rewrite).length).toBeGreaterThan(5);
    expect(observed.filter((o) => !o.blockingRead).length).toBeGreaterThan(10);
  });
});
