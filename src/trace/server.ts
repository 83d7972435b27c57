// trace/verify --database-url: a real server, shared with others, so the run is contained.
// - The migrations run in a throwaway database `migsafe_<12 hex>` (unique per run, so concurrent
//   runs never collide), as a login role of the same name created for the run that owns only that
//   database (no SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS): SQL built at run time
//   cannot create roles, change server settings or run shell commands either. Both are dropped at
//   the end, on SIGINT/SIGTERM, and, if a run was killed, by the next run (see removeLeftovers).
// - Every wait is bounded: connecting, the admin connection's statements, and each migration
//   statement; every failure closes what was opened and says why in one line.
// https://www.postgresql.org/docs/current/sql-createrole.html
// https://www.postgresql.org/docs/current/ddl-priv.html
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Client, ClientConfig } from 'pg';
import { quoteLiteral, quoteName as quoteIdent } from '../sources/lowered.js';
import { postgresError, RESET_SQL, type Database } from './database.js';

export const TIMEOUTS = {
  /** Opening a connection. */
  connectMs: 10_000,
  /** Each statement of the admin connection (CREATE/DROP DATABASE, roles). */
  adminStatementMs: 30_000,
  /** Each migration statement (on an empty database; a backstop against a wait that never ends). */
  migrationStatementMs: 300_000,
};

/** The names of everything a run creates start with this; the comment on them says whose they are. */
const THROWAWAY_PREFIX = 'migsafe_';
const NOTE = 'migsafe throwaway';
/** A throwaway database with no session for this long is a leftover of a killed run. */
const LEFTOVER_AFTER_MS = 60_000;

/** The server cannot be used as asked: one line for the user, exit 2. */
export class ServerError extends Error {
  readonly userFacing = true;
}

export interface ServerOptions {
  /** --unsafe-allow-server-wide-effects: no run role, and statements with server-wide effects run. */
  allowServerWide?: boolean;
  /** Lines for stderr (leftovers removed, containment that the server did not allow). */
  log?: (line: string) => void;
}

const firstLine = (error: unknown) => postgresError(error).message;

export async function connect(config: ClientConfig, what: string): Promise<Client> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ ...config, connectionTimeoutMillis: TIMEOUTS.connectMs, application_name: 'migsafe' });
  // A connection the server ends (a terminated backend) is reported through the pending query.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new ServerError(`cannot connect to ${what}: ${firstLine(error)}`);
  }
  return client;
}

/** A --database-url as pg's client config, and the host:port to name it by in messages. */
export async function clientConfigOf(url: string): Promise<{ config: ClientConfig; where: string }> {
  const { parseIntoClientConfig } = await import('pg-connection-string');
  let config: ClientConfig;
  try {
    config = parseIntoClientConfig(url);
  } catch (error) {
    throw new ServerError(`--database-url is not a PostgreSQL connection URL: ${firstLine(error)}`);
  }
  return { config, where: config.host ? `${config.host}${config.port ? `:${config.port}` : ''}` : 'the server' };
}

export async function openServer(url: string, options: ServerOptions = {}): Promise<Database> {
  const log = options.log ?? (() => undefined);
  const { config, where } = await clientConfigOf(url);
  const admin = await connect({ ...config, query_timeout: TIMEOUTS.adminStatementMs, statement_timeout: TIMEOUTS.adminStatementMs }, where);
  const name = `${THROWAWAY_PREFIX}${randomBytes(6).toString('hex')}`;
  let databaseCreated = false;
  let role: string | null = null;
  let versionNum = 0;
  const dropAll = async () => {
    if (databaseCreated) {
      await dropDatabase(admin, name, versionNum);
      databaseCreated = false;
    }
    if (role) {
      await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
      role = null;
    }
  };
  let client: Client | null = null;
  try {
    versionNum = Number((await admin.query('SHOW server_version_num')).rows[0]?.server_version_num ?? 0);
    for (const removed of await removeLeftovers(admin, versionNum)) log(`removed ${removed}, left behind by a migsafe run that was killed`);
    const [me] = (await admin.query<{ user: string; superuser: boolean; createrole: boolean; createdb: boolean }>(
      `SELECT current_user AS user, rolsuper AS superuser, rolcreaterole AS createrole, rolcreatedb AS createdb FROM pg_roles WHERE rolname = current_user`,
    )).rows;
    if (!me?.superuser && !me?.createdb) {
      throw new ServerError(`the --database-url user ${me?.user ?? ''} cannot create databases (it needs CREATEDB): migsafe runs the migrations in a throwaway database of its own`);
    }
    const note = `${NOTE} ${new Date().toISOString()} pid ${process.pid} on ${hostname()}: drop it if no migsafe run is using it`;
    const password = randomBytes(18).toString('hex');
    let containment = '';
    if (options.allowServerWide) {
      containment = `as ${me.user}, server-wide effects allowed`;
    } else if (me.superuser || me.createrole) {
      await admin.query(`CREATE ROLE ${quoteIdent(name)} LOGIN PASSWORD ${quoteLiteral(password)} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 2`);
      role = name;
      await admin.query(`COMMENT ON ROLE ${quoteIdent(name)} IS ${quoteLiteral(note)}`);
      // A CREATEROLE user gives a database to a role only as a member of it (the role does not
      // become a member of the user: the run gains nothing of the user's).
      if (!me.superuser) await admin.query(`GRANT ${quoteIdent(name)} TO CURRENT_USER`);
    } else {
      containment = `as ${me.user}: it cannot create a role for the run, so only the statements migsafe sees are refused`;
      log(`the --database-url user ${me.user} cannot create roles (CREATEROLE): migrations run as ${me.user}, and only the server-wide statements migsafe can see are refused`);
    }
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}${role ? ` OWNER ${quoteIdent(role)}` : ''}`);
    databaseCreated = true;
    await admin.query(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(note)}`);
    await admin.query(`REVOKE ALL ON DATABASE ${quoteIdent(name)} FROM PUBLIC`);
    if (role) {
      try {
        client = await connect({ ...config, database: name, user: role, password, query_timeout: TIMEOUTS.migrationStatementMs }, `${where}/${name} as ${role}`);
        containment = `as role ${role}`;
      } catch (error) {
        containment = `as ${me.user}: logging in as the run role was refused, so only the statements migsafe sees are refused`;
        log(`the server refused a login as the run role ${role} (${firstLine(error).replace(/^cannot connect to [^:]*: /, '')}): migrations run as ${me.user}, and only the server-wide statements migsafe can see are refused`);
      }
    }
    client ??= await connect({ ...config, database: name, query_timeout: TIMEOUTS.migrationStatementMs }, `${where}/${name}`);
    const version = (await client.query('SHOW server_version')).rows[0]?.server_version ?? '';
    const run = client;
    let closing: Promise<void> | null = null;
    return {
      description: `PostgreSQL ${version} (${where}, throwaway database ${name}, ${containment})`,
      onServer: true,
      allowServerWide: !!options.allowServerWide,
      exec: async (sql) => {
        await run.query(sql);
      },
      query: async <T>(sql: string) => (await run.query(sql)).rows as T[],
      reset: async () => {
        await run.query('ROLLBACK').catch(() => undefined);
        await run.query(RESET_SQL);
        await run.query('RESET ALL');
      },
      // Called at the end and from signal handlers: once.
      close: () =>
        (closing ??= (async () => {
          await run.end().catch(() => undefined);
          try {
            await dropAll();
          } finally {
            await admin.end().catch(() => undefined);
          }
        })()),
    };
  } catch (error) {
    await client?.end().catch(() => undefined);
    await dropAll().catch(() => undefined);
    await admin.end().catch(() => undefined);
    if (error instanceof ServerError) throw error;
    throw new ServerError(`cannot prepare a throwaway database on ${where}: ${firstLine(error)}`);
  }
}

/** Drops a database, ending its sessions first (a statement of the run may still be running). */
async function dropDatabase(admin: Client, name: string, version: number): Promise<void> {
  // WITH (FORCE) ends the database's sessions itself (PostgreSQL 13+).
  if (version >= 130000) {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    return;
  }
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
}

/**
 * Throwaway databases and roles of runs that were killed (SIGKILL, a crash, a lost machine): named
 * `migsafe_*`, with migsafe's comment, no session, and created over a minute ago. Returns what was
 * removed. Ones this user may not drop are left, silently: they belong to someone else.
 */
export async function removeLeftovers(admin: Client, version: number): Promise<string[]> {
  const removed: string[] = [];
  const old = (note: string | null) => {
    const created = Date.parse(/^migsafe throwaway (\S+)/.exec(note ?? '')?.[1] ?? '');
    return Number.isFinite(created) && Date.now() - created > LEFTOVER_AFTER_MS;
  };
  const databases = (await admin.query<{ name: string; note: string | null; sessions: number }>(
    `SELECT d.datname AS name, shobj_description(d.oid, 'pg_database') AS note,
            (SELECT count(*)::int FROM pg_stat_activity a WHERE a.datname = d.datname) AS sessions
     FROM pg_database d WHERE d.datname LIKE 'migsafe\\_%'`,
  )).rows;
  for (const database of databases) {
    if (database.sessions > 0 || !old(database.note)) continue;
    try {
      await dropDatabase(admin, database.name, version);
      removed.push(`the throwaway database ${database.name}`);
    } catch {
      // not ours to drop
    }
  }
  const roles = (await admin.query<{ name: string; note: string | null }>(
    `SELECT r.rolname AS name, shobj_description(r.oid, 'pg_authid') AS note FROM pg_roles r
     WHERE r.rolname LIKE 'migsafe\\_%' AND NOT EXISTS (SELECT 1 FROM pg_database d WHERE d.datname = r.rolname)
       AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.usename = r.rolname)`,
  )).rows;
  for (const role of roles) {
    if (!old(role.note)) continue;
    try {
      await admin.query(`DROP ROLE ${quoteIdent(role.name)}`);
      removed.push(`the run role ${role.name}`);
    } catch {
      // not ours to drop, or it still owns something
    }
  }
  return removed;
}
