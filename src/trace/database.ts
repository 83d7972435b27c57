// Where trace and verify run migrations: an embedded PostgreSQL 18 (PGlite, WASM: nothing to
// install), or a real server (server.ts).
import type { Extensions } from '@electric-sql/pglite';

export interface Database {
  /** Runs SQL with the simple query protocol (one statement, or several as one implicit transaction). */
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Drops everything the migrations created, so the next directory starts from an empty database. */
  reset(): Promise<void>;
  close(): Promise<void>;
  /** "PGlite (PostgreSQL 18.x)" or the server's version, for reports. */
  description: string;
  /** A real server, shared with others: statements with effects beyond this database are refused. */
  onServer: boolean;
  /** --unsafe-allow-server-wide-effects: run them anyway. */
  allowServerWide: boolean;
}

/** An error PostgreSQL raised, with its SQLSTATE code. */
export interface PostgresError {
  message: string;
  code?: string;
}

export function postgresError(error: unknown): PostgresError {
  const e = error as { message?: string; code?: string };
  return { message: String(e?.message ?? error).split('\n')[0]!, code: e?.code };
}

export const RESET_SQL = `
DO $$
DECLARE s text;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND nspname NOT LIKE 'pg\\_%'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END $$;
DROP SCHEMA public CASCADE;
CREATE SCHEMA public;
`;

/**
 * An embedded PostgreSQL. `module` names another PGlite package for another PostgreSQL version (the
 * truth tests run theirs on each version PGlite offers: test/truth-versions.test.ts).
 */
export async function openPglite(module = '@electric-sql/pglite'): Promise<Database> {
  // Loaded on demand: lint never pays for PostgreSQL's start-up.
  const { PGlite } = (await import(module)) as typeof import('@electric-sql/pglite');
  const extensions = await loadContribExtensions(module);
  const db = await PGlite.create({ extensions: extensions as Extensions });
  const version = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '';
  return {
    description: `PGlite (PostgreSQL ${version}, embedded)`,
    exec: async (sql) => {
      await db.exec(sql);
    },
    query: async <T>(sql: string) => (await db.query<T>(sql)).rows,
    reset: async () => {
      await db.exec('ROLLBACK').catch(() => undefined);
      await db.exec(RESET_SQL);
      await db.exec('RESET ALL');
      // PGlite's PostgreSQL 16 build keeps the dropped public schema in its search path until the
      // path is set again: new tables would land in pg_catalog.
      await db.exec(`SET search_path = "$user", public`);
    },
    close: () => db.close(),
    onServer: false,
    allowServerWide: false,
  };
}

// The contrib extensions PGlite ships that migrations commonly create; others (postgis, ...) are
// reported as skipped where a migration needs them.
const CONTRIB = ['uuid_ossp', 'pgcrypto', 'citext', 'hstore', 'pg_trgm', 'btree_gin', 'btree_gist', 'ltree', 'fuzzystrmatch', 'unaccent', 'intarray', 'cube', 'earthdistance', 'tablefunc'];

async function loadContribExtensions(pglite: string): Promise<Record<string, unknown>> {
  const extensions: Record<string, unknown> = {};
  for (const name of CONTRIB) {
    try {
      const module = await import(`${pglite}/contrib/${name}`);
      extensions[name] = module[name];
    } catch {
      // not in this PGlite build
    }
  }
  return extensions;
}

