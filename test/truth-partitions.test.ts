// ATTACH PARTITION, checked on PostgreSQL (PGlite): it scans the table being attached, under ACCESS
// EXCLUSIVE on it and SHARE UPDATE EXCLUSIVE on the parent, unless a validated CHECK implying the
// bound exists with the key NOT NULL; and attach-partition-scan says so where PostgreSQL does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, type Database } from '../src/trace/database.js';
import { lintWith, tempProject } from './helpers.js';
import { observeStatement } from './truth-helpers.js';

let db: Database;
const PARENT = 'CREATE TABLE p (id int, k int) PARTITION BY RANGE (k)';
const CHILD = 'CREATE TABLE p3 (id int, k int)';
const FILL = 'INSERT INTO p3 VALUES (1, 25)';
const PROOF = ['ALTER TABLE p3 ALTER COLUMN k SET NOT NULL', 'ALTER TABLE p3 ADD CONSTRAINT p3_bound CHECK (k >= 20 AND k < 30) NOT VALID', 'ALTER TABLE p3 VALIDATE CONSTRAINT p3_bound'];
const ATTACH = 'ALTER TABLE p ATTACH PARTITION p3 FOR VALUES FROM (20) TO (30)';

beforeAll(async () => {
  db = await openPglite();
}, 60_000);

afterAll(async () => {
  await db?.close();
});

async function observe(setup: string[]): Promise<{ scans: number; locks: string[] }> {
  await db.reset();
  for (const sql of setup) await db.exec(sql);
  const { scans, locks } = await observeStatement(db, ATTACH, 'p3');
  return { scans, locks: locks.filter((l) => l.relation === 'p' || l.relation === 'p3').map((l) => `${l.relation} ${l.mode}`) };
}

async function findings(setup: string[]): Promise<string[]> {
  const dir = tempProject({ 'm/0001_setup.sql': `${setup.join(';\n')};\n`, 'm/0002_attach.sql': `SET lock_timeout = '5s';\n${ATTACH};\n` });
  return (await lintWith({ paths: ['m/0002_attach.sql'], cwd: dir })).diagnostics.map((d) => d.ruleId);
}

describe('ATTACH PARTITION on PostgreSQL, and what migsafe says', () => {
  it('scans the table under ACCESS EXCLUSIVE (SHARE UPDATE EXCLUSIVE on the parent), and migsafe reports it', async () => {
    const plain = await observe([PARENT, CHILD, FILL]);
    expect(plain.scans).toBe(1);
    expect(plain.locks).toEqual(['p ShareUpdateExclusiveLock', 'p3 AccessExclusiveLock']);
    expect(await findings([PARENT, CHILD, FILL])).toContain('attach-partition-scan');
  });

  it('skips the scan when a validated CHECK proves the bound and the key is NOT NULL, and migsafe is quiet', async () => {
    expect((await observe([PARENT, CHILD, FILL, ...PROOF])).scans).toBe(0);
    expect(await findings([PARENT, CHILD, FILL, ...PROOF])).not.toContain('attach-partition-scan');
  });

  it('still scans with the CHECK alone when the key may be NULL', async () => {
    expect((await observe([PARENT, CHILD, FILL, ...PROOF.slice(1)])).scans).toBe(1);
  });
});
