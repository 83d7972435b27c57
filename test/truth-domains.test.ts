// Domains, checked on PostgreSQL (PGlite): what adding a column of a domain with a CHECK does to a
// table, what ALTER DOMAIN ADD CONSTRAINT does to the tables using the domain, and that migsafe's
// findings and rewrites say the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, type Database } from '../src/trace/database.js';
import { lockModeOf, strongestLock } from '../src/engine/postgres-facts.js';
import { lintWith, tempProject } from './helpers.js';
import { observeStatement } from './truth-helpers.js';

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

/** The statement on a fresh schema: rewritten, scanned, and the strongest lock on orders (pg_locks' name). */
async function observe(sql: string): Promise<{ rewritten: boolean; scans: number; lock: string }> {
  await db.reset();
  await db.exec(SETUP);
  const { rewritten, scans, locks } = await observeStatement(db, sql, 'orders');
  const onOrders = locks.filter((l) => l.relation === 'orders');
  const strongest = strongestLock(onOrders.map((l) => lockModeOf(l.mode)));
  return { rewritten, scans, lock: onOrders.find((l) => lockModeOf(l.mode) === strongest)?.mode ?? 'none' };
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
    const { locks } = await observeStatement(db, validate!, 'orders');
    expect(locks.filter((l) => l.relation === 'orders').map((l) => l.mode)).toContain('ShareLock');
    expect(finding.help).toMatch(/VALIDATE still blocks writes/);
  });
});
