// trace/verify --database-url on the local PostgreSQL server: nothing a migration does reaches past
// the throwaway database, every failure ends with a reason, and nothing is left behind.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'pg';
import { runCli, SERVER_URL, serverAnswers, startCli, tempProject } from './helpers.js';

const server = await serverAnswers();
if (!server) console.warn(`skipped: --database-url containment tests (no PostgreSQL server answers at ${SERVER_URL}; set MIGSAFE_TEST_DATABASE_URL)`);

const suffix = randomBytes(4).toString('hex');
let admin: Client;

/** Everything of the server that lives outside a database: roles, databases, their settings, tablespaces. */
async function serverState(): Promise<unknown> {
  const rows = async (sql: string) => (await admin.query(sql)).rows;
  return {
    roles: await rows(`SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolconfig, rolconnlimit FROM pg_roles WHERE rolname NOT LIKE 'migsafe\\_%' ORDER BY rolname`),
    members: await rows(`SELECT roleid::regrole::text AS role, member::regrole::text AS member FROM pg_auth_members WHERE roleid::regrole::text NOT LIKE 'migsafe\\_%' AND member::regrole::text NOT LIKE 'migsafe\\_%' ORDER BY 1, 2`),
    databases: await rows(`SELECT datname, datallowconn, datconnlimit, datacl::text FROM pg_database WHERE datname NOT LIKE 'migsafe\\_%' ORDER BY datname`),
    settings: await rows(`SELECT setdatabase, setrole, setconfig FROM pg_db_role_setting ORDER BY 1, 2`),
    tablespaces: await rows(`SELECT spcname FROM pg_tablespace ORDER BY 1`),
    system: await rows(`SELECT name, setting FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf' ORDER BY 1`),
  };
}

async function throwaways(): Promise<string[]> {
  const databases = (await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'migsafe\\_%'`)).rows.map((r) => `database ${r.datname}`);
  const roles = (await admin.query(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'migsafe\\_%'`)).rows.map((r) => `role ${r.rolname}`);
  return [...databases, ...roles].sort();
}

describe.skipIf(!server)('--database-url is contained', () => {
  const victim = `mstest_victim_${suffix}`;
  const noCreatedb = `mstest_nocreatedb_${suffix}`;
  beforeAll(async () => {
    const { default: pg } = await import('pg');
    admin = new pg.Client({ connectionString: SERVER_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${victim}`);
    await admin.query(`CREATE ROLE ${noCreatedb} LOGIN`);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${victim}`);
    await admin.query(`DROP ROLE IF EXISTS ${noCreatedb}`);
    await admin.query(`DROP ROLE IF EXISTS mstest_allowed_${suffix}`);
    await admin.end();
  });

  it('refuses and reports every server-wide statement; the server is exactly as it was', async () => {
    const marker = path.join(tmpdir(), `migsafe-shell-${suffix}`);
    const dir = tempProject({
      'db/0001_accounts.up.sql': [
        'CREATE TABLE accounts (id bigint PRIMARY KEY);',
        `CREATE ROLE app_reader_${suffix} NOLOGIN;`,
        "ALTER ROLE postgres SET work_mem = '77MB';",
        `ALTER DATABASE ${victim} SET search_path = evil;`,
        `DROP DATABASE ${victim};`,
        `COPY accounts TO PROGRAM 'touch ${marker}';`,
        "ALTER SYSTEM SET work_mem = '99MB';",
        `GRANT pg_read_server_files TO app_reader_${suffix};`,
        // An EXECUTE of a string the file spells out (format() of literals) is seen like a plain statement.
        `DO $$ BEGIN EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', 'touch ${marker}'); END $$;`,
        '',
      ].join('\n'),
      'db/0001_accounts.down.sql': 'DROP TABLE accounts;\n',
      // Built at run time from a variable: the static check cannot see it; the run role may not do it.
      'db/0002_more.up.sql': `DO $$ DECLARE r text := 'dynamic_${suffix}'; BEGIN EXECUTE 'CREATE ROLE ' || r; END $$;\nCREATE TABLE more (id int);\n`,
      'db/0002_more.down.sql': 'DROP TABLE more;\n',
    });
    const before = await serverState();
    for (const command of ['verify', 'trace']) {
      const run = runCli([command, 'db', '--database-url', SERVER_URL, '--format', 'json'], { cwd: dir });
      expect(run.stderr).toBe('');
      const findings = JSON.parse(run.stdout).findings.map((f: { file: string; line: number; ruleId: string }) => `${f.file}:${f.line}:${f.ruleId}`);
      expect(findings.filter((f: string) => f.includes('server-effect-refused'))).toEqual([2, 3, 4, 5, 6, 7, 8, 9].map((line) => `db/0001_accounts.up.sql:${line}:server-effect-refused`));
      // The run role may neither create roles nor run programs: PostgreSQL refuses what SQL built at run time tries.
      expect(findings).toContain('db/0002_more.up.sql:1:migration-skipped');
      const skipped = JSON.parse(run.stdout).findings.find((f: { file: string; line: number; ruleId: string }) => f.file === 'db/0002_more.up.sql' && f.line === 1 && f.ruleId === 'migration-skipped');
      expect(skipped.message).toMatch(/permission denied to create role.*a role created for the run/);
      // The migration under test did not run to its end: an error.
      expect(skipped.severity).toBe('error');
      expect(run.status).toBe(1);
    }
    expect(await serverState()).toEqual(before);
    expect(existsSync(marker)).toBe(false);
    expect(await throwaways()).toEqual([]);
  }, 120_000);

  it('--unsafe-allow-server-wide-effects runs them, as the URL user (here: a role is created)', async () => {
    const role = `mstest_allowed_${suffix}`;
    const dir = tempProject({ 'db/0001_role.sql': `CREATE ROLE ${role} NOLOGIN;\n` });
    const run = runCli(['trace', 'db', '--database-url', SERVER_URL, '--unsafe-allow-server-wide-effects', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(run.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).not.toContain('server-effect-refused');
    expect(JSON.parse(run.stdout).database).toMatch(/as postgres, server-wide effects allowed\)$/);
    expect((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount).toBe(1);
    expect(runCli(['trace', 'db', '--unsafe-allow-server-wide-effects'], { cwd: dir }).stderr).toBe('migsafe: --unsafe-allow-server-wide-effects goes with --database-url\n');
  }, 60_000);

  it('a user without CREATEDB, an unreachable server, a bad URL: exit 2 with one line, within 30 s, nothing left', async () => {
    const dir = tempProject({ 'db/0001.sql': 'CREATE TABLE t (id int);\n' });
    const url = new URL(SERVER_URL);
    url.username = noCreatedb;
    const cases: [string, RegExp][] = [
      [url.toString(), new RegExp(`^migsafe: the --database-url user ${noCreatedb} cannot create databases \\(it needs CREATEDB\\)`)],
      ['postgres://postgres@127.0.0.1:1/test', /^migsafe: cannot connect to 127\.0\.0\.1:1: .*ECONNREFUSED/],
      ['postgres://postgres@127.0.0.1:5432/no_such_database_here', /^migsafe: cannot connect to 127\.0\.0\.1:5432: database "no_such_database_here" does not exist/],
      ['postgres://[bad', /^migsafe: --database-url is not a PostgreSQL connection URL/],
    ];
    for (const [databaseUrl, message] of cases) {
      const started = Date.now();
      const run = runCli(['verify', 'db', '--database-url', databaseUrl], { cwd: dir, timeoutMs: 30_000 });
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await throwaways()).toEqual([]);
  }, 150_000);

  it('a socket: URL runs and drops its database', async () => {
    const socketDir = ['/var/run/postgresql', '/tmp'].find((d) => existsSync(path.join(d, '.s.PGSQL.5432')));
    if (!socketDir) return void console.warn('skipped: no PostgreSQL socket in /var/run/postgresql or /tmp');
    const dir = tempProject({ 'db/0001.sql': 'CREATE TABLE t (id int);\n', 'db/0002.sql': 'CREATE INDEX t_id ON t (id);\n' });
    const run = runCli(['trace', 'db', '--database-url', `socket:${socketDir}?db=test&user=postgres`, '--format', 'json'], { cwd: dir, timeoutMs: 30_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout).database).toMatch(/throwaway database migsafe_[0-9a-f]{12}, as role migsafe_/);
    expect(await throwaways()).toEqual([]);
  }, 60_000);

  it('SIGINT and SIGTERM during a run drop the throwaway database and role', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const dir = tempProject({ 'db/0001.sql': 'CREATE TABLE t (id int);\nSELECT pg_sleep(60);\n' });
      const { child, done } = startCli(['verify', 'db', '--database-url', SERVER_URL], { cwd: dir });
      const mine = `% pid ${child.pid} on %`;
      for (let i = 0; i < 200; i++) {
        const running = await admin.query(`SELECT 1 FROM pg_stat_activity a JOIN pg_database d ON d.datname = a.datname WHERE shobj_description(d.oid, 'pg_database') LIKE $1 AND a.query LIKE '%pg_sleep%'`, [mine]);
        if (running.rowCount) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const started = Date.now();
      child.kill(signal);
      const exit = await done;
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(exit.status).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(await throwaways()).toEqual([]);
    }
  }, 120_000);

  it('the next run removes what a killed run left behind (named, commented, unused for a minute)', async () => {
    const name = `migsafe_${randomBytes(6).toString('hex')}`;
    const note = `migsafe throwaway 2020-01-01T00:00:00.000Z pid 1 on elsewhere: drop it if no migsafe run is using it`;
    await admin.query(`CREATE ROLE ${name} NOLOGIN`);
    await admin.query(`COMMENT ON ROLE ${name} IS '${note}'`);
    await admin.query(`CREATE DATABASE ${name} OWNER ${name}`);
    await admin.query(`COMMENT ON DATABASE ${name} IS '${note}'`);
    // Not migsafe's: no comment. Left alone.
    const foreign = `migsafe_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${foreign}`);
    try {
      const dir = tempProject({ 'db/0001.sql': 'CREATE TABLE t (id int);\n' });
      const run = runCli(['trace', 'db', '--database-url', SERVER_URL], { cwd: dir });
      expect(run.stderr).toBe(`migsafe: removed the throwaway database ${name}, left behind by a migsafe run that was killed\nmigsafe: removed the run role ${name}, left behind by a migsafe run that was killed\n`);
      expect(await throwaways()).toEqual([`database ${foreign}`]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${foreign}`);
    }
  }, 60_000);

  it('concurrent runs do not collide', async () => {
    const dir = tempProject({ 'db/0001.sql': 'CREATE TABLE t (id int);\nCREATE ROLE shared_name NOLOGIN;\n' });
    const runs = await Promise.all([0, 1, 2].map(() => startCli(['trace', 'db', '--database-url', SERVER_URL, '--format', 'json'], { cwd: dir }).done));
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout).findings.map((f: { line: number; ruleId: string }) => `${f.line}:${f.ruleId}`)).toEqual(['2:server-effect-refused']);
    }
    expect(new Set(runs.map((r) => JSON.parse(r.stdout).database)).size).toBe(3);
    expect(await throwaways()).toEqual([]);
  }, 60_000);
});
