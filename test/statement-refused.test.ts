// statement-refused claims PostgreSQL rejects these forms outright: each is run on PostgreSQL
// (PGlite), and the error it gives is the one the rule names; the safe forms its docs give run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, type Database } from '../src/trace/database.js';

let db: Database;
const SETUP = `
CREATE TABLE users (id bigint, a int, b int, c int);
CREATE INDEX users_a_idx ON users (a);
CREATE INDEX users_b_idx ON users (b);
CREATE INDEX users_c_idx ON users (c);
CREATE TABLE measurements (id bigint, ts timestamptz) PARTITION BY RANGE (ts);
CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
`;

beforeAll(async () => {
  db = await openPglite();
}, 60_000);

afterAll(async () => {
  await db?.close();
});

async function run(sql: string): Promise<string | null> {
  await db.reset();
  await db.exec(SETUP);
  try {
    for (const statement of sql.split(';\n')) await db.exec(statement);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('what statement-refused reports, on PostgreSQL', () => {
  it('refuses DROP INDEX CONCURRENTLY of several indexes', async () => {
    expect(await run('DROP INDEX CONCURRENTLY users_a_idx, users_b_idx')).toMatch(/DROP INDEX CONCURRENTLY does not support dropping multiple objects/);
  });

  it('refuses DROP INDEX CONCURRENTLY ... CASCADE', async () => {
    expect(await run('DROP INDEX CONCURRENTLY users_c_idx CASCADE')).toMatch(/DROP INDEX CONCURRENTLY does not support CASCADE/);
  });

  it('refuses CREATE INDEX CONCURRENTLY on a partitioned table', async () => {
    expect(await run('CREATE INDEX CONCURRENTLY measurements_ts_idx ON measurements (ts)')).toMatch(/cannot create index on partitioned table "measurements" concurrently/);
  });

  it('runs the safe forms the rule suggests', async () => {
    expect(await run('DROP INDEX CONCURRENTLY users_a_idx;\nDROP INDEX CONCURRENTLY users_b_idx')).toBeNull();
    expect(
      await run('CREATE INDEX measurements_ts_idx ON ONLY measurements (ts);\nCREATE INDEX CONCURRENTLY measurements_2024_ts_idx ON measurements_2024 (ts);\nALTER INDEX measurements_ts_idx ATTACH PARTITION measurements_2024_ts_idx'),
    ).toBeNull();
    const valid = await db.query<{ indisvalid: boolean }>("SELECT indisvalid FROM pg_index WHERE indexrelid = 'measurements_ts_idx'::regclass");
    expect(valid[0]!.indisvalid).toBe(true);
  });
});
