// Table sizes: `migsafe stats --database-url` reads them from a live server without changing it, and
// lint weighs a scan or rewrite by them: the row count in the message, info below smallTableRows.
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes, formatCount } from '../src/engine/table-stats.js';
import { lintWith, runCli, SERVER_URL, serverAnswers, tempProject } from './helpers.js';

const MIGRATIONS = {
  'db/0001_create.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, total int);\nCREATE TABLE plans (id int PRIMARY KEY, name text);\n',
  'db/0002_change.sql': [
    "SET lock_timeout = '5s';",
    'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);',
    'ALTER TABLE plans ALTER COLUMN name SET NOT NULL;',
    'ALTER TABLE invoices ALTER COLUMN due SET NOT NULL;',
    '',
  ].join('\n'),
};

const statsFile = (tables: Record<string, unknown>) => JSON.stringify({ migsafe: 'table-stats', version: 1, collectedAt: '2026-11-25T00:00:00Z', server: 'PostgreSQL 15', database: 'app', tables });

/** `migsafe lint db/0002_change.sql --format json` in dir, its findings. */
function cliFindings(dir: string, ...args: string[]) {
  const run = runCli(['lint', 'db/0002_change.sql', '--format', 'json', ...args], { cwd: dir });
  const out = JSON.parse(run.stdout) as { findings: { ruleId: string; line: number; severity: string; message: string }[] };
  return out.findings.map((f) => ({ rule: f.ruleId, line: f.line, severity: f.severity, message: f.message }));
}

async function findings(files: Record<string, string>, extra: { stats?: string } = {}) {
  const dir = tempProject(files);
  const result = await lintWith({ paths: ['db/0002_change.sql'], cwd: dir, ...extra });
  return result.diagnostics.map((d) => ({ rule: d.ruleId, line: d.line, severity: d.severity, message: d.message }));
}

describe('table statistics in findings', () => {
  it('without statistics, findings are as they are', async () => {
    const plain = await findings(MIGRATIONS);
    expect(plain.map((f) => [f.rule, f.line, f.severity])).toEqual([
      ['constraint-without-not-valid', 2, 'error'],
      ['set-not-null-scan', 3, 'error'],
      ['set-not-null-scan', 4, 'error'],
    ]);
    expect(plain.every((f) => !f.message.includes('rows'))).toBe(true);
  });

  it('.migsafe-stats.json: a big table gets its size, a small one is lowered to info, an unknown one is unchanged', async () => {
    const sized = await findings({
      ...MIGRATIONS,
      '.migsafe-stats.json': statsFile({ orders: { rows: 41_500_000, tableBytes: 12 * 1024 ** 3, indexBytes: 0 }, plans: { rows: 12, tableBytes: 16384 } }),
    });
    expect(sized.map((f) => [f.rule, f.line, f.severity])).toEqual([
      ['constraint-without-not-valid', 2, 'error'],
      ['set-not-null-scan', 3, 'info'],
      ['set-not-null-scan', 4, 'error'],
    ]);
    expect(sized[0]!.message).toBe(
      'Adding CHECK constraint "orders_total_positive" scans every row of "orders" under an ACCESS EXCLUSIVE lock. "orders" holds ~41.5M rows (12 GB) by .migsafe-stats.json: the lock is held while all of it is read.',
    );
    expect(sized[1]!.message).toBe(
      'SET NOT NULL on "plans"."name" scans every row under an ACCESS EXCLUSIVE lock. "plans" holds ~12 rows (16 kB) by .migsafe-stats.json: the lock is held for moments, so this is only information.',
    );
    expect(sized[2]!.message).not.toContain('holds');
  });

  it('--stats names the file; the config\'s tables override it and smallTableRows moves the line', async () => {
    const dir = tempProject({
      ...MIGRATIONS,
      'stats/prod.json': statsFile({ orders: { rows: 5000 }, plans: { rows: 12 } }),
      'migsafe.config.json': JSON.stringify({ tables: { plans: { rows: 2_000_000 } }, smallTableRows: 1000 }),
    });
    const out = cliFindings(dir, '--stats', 'stats/prod.json');
    expect(out.map((f) => [f.rule, f.line, f.severity])).toEqual([
      ['constraint-without-not-valid', 2, 'error'],
      ['set-not-null-scan', 3, 'error'],
      ['set-not-null-scan', 4, 'error'],
    ]);
    expect(out[0]!.message).toContain('"orders" holds ~5k rows by stats/prod.json and the config');
    expect(out[1]!.message).toContain('"plans" holds ~2M rows by stats/prod.json and the config');
  });

  it('a missing or malformed statistics file is a usage error: exit 2, one line', () => {
    const dir = tempProject({ ...MIGRATIONS, 'bad.json': '{"tables": 3}', 'broken.json': '{' });
    for (const [file, says] of [['missing.json', 'cannot read table statistics missing.json'], ['bad.json', 'bad.json is not a table statistics file'], ['broken.json', 'cannot read table statistics broken.json']]) {
      const run = runCli(['lint', 'db', '--stats', file!], { cwd: dir });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(says);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('counts and sizes are written as a person reads them', () => {
    expect([12, 1234, 41_500_000, 3_100_000_000].map(formatCount)).toEqual(['12', '1.2k', '41.5M', '3.1B']);
    expect([512, 16384, 12 * 1024 ** 3].map(formatBytes)).toEqual(['512 bytes', '16 kB', '12 GB']);
  });
});

// The local PostgreSQL server, where one answers (CI and the developers' machines run one).
const server = await serverAnswers();
if (!server) console.warn(`skipped: migsafe stats tests (no PostgreSQL server answers at ${SERVER_URL}; set MIGSAFE_TEST_DATABASE_URL)`);

describe.skipIf(!server)('migsafe stats --database-url (a real server)', () => {
  const name = `migsafe_stats_test_${randomBytes(4).toString('hex')}`;
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  let admin: Client;
  let db: Client;

  beforeAll(async () => {
    const { default: pg } = await import('pg');
    admin = new pg.Client({ connectionString: SERVER_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    await db.query(`
      CREATE TABLE orders (id bigint PRIMARY KEY, total int);
      INSERT INTO orders SELECT g, g % 100 FROM generate_series(1, 20000) g;
      CREATE TABLE plans (id int PRIMARY KEY, name text);
      INSERT INTO plans VALUES (1, 'free'), (2, 'pro'), (3, 'team');
      CREATE SCHEMA billing;
      CREATE TABLE billing.events (id int, k int) PARTITION BY RANGE (k);
      CREATE TABLE billing.events_1 PARTITION OF billing.events FOR VALUES FROM (0) TO (100);
      CREATE TABLE billing.events_2 PARTITION OF billing.events FOR VALUES FROM (100) TO (200);
      INSERT INTO billing.events SELECT g, g % 200 FROM generate_series(1, 3000) g;
      CREATE TABLE never_analyzed (id int);
      ANALYZE orders; ANALYZE plans; ANALYZE billing.events_1; ANALYZE billing.events_2;
    `);
    // Any write the command tried would now fail, as well as change what the fingerprint reads.
    await admin.query(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
  }, 60_000);

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
  });

  /** The rows, files, planner statistics and catalog of the database: what a write would change. */
  const fingerprint = async () =>
    (
      await db.query(`
        SELECT (SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM orders o) AS orders,
               (SELECT md5(string_agg(p::text, ',' ORDER BY id)) FROM plans p) AS plans,
               (SELECT md5(string_agg(e::text, ',' ORDER BY id)) FROM billing.events e) AS events,
               (SELECT md5(string_agg(c.oid || ':' || c.relname || ':' || c.relfilenode || ':' || c.reltuples || ':' || c.relpages, ',' ORDER BY c.oid)) FROM pg_class c) AS classes,
               (SELECT count(*) FROM pg_roles) AS roles, (SELECT count(*) FROM pg_database) AS databases`)
    ).rows[0];

  it('prints every table with its estimated rows and sizes, and changes nothing', async () => {
    const before = await fingerprint();
    const run = runCli(['stats', '--database-url', url.toString()]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const stats = JSON.parse(run.stdout);
    expect(stats).toMatchObject({ migsafe: 'table-stats', version: 1, database: name });
    expect(stats.server).toMatch(/^PostgreSQL \d+/);
    expect(Object.keys(stats.tables)).toEqual(['billing.events', 'never_analyzed', 'orders', 'plans']);
    expect(stats.tables.orders.rows).toBe(20000);
    expect(stats.tables.orders.tableBytes).toBeGreaterThan(100_000);
    expect(stats.tables.orders.indexBytes).toBeGreaterThan(0);
    expect(stats.tables.plans.rows).toBe(3);
    // A partitioned parent: the sum of its partitions.
    expect(stats.tables['billing.events'].rows).toBe(3000);
    // PostgreSQL 14+ has no estimate before the first VACUUM or ANALYZE.
    expect(stats.tables.never_analyzed.rows).toBeNull();
    expect(await fingerprint()).toEqual(before);
  });

  it('-o writes the file lint reads by default, and lint uses it', async () => {
    const dir = tempProject(MIGRATIONS);
    const run = runCli(['stats', '--database-url', url.toString(), '-o', '.migsafe-stats.json'], { cwd: dir });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(`wrote the statistics of 4 tables of ${name} to .migsafe-stats.json`);
    const out = cliFindings(dir);
    expect(out.map((f) => [f.rule, f.line, f.severity])).toEqual([
      ['constraint-without-not-valid', 2, 'error'],
      ['set-not-null-scan', 3, 'info'],
      ['set-not-null-scan', 4, 'error'],
    ]);
    expect(out[0]!.message).toContain('"orders" holds ~20k rows');
  });

  it('an unreachable server or a bad URL: exit 2 with one line', () => {
    for (const bad of ['postgres://postgres@127.0.0.1:1/test', 'not a url']) {
      const run = runCli(['stats', '--database-url', bad]);
      expect(run.status).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
