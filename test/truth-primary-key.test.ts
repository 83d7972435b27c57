// ADD PRIMARY KEY, checked on PostgreSQL (PGlite): attaching a primary key makes its columns NOT
// NULL, which scans the table unless a validated CHECK (col IS NOT NULL) proves it; migsafe's
// rewrite for a nullable column proves it first, so its last, locking step scans nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, type Database } from '../src/trace/database.js';
import { lintWith, tempProject } from './helpers.js';
import { observeStatement } from './truth-helpers.js';

let db: Database;
const SETUP = ['CREATE TABLE accounts (id bigint, name text)', "INSERT INTO accounts SELECT g, 'a' FROM generate_series(1, 100) g"];

beforeAll(async () => {
  db = await openPglite();
}, 60_000);

afterAll(async () => {
  await db?.close();
});

/** Sequential scans of accounts that the statement makes. */
const scansOf = async (sql: string) => (await observeStatement(db, sql, 'accounts')).scans;

describe('ADD PRIMARY KEY on PostgreSQL, and the rewrite migsafe suggests', () => {
  it('USING INDEX on a nullable column scans the table; with a validated NOT NULL check it does not', async () => {
    await db.reset();
    for (const sql of [...SETUP, 'CREATE UNIQUE INDEX CONCURRENTLY accounts_pkey ON accounts (id)']) await db.exec(sql);
    expect(await scansOf('ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_pkey')).toBe(1);
    await db.exec('ALTER TABLE accounts ADD CONSTRAINT accounts_id_nn CHECK (id IS NOT NULL) NOT VALID');
    await db.exec('ALTER TABLE accounts VALIDATE CONSTRAINT accounts_id_nn');
    expect(await scansOf('ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_pkey')).toBe(0);
  });

  it("migsafe's rewrite proves the column first, and its locking step scans nothing", async () => {
    const dir = tempProject({ 'm/0001_setup.sql': `${SETUP.join(';\n')};\n`, 'm/0002_pk.sql': "SET lock_timeout = '5s';\nALTER TABLE accounts ADD PRIMARY KEY (id);\n" });
    const finding = (await lintWith({ paths: ['m/0002_pk.sql'], cwd: dir })).diagnostics.find((d) => d.ruleId === 'constraint-builds-index')!;
    const migrations = finding.rewrite!.migrations.map((m) => m.statements);
    expect(migrations).toEqual([
      ['ALTER TABLE accounts ADD CONSTRAINT accounts_id_not_null_check CHECK (id IS NOT NULL) NOT VALID'],
      ['ALTER TABLE accounts VALIDATE CONSTRAINT accounts_id_not_null_check'],
      ['CREATE UNIQUE INDEX CONCURRENTLY accounts_pkey ON accounts (id)'],
      ['ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_pkey', 'ALTER TABLE accounts DROP CONSTRAINT accounts_id_not_null_check'],
    ]);
    await db.reset();
    for (const sql of SETUP) await db.exec(sql);
    for (const sql of migrations.slice(0, 3).flat()) await db.exec(sql);
    expect(await scansOf(migrations[3]![0]!)).toBe(0);
    for (const sql of migrations[3]!) await db.exec(sql);
    const pk = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_constraint WHERE conname = 'accounts_pkey' AND contype = 'p'");
    expect(pk[0]!.n).toBe('1');
  });
});
