// migsafe trace and verify on the embedded PostgreSQL (one PGlite for the whole file, reset between
// runs), and on a real server through --database-url where one answers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModule, parseSync } from 'libpg-query';
import { tableLocks } from '../src/engine/postgres-facts.js';
import { loadRules } from '../src/engine/rules-registry.js';
import type { RuleExample } from '../src/engine/rule.js';
import { openPglite, type Database } from '../src/trace/database.js';
import { runObserved } from '../src/trace/run.js';
import fg from 'fast-glob';
import { emptyConfig, expectedFindings, fixturesDir, runCli, SERVER_URL, serverAnswers, writeExample, tempProject } from './helpers.js';

let db: Database;
beforeAll(async () => {
  await loadModule();
  db = await openPglite();
}, 60_000);
afterAll(() => db?.close());

const project = (files: Record<string, string>) => tempProject(files, 'migsafe-observed-');

const observe = (command: 'trace' | 'verify', dir: string, extra: { seedRows?: number } = {}) =>
  runObserved(command, { paths: ['.'], cwd: dir, config: emptyConfig(dir), database: db, ...extra });

const found = (result: Awaited<ReturnType<typeof observe>>) => result.diagnostics.map((d) => `${d.file}:${d.line}:${d.ruleId}`);

describe('trace', () => {
  it('records the locks and rewrites of each statement in the runner transaction, and reports what blocks', async () => {
    const dir = project({
      'db/0001_users.up.sql': 'CREATE TABLE users (id int PRIMARY KEY, email varchar(50), name text);\n',
      'db/0001_users.down.sql': 'DROP TABLE users;\n',
      'db/0002_change.up.sql': "ALTER TABLE users ADD COLUMN bio text;\nALTER TABLE users ALTER COLUMN email TYPE varchar(100);\nALTER TABLE users ALTER COLUMN id TYPE bigint;\nCREATE INDEX users_name_idx ON users (name);\n",
      'db/0002_change.down.sql': 'DROP INDEX users_name_idx;\nALTER TABLE users DROP COLUMN bio;\n',
    });
    const result = await observe('trace', dir);
    expect(found(result)).toEqual([
      'db/0002_change.up.sql:1:trace-blocking-lock',
      'db/0002_change.up.sql:1:trace-missing-lock-timeout',
      'db/0002_change.up.sql:3:trace-table-rewrite',
    ]);
    const change = result.trace!.filter((t) => t.migration === '0002_change');
    expect(change.map((t) => [t.line, t.locks.filter((l) => l.relation === 'users').map((l) => l.mode), t.rewrites, t.heldAfter])).toEqual([
      [1, ['AccessExclusiveLock'], [], true],
      [2, [], [], true], // varchar widening: no rewrite (and the lock is already held)
      // the type change rebuilds the indexes (ShareLock), which the later CREATE INDEX already holds
      [3, ['ShareLock'], ['users', 'users_pkey'], true],
      [4, [], [], true],
    ]);
    expect(result.diagnostics.find((d) => d.ruleId === 'trace-blocking-lock')!.message).toBe(
      'AccessExclusiveLock on users, taken here, stays held while the statements at lines 2–4 run: users is blocked for all of them.',
    );
  });

  it('records constraints added and whether they are validated', async () => {
    const dir = project({
      'db/0001.sql': 'CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE orders (id int, user_id int);\n',
      'db/0002.sql': "SET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\n",
    });
    const result = await observe('trace', dir);
    // (AccessShareLocks from the validation's own reads left out)
    expect(result.trace!.filter((t) => t.file === 'db/0002.sql').map((t) => [t.line, t.constraints, t.locks.filter((l) => l.mode !== 'AccessShareLock')])).toEqual([
      [1, [], []],
      [2, [{ name: 'orders.orders_user_fk', validated: false }], [{ relation: 'orders', mode: 'ShareRowExclusiveLock' }, { relation: 'users', mode: 'ShareRowExclusiveLock' }]],
      [3, [{ name: 'orders.orders_user_fk', validated: true }], [{ relation: 'orders', mode: 'ShareUpdateExclusiveLock' }, { relation: 'users', mode: 'RowShareLock' }]],
    ]);
  });

  it('sees CONCURRENTLY fail inside the transaction golang-migrate makes of a multi-statement file', async () => {
    const dir = project({
      'db/0001_users.up.sql': 'CREATE TABLE users (id int);\n',
      'db/0002_index.up.sql': "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY users_id_idx ON users (id);\n",
      'db/0003_alone.up.sql': 'CREATE INDEX CONCURRENTLY users_id2_idx ON users (id);\n',
    });
    const result = await observe('trace', dir);
    expect(found(result)).toEqual(['db/0002_index.up.sql:2:trace-statement-failed', 'db/0003_alone.up.sql:1:migration-skipped']);
    expect(result.diagnostics[0]!.message).toContain('cannot run inside a transaction block');
  });

  it('agrees with the static rules: the lock each locking rule documents is the lock PostgreSQL takes', async () => {
    const setup = [
      'CREATE TABLE users (id int NOT NULL, email text, name varchar(100), handle text, legacy_flag bool);',
      'CREATE UNIQUE INDEX users_id_key ON users (id);',
      'CREATE TABLE orders (id int PRIMARY KEY, user_id int, total int, amount int);',
      'CREATE TABLE accounts (id int);',
      'CREATE TABLE events (id int, created_at timestamptz);',
      'CREATE INDEX users_email_idx ON users (email);',
      'CREATE INDEX events_created_at_idx ON events (created_at);',
      'CREATE TABLE customers (id int);',
      'CREATE MATERIALIZED VIEW daily_totals AS SELECT 1 AS day;',
      'CREATE TABLE audit_log (id int);',
      'CREATE TABLE sessions (id int);',
    ];
    const lockingRules = ['require-concurrent-index', 'require-concurrent-index-drop', 'require-concurrent-reindex', 'require-concurrent-refresh', 'not-null-without-default', 'add-column-rewrite', 'set-not-null-scan', 'constraint-without-not-valid', 'constraint-builds-index', 'column-type-rewrite', 'rename-column', 'rename-table', 'drop-column', 'drop-table', 'truncate-table', 'table-rewrite', 'lock-table'];
    const modeName: Record<string, string> = { SHARE: 'ShareLock', 'SHARE ROW EXCLUSIVE': 'ShareRowExclusiveLock', 'ACCESS EXCLUSIVE': 'AccessExclusiveLock', EXCLUSIVE: 'ExclusiveLock', 'SHARE UPDATE EXCLUSIVE': 'ShareUpdateExclusiveLock' };
    const rules = (await loadRules()).filter((r) => lockingRules.includes(r.id));
    let compared = 0;
    for (const rule of rules) {
      for (const example of rule.docs.examples.invalid.filter((e: RuleExample) => e.sql && !e.before && !e.down)) {
        const sql = example.sql!;
        const ast = parseSync(sql).stmts![0]!.stmt as Record<string, unknown>;
        const claimed = tableLocks(ast).find((l) => l.table && !l.table.startsWith('index '));
        if (!claimed || /^(VACUUM|CLUSTER|ALTER TABLE events SET TABLESPACE)/i.test(sql)) continue;
        // A column or index the example adds must not be there yet.
        const added = /^ALTER TABLE (\w+) ADD COLUMN (\w+)/i.exec(sql);
        const index = /^CREATE (?:UNIQUE )?INDEX (\w+)/i.exec(sql);
        const prepare = [...setup, ...(added ? [`ALTER TABLE ${added[1]} DROP COLUMN IF EXISTS ${added[2]};`] : []), ...(index ? [`DROP INDEX IF EXISTS ${index[1]};`] : [])];
        const dir = project({ 'db/0001_setup.sql': prepare.join('\n'), 'db/0002_example.sql': `BEGIN;\n${sql}\nCOMMIT;\n` });
        const result = await observe('trace', dir);
        expect(result.diagnostics.filter((d) => d.ruleId === 'trace-statement-failed').map((d) => d.message), sql).toEqual([]);
        const traced = result.trace!.filter((t) => t.migration === '0002_example').flatMap((t) => t.locks).filter((l) => l.relation === claimed.table || l.relation === /RENAME TO (\w+)/i.exec(sql)?.[1]);
        expect(traced.map((l) => l.mode), `${rule.id}: ${sql}`).toContain(modeName[claimed.mode]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(15);
  }, 120_000);
});

describe('verify', () => {
  it('names exactly what down leaves behind, removes or changes', async () => {
    const dir = project({
      'db/0001_users.up.sql': 'CREATE TABLE users (id int, email text);\n',
      'db/0001_users.down.sql': 'DROP TABLE users;\n',
      'db/0002_status.up.sql': "CREATE TYPE user_status AS ENUM ('active', 'banned');\nALTER TABLE users ADD COLUMN status user_status;\nCREATE INDEX users_email_idx ON users (email);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n",
      'db/0002_status.down.sql': 'ALTER TABLE users DROP COLUMN status;\n',
    });
    const result = await observe('verify', dir);
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.ruleId}: ${d.message}`)).toEqual([
      'db/0002_status.down.sql:1:verify-down-mismatch: up then down does not restore the schema: down changes column users.email: text → text NOT NULL.',
      'db/0002_status.down.sql:1:verify-down-mismatch: up then down does not restore the schema: down leaves index users_email_idx.',
      'db/0002_status.down.sql:1:verify-down-mismatch: up then down does not restore the schema: down leaves type user_status.',
      'db/0002_status.up.sql:1:verify-reapply-failed: After up and down, applying up again fails here: type "user_status" already exists.',
    ]);
  });

  it('with --seed-rows, catches failures that need data and downs that lose data written before up', async () => {
    const dir = project({
      'db/0001_users.up.sql': 'CREATE TABLE users (id int PRIMARY KEY, nickname text);\n',
      'db/0001_users.down.sql': 'DROP TABLE users;\n',
      'db/0002_drop_nickname.up.sql': 'ALTER TABLE users DROP COLUMN nickname;\n',
      'db/0002_drop_nickname.down.sql': 'ALTER TABLE users ADD COLUMN nickname text;\n',
      'db/0003_not_null.up.sql': 'ALTER TABLE users ADD COLUMN plan text NOT NULL;\n',
      'db/0003_not_null.down.sql': 'ALTER TABLE users DROP COLUMN plan;\n',
    });
    const empty = await observe('verify', dir);
    expect(found(empty)).toEqual([]);
    const seeded = await observe('verify', dir, { seedRows: 3 });
    expect(found(seeded)).toEqual(['db/0002_drop_nickname.down.sql:1:verify-data-loss', 'db/0003_not_null.up.sql:1:verify-up-failed']);
    expect(seeded.diagnostics[1]!.message).toContain('contains null values');
  });

  it('reports failing downs, and skips what the embedded PostgreSQL lacks instead of failing it', async () => {
    const dir = project({
      'db/0001_users.up.sql': 'CREATE TABLE users (id int);\n',
      'db/0001_users.down.sql': 'DROP TABLE user_accounts;\n',
      'db/0002_geo.up.sql': 'CREATE EXTENSION IF NOT EXISTS postgis;\n',
      'db/0002_geo.down.sql': 'DROP EXTENSION postgis;\n',
      'db/0003_after.up.sql': 'CREATE TABLE places (id int);\n',
      'db/0003_after.down.sql': 'DROP TABLE places;\n',
    });
    const result = await observe('verify', dir);
    expect(found(result)).toEqual(['db/0001_users.down.sql:1:verify-down-failed', 'db/0002_geo.up.sql:1:migration-skipped', 'db/0003_after.up.sql:1:migration-skipped']);
    expect(result.diagnostics[1]!.message).toContain('extension "postgis" is not available');
  });

  it('checks layouts without downs for applying on an empty database, and reads Alembic as far as it lowers', async () => {
    const dir = project({
      'prisma/migrations/20240101000000_init/migration.sql': 'CREATE TABLE "User" ("id" TEXT NOT NULL PRIMARY KEY);\n',
      'prisma/migrations/20240102000000_bad/migration.sql': 'ALTER TABLE "Users" ADD COLUMN "x" INT;\n',
      'alembic/versions/a1.py': 'revision = "a1"\ndown_revision = None\n\ndef upgrade():\n    op.create_table("t", sa.Column("id", sa.Integer()))\n    op.execute(f"SELECT {1}")\n\ndef downgrade():\n    pass\n',
    });
    const result = await observe('verify', dir);
    expect(found(result)).toEqual([
      'alembic/versions/a1.py:5:verify-reapply-failed',
      'alembic/versions/a1.py:6:migration-skipped',
      'alembic/versions/a1.py:8:verify-down-mismatch',
      'alembic/versions/a1.py:8:verify-down-mismatch',
      'prisma/migrations/20240102000000_bad/migration.sql:1:verify-up-failed',
    ]);
    // the empty downgrade leaves the table and its column
    expect(result.diagnostics.filter((d) => d.ruleId === 'verify-down-mismatch').map((d) => d.message)).toEqual([
      'up then down does not restore the schema: down leaves table t.',
      'up then down does not restore the schema: down leaves column t.id.',
    ]);
  });
});

describe('verify reads TS/JS migrations as far as they lower to SQL', () => {
  it('round-trips knex migrations and names what a down leaves behind', async () => {
    const dir = project({
      'migrations/20240101_users.js': "exports.up = (knex) => knex.schema.createTable('users', (t) => { t.increments('id'); t.string('email'); });\nexports.down = (knex) => knex.schema.dropTable('users');\n",
      'migrations/20240102_bio.js': "exports.up = (knex) => knex.schema.alterTable('users', (t) => { t.text('bio'); t.index(['email'], 'users_email_index'); });\nexports.down = (knex) => knex.schema.alterTable('users', (t) => { t.dropColumn('bio'); });\n",
    });
    const result = await observe('verify', dir);
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.ruleId}: ${d.message}`)).toEqual([
      'migrations/20240102_bio.js:2:verify-down-mismatch: up then down does not restore the schema: down leaves index users_email_index.',
      'migrations/20240102_bio.js:1:verify-reapply-failed: After up and down, applying up again fails here: relation "users_email_index" already exists.',
    ].sort());
  });
});

// server-effect-refused is about a server: the same refusals run on PGlite told it is one (the
// server's own behaviour is tested against the local server below).
const databaseFor = (ruleId: string): Database => (ruleId === 'server-effect-refused' ? { ...db, onServer: true } : db);

describe('fixtures of observed rules: findings equal the -- expect: markers', async () => {
  const rules = (await loadRules()).filter((r) => r.observedBy);
  const observedIds = new Set(rules.map((r) => r.id));
  it.each(rules.flatMap((r) => ['invalid', 'valid'].map((kind) => [r.id, kind, r.observedBy!] as const)))('%s %s', async (id, kind, command) => {
    const dir = path.join(fixturesDir, 'rules', id, kind);
    const result = await runObserved(command, { paths: ['.'], cwd: dir, config: emptyConfig(dir), database: databaseFor(id), seedRows: id === 'verify-data-loss' ? 3 : 0 });
    expect(result.errors).toEqual([]);
    const actual = result.diagnostics.filter((d) => observedIds.has(d.ruleId)).map((d) => `${d.file}:${d.line}:${d.ruleId}`).sort();
    const expected = fg
      .sync('**/*.sql', { cwd: dir })
      .flatMap((file) => expectedFindings(path.join(dir, file)).map((m) => `${file}:${m}`))
      .filter((m) => observedIds.has(m.split(':')[2]!))
      .sort();
    expect(actual).toEqual(expected);
  });
});

describe('rule docs examples of observed rules', async () => {
  const rules = (await loadRules()).filter((r) => r.observedBy);
  const scratch = mkdtempSync(path.join(tmpdir(), 'migsafe-observed-docs-'));
  it.each(rules.flatMap((r) => [
    ...r.docs.examples.invalid.map((e, i) => [r.id, 'invalid', i, e] as const),
    ...r.docs.examples.valid.map((e, i) => [r.id, 'valid', i, e] as const),
  ]))('%s %s example %i', async (id, kind, i, example) => {
    const rule = rules.find((r) => r.id === id)!;
    const dir = path.join(scratch, `${id}-${kind}-${i}`);
    writeExample(example, dir);
    const result = await runObserved(rule.observedBy!, { paths: ['.'], cwd: dir, config: emptyConfig(dir), database: databaseFor(rule.id), seedRows: rule.id === 'verify-data-loss' ? 2 : 0 });
    const ids = result.diagnostics.filter((d) => d.file.endsWith('0100_example.sql')).map((d) => d.ruleId);
    if (kind === 'invalid') expect(ids).toContain(id);
    else expect(ids).not.toContain(id);
  });
});

describe('statements no runner here can feed', () => {
  it('COPY ... FROM STDIN and COPY ... PROGRAM are not run on PGlite (they would block it): skipped with the reason, the rest runs', async () => {
    const dir = project({
      'db/0001.sql': 'CREATE TABLE t (a int);\n',
      'db/0002.sql': "SELECT 1;\nCOPY t FROM STDIN;\nCOPY t TO PROGRAM 'cat > /dev/null';\nCOPY t FROM PROGRAM 'echo 1';\nALTER TABLE t ADD COLUMN b int;\n",
    });
    const result = await observe('trace', dir);
    expect(result.diagnostics.map((d) => `${d.line}:${d.ruleId}: ${d.message}`)).toEqual([
      '2:migration-skipped: migsafe did not run this statement: COPY ... FROM STDIN reads its rows from the client that sends the migration (psql), and no runner here sends them.',
      '3:migration-skipped: migsafe did not run this statement: COPY ... PROGRAM runs a shell command on the database server, which the embedded PostgreSQL does not have.',
      '4:migration-skipped: migsafe did not run this statement: COPY ... PROGRAM runs a shell command on the database server, which the embedded PostgreSQL does not have.',
      '5:trace-missing-lock-timeout: This statement took AccessExclusiveLock on t with lock_timeout = 0: it would have waited behind any running transaction, queueing every query on the table.',
    ]);
  });
});

describe('CLI', () => {
  it('a migration under test that cannot run is an error with the reason; the summary counts the round trips made', () => {
    const dir = project({
      'db/0001_a.up.sql': 'CREATE TABLE a (id int);\n',
      'db/0001_a.down.sql': 'DROP TABLE a;\n',
      'db/0002_b.up.sql': 'CREATE TABLE b (id int REFERENCES missing (id));\n',
      'db/0002_b.down.sql': 'DROP TABLE b;\n',
      'db/0003_c.up.sql': 'CREATE TABLE c (id int);\n',
      'db/0003_c.down.sql': 'DROP TABLE c;\n',
    });
    const run = runCli(['verify', 'db'], { cwd: dir });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('error[migration-skipped]: migsafe could not run migration 0003_c: an earlier migration (0002_b) failed.');
    expect(run.stdout).toContain('verify: 1 of 3 migrations under test made the round trip up → down → up (the findings above say why the others did not)');
    const json = JSON.parse(runCli(['verify', 'db', '--format', 'json'], { cwd: dir }).stdout);
    expect(json.observed).toEqual({ command: 'verify', targets: 3, completed: 1 });
    expect(JSON.parse(runCli(['trace', 'db', '--format', 'json'], { cwd: dir }).stdout).observed).toEqual({ command: 'trace', targets: 3, completed: 1 });
  }, 60_000);

  it('trace --format json adds the per-statement trace; exit codes as lint', () => {
    const dir = project({ 'db/0001.sql': 'CREATE TABLE t (a int);\n', 'db/0002.sql': 'ALTER TABLE t ADD COLUMN b int;\n' });
    const run = runCli(['trace', 'db/0002.sql', '--format', 'json'], { cwd: dir });
    const output = JSON.parse(run.stdout);
    expect(output.trace.map((t: { file: string; line: number; locks: { relation: string; mode: string }[] }) => [t.file, t.line, t.locks])).toEqual([['db/0002.sql', 1, [{ relation: 't', mode: 'AccessExclusiveLock' }]]]);
    expect(output.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['trace-missing-lock-timeout']);
    expect(output.database).toMatch(/^PGlite \(PostgreSQL 18/);
    expect(run.status).toBe(0);
  }, 60_000);
});

// A real PostgreSQL server, where one answers (CI and the developers' machines run one on
// 127.0.0.1:5432); elsewhere these tests are skipped, and say so.
const server = await serverAnswers();
if (!server) console.warn(`skipped: --database-url tests (no PostgreSQL server answers at ${SERVER_URL}; set MIGSAFE_TEST_DATABASE_URL)`);

describe.skipIf(!server)('--database-url (a real server)', () => {
  it('verify runs in a throwaway database it creates and drops, with the same findings as PGlite', async () => {
    const dir = project({
      'db/0001_users.up.sql': 'CREATE TABLE users (id int, email text);\n',
      'db/0001_users.down.sql': 'DROP TABLE users;\n',
      'db/0002_status.up.sql': "CREATE TYPE user_status AS ENUM ('a');\nALTER TABLE users ADD COLUMN status user_status;\n",
      'db/0002_status.down.sql': 'ALTER TABLE users DROP COLUMN status;\n',
    });
    const run = runCli(['verify', 'db', '--database-url', SERVER_URL, '--format', 'json'], { cwd: dir });
    const output = JSON.parse(run.stdout);
    expect(output.database).toMatch(/^PostgreSQL \d+.*throwaway database (migsafe_[0-9a-f]{12}), as role \1\)$/);
    const pglite = await observe('verify', dir);
    expect(output.findings.map((f: { file: string; line: number; ruleId: string; message: string }) => `${f.file}:${f.line}:${f.ruleId}:${f.message}`)).toEqual(
      pglite.diagnostics.map((d) => `${d.file}:${d.line}:${d.ruleId}:${d.message}`),
    );
    expect(run.status).toBe(1);
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: SERVER_URL });
    await client.connect();
    const databases = (await client.query("SELECT datname FROM pg_database WHERE datname = $1", [/throwaway database (migsafe_[0-9a-f]+)/.exec(output.database)![1]])).rows;
    await client.end();
    expect(databases).toEqual([]);
  }, 60_000);

  it('trace records the same locks on the server', () => {
    const dir = project({ 'db/0001.sql': 'CREATE TABLE t (a int);\n', 'db/0002.sql': "SET lock_timeout = '2s';\nCREATE INDEX t_a_idx ON t (a);\n" });
    const run = runCli(['trace', 'db/0002.sql', '--database-url', SERVER_URL, '--format', 'json'], { cwd: dir });
    const output = JSON.parse(run.stdout);
    expect(output.trace.map((t: { line: number; locks: { relation: string; mode: string }[]; lockTimeout: string }) => [t.line, t.locks.filter((l) => l.relation === 't'), t.lockTimeout])).toEqual([
      [1, [], '2s'],
      [2, [{ relation: 't', mode: 'ShareLock' }], '2s'],
    ]);
  }, 60_000);
});
