// Domains, checked on PostgreSQL (PGlite): what adding a column of a domain with a CHECK does to a
// table, what ALTER DOMAIN ADD CONSTRAINT does to the tables using the domain, and that migsafe's
// findings and rewrites say the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, type Database } from '../src/trace/database.js';
import { lintWith, tempProject } from './helpers.js';

let db: Database;
const SETUP = `
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
CREATE DOMAIN plain_int AS int;
CREATE TABLE orders (id int, qty positive);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
`;

beforeAll(async () => {
  db = await openPglite();
}, 60_000);

afterAll(async () => {
  await db?.close();
});

/** Runs the statement in a transaction on a fresh schema: rewritten, scanned, and the lock on orders. */
async function observe(sql: string): Promise<{ rewritten: boolean; scans: number; lock: string }> {
  await db.reset();
  await db.exec(SETUP);
  const node = async () => (await db.query<{ n: string }>("SELECT relfilenode::text AS n FROM pg_class WHERE relname = 'orders'"))[0]!.n;
  const before = await node();
  // Scans counted as the difference within the transaction: the view also holds counts of earlier
  // transactions not yet flushed to the statistics.
  const seqScans = async () => Number((await db.query<{ s: string }>("SELECT seq_scan::text AS s FROM pg_stat_xact_user_tables WHERE relname = 'orders'"))[0]!.s);
  await db.exec('BEGIN');
  try {
    const scansBefore = await seqScans();
    await db.exec(sql);
    const scans = (await seqScans()) - scansBefore;
    const locks = await db.query<{ mode: string }>("SELECT mode FROM pg_locks WHERE locktype = 'relation' AND relation = 'orders'::regclass AND pid = pg_backend_pid()");
    const order = ['AccessShareLock', 'RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'];
    const lock = locks.map((l) => l.mode).sort((a, b) => order.indexOf(b) - order.indexOf(a))[0] ?? 'none';
    return { rewritten: (await node()) !== before, scans, lock };
  } finally {
    await db.exec('ROLLBACK');
  }
}

async function findings(sql: string): Promise<string[]> {
  const dir = tempProject({ 'm/0001_setup.sql': SETUP, 'm/0002_change.sql': `SET lock_timeout = '5s';\n${sql};\n` });
  const result = await lintWith({ paths: ['m/0002_change.sql'], cwd: dir });
  return result.diagnostics.map((d) => d.ruleId);
}

describe('domains on PostgreSQL, and what migsafe says', () => {
  it('ADD COLUMN of a domain with a CHECK rewrites the table, with or without a default; a domain without one does not', async () => {
    expect((await observe('ALTER TABLE orders ADD COLUMN extra positive')).rewritten).toBe(true);
    expect((await observe('ALTER TABLE orders ADD COLUMN extra positive DEFAULT 1')).rewritten).toBe(true);
    expect((await observe('ALTER TABLE orders ADD COLUMN extra plain_int')).rewritten).toBe(false);
    expect(await findings('ALTER TABLE orders ADD COLUMN extra positive')).toContain('add-column-rewrite');
    expect(await findings('ALTER TABLE orders ADD COLUMN extra positive DEFAULT 1')).toContain('add-column-rewrite');
    expect(await findings('ALTER TABLE orders ADD COLUMN extra plain_int')).not.toContain('add-column-rewrite');
  });

  it('ALTER DOMAIN ADD CONSTRAINT scans every table using the domain under a lock that blocks writes; NOT VALID does not scan', async () => {
    const validating = await observe('ALTER DOMAIN positive ADD CONSTRAINT positive_small CHECK (VALUE < 1000)');
    expect(validating.scans).toBeGreaterThan(0);
    expect(validating.lock).toBe('ShareLock');
    expect((await observe('ALTER DOMAIN positive ADD CONSTRAINT positive_small CHECK (VALUE < 1000) NOT VALID')).scans).toBe(0);
    expect(await findings('ALTER DOMAIN positive ADD CONSTRAINT positive_small CHECK (VALUE < 1000)')).toContain('constraint-without-not-valid');
    expect(await findings('ALTER DOMAIN positive ADD CONSTRAINT positive_small CHECK (VALUE < 1000) NOT VALID')).not.toContain('constraint-without-not-valid');
    expect(await findings('CREATE DOMAIN tiny AS int;\nALTER DOMAIN tiny ADD CONSTRAINT tiny_small CHECK (VALUE < 10)')).not.toContain('constraint-without-not-valid');
  });

  it("the domain rewrite migsafe suggests runs; its VALIDATE still takes SHARE on the tables (unlike a table's VALIDATE), as the help says", async () => {
    const dir = tempProject({ 'm/0001_setup.sql': SETUP, 'm/0002_change.sql': "SET lock_timeout = '5s';\nALTER DOMAIN positive ADD CONSTRAINT positive_small CHECK (VALUE < 1000);\n" });
    const finding = (await lintWith({ paths: ['m/0002_change.sql'], cwd: dir })).diagnostics.find((d) => d.ruleId === 'constraint-without-not-valid')!;
    const [add, validate] = finding.rewrite!.migrations.map((m) => m.statements[0]!);
    expect(add).toMatch(/NOT VALID$/);
    expect(validate).toBe('ALTER DOMAIN positive VALIDATE CONSTRAINT positive_small');
    await db.reset();
    await db.exec(SETUP);
    await db.exec(add!);
    await db.exec('BEGIN');
    await db.exec(validate!);
    const locks = await db.query<{ mode: string }>("SELECT mode FROM pg_locks WHERE locktype = 'relation' AND relation = 'orders'::regclass AND pid = pg_backend_pid()");
    await db.exec('ROLLBACK');
    expect(locks.map((l) => l.mode)).toContain('ShareLock');
    expect(finding.help).toMatch(/VALIDATE still blocks writes/);
  });
});
