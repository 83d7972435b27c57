// ALTER COLUMN TYPE, checked against PostgreSQL itself (PGlite): the checked-in truth table
// (src/engine/truth/type-changes.ts, `npm run truth`) must equal what PostgreSQL does now for every
// pair of the grid, and migsafe's verdict must say what PostgreSQL did.
import { loadModule } from 'libpg-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatType } from '../src/engine/ast.js';
import { typeChangeVerdict } from '../src/engine/postgres-facts.js';
import { OBSERVED_ON, TYPE_CHANGES } from '../src/engine/truth/type-changes.js';
import { openPglite, type Database } from '../src/trace/database.js';
import { changeKey, observeTypeChange, prepareTruthDatabase, type TypeChangeOutcome } from '../src/trace/type-change-truth.js';
import { observeTypeGrid, typeOf } from './truth-helpers.js';
import { lintWith, tempProject } from './helpers.js';

let db: Database;
let version = '';
const observed = new Map<string, { from: string; to: string; outcome: TypeChangeOutcome }>();


beforeAll(async () => {
  await loadModule();
  db = await openPglite();
  await prepareTruthDatabase(db);
  version = (await db.query<{ server_version: string }>('SHOW server_version'))[0]!.server_version;
  for (const [key, value] of await observeTypeGrid(db)) observed.set(key, value);
}, 180_000);

afterAll(async () => {
  await db?.close();
});

describe('ALTER COLUMN TYPE on PostgreSQL', () => {
  it('the truth table is what PostgreSQL does now (else: npm run truth)', () => {
    expect(OBSERVED_ON).toBe(`PostgreSQL ${version}`);
    expect(Object.fromEntries([...observed].map(([key, o]) => [key, o.outcome]))).toEqual(TYPE_CHANGES);
  });

  it("migsafe's verdict says what PostgreSQL did, for every change it accepts", () => {
    const wrong: string[] = [];
    for (const [key, { from, to, outcome }] of observed) {
      if (outcome === 'error') continue;
      const verdict = typeChangeVerdict(typeOf(from), typeOf(to), false);
      const said: TypeChangeOutcome = verdict.rewrites ? 'rewrite' : verdict.rebuildsIndexes ? 'index' : 'none';
      if (said !== outcome) wrong.push(`${key}: PostgreSQL ${outcome}, migsafe ${said} (${verdict.reason})`);
    }
    expect(wrong).toEqual([]);
  });

  it('the pairs the old hand-written list got wrong are now right (issue #13)', () => {
    const outcome = (from: string, to: string) => observed.get(changeKey(formatType(typeOf(from)), formatType(typeOf(to))))!.outcome;
    expect(outcome('timestamp(3)', 'timestamp')).toBe('none');
    expect(outcome('timestamptz(3)', 'timestamptz')).toBe('none');
    expect(outcome('time(3)', 'time')).toBe('none');
    expect(outcome('citext', 'text')).toBe('index');
    expect(outcome('text', 'citext')).toBe('index');
    expect(outcome('timestamp', 'timestamp(3)')).toBe('rewrite');
  });

  it('a USING that is the column itself changes nothing', async () => {
    let i = 10_000;
    for (const [from, to] of [['varchar(10)', 'varchar(20)'], ['varchar', 'text'], ['timestamp(3)', 'timestamp']] as const) {
      expect(await observeTypeChange(db, from, to, i++, 'c')).toBe('none');
      expect(await observeTypeChange(db, from, to, i++, `c::${to}`)).toBe('none');
    }
    expect(await observeTypeChange(db, 'varchar', 'text', i++, "c || ''")).toBe('rewrite');
    const dir = tempProject({
      'm/0001_t.sql': 'CREATE TABLE t (id bigint, c varchar(10), d timestamp(3));\n',
      'm/0002_widen.sql': "SET lock_timeout = '5s';\nALTER TABLE t ALTER COLUMN c TYPE varchar(20) USING c;\nALTER TABLE t ALTER COLUMN d TYPE timestamp USING d::timestamp;\nALTER TABLE t ALTER COLUMN c TYPE text USING c || '';\n",
    });
    const result = await lintWith({ paths: ['m'], cwd: dir });
    expect(result.diagnostics.filter((d) => d.ruleId === 'column-type-rewrite').map((d) => `${d.line}`)).toEqual(['4']);
  });

  it('timestamp to timestamptz keeps the table when the session TimeZone is UTC, but still rebuilds its indexes', async () => {
    await db.exec("SET TimeZone = 'UTC'");
    try {
      expect(await observeTypeChange(db, 'timestamp', 'timestamptz', 20_000)).toBe('index');
    } finally {
      await db.exec("SET TimeZone = 'America/New_York'");
    }
    expect(observed.get(changeKey('timestamp', 'timestamptz'))!.outcome).toBe('rewrite');
  });
});
