// What trace/verify must not run where they run migrations. On a server (--database-url) the
// migrations run in a throwaway database, but some statements reach past any database: roles,
// server settings, other databases, tablespaces, the server's files and shell, connections to
// other servers. Those are refused before anything runs, and reported; the embedded PGlite runs
// them contained (its "server" is a WASM instance that is thrown away). COPY ... FROM STDIN waits
// for rows a client like psql sends after the statement: no runner here sends any, so it is never
// run (on PGlite it blocks the process for good).
// https://www.postgresql.org/docs/current/manage-ag-overview.html (roles, databases and
// tablespaces are shared across the cluster)
import { funcName, walk } from '../engine/ast.js';
import type { AstNode, Statement } from '../engine/types.js';

/**
 * Functions that read or write the server's files, signal other sessions, reload the server's
 * configuration or connect to other servers.
 * https://www.postgresql.org/docs/current/functions-admin.html
 */
const SERVER_FUNCTIONS = new Map<string, string>([
  ...['pg_read_file', 'pg_read_binary_file', 'pg_ls_dir', 'pg_stat_file', 'pg_ls_logdir', 'pg_ls_waldir', 'pg_ls_tmpdir', 'pg_ls_archive_statusdir', 'pg_ls_logicalsnapdir', 'pg_ls_logicalmapdir', 'pg_ls_replslotdir'].map(
    (name) => [name, `${name}() reads the database server's file system`] as const,
  ),
  ...['lo_import', 'lo_export'].map((name) => [name, `${name}() with a path reads or writes a file on the database server`] as const),
  ...['pg_file_write', 'pg_file_rename', 'pg_file_unlink', 'pg_file_sync', 'pg_logdir_ls'].map((name) => [name, `${name}() writes the database server's file system (adminpack)`] as const),
  ...['pg_terminate_backend', 'pg_cancel_backend'].map((name) => [name, `${name}() signals another session of the server`] as const),
  ...['pg_reload_conf', 'pg_rotate_logfile', 'pg_promote', 'pg_switch_wal', 'pg_create_restore_point', 'pg_backup_start', 'pg_backup_stop'].map(
    (name) => [name, `${name}() acts on the whole server`] as const,
  ),
  ...['pg_create_physical_replication_slot', 'pg_create_logical_replication_slot', 'pg_drop_replication_slot', 'pg_copy_physical_replication_slot', 'pg_copy_logical_replication_slot'].map(
    (name) => [name, `${name}() changes the server's replication slots`] as const,
  ),
  ...['dblink', 'dblink_exec', 'dblink_connect', 'dblink_connect_u', 'dblink_send_query'].map((name) => [name, `${name}() connects to another database or server`] as const),
]);

/** Extensions that give SQL the server's files, its shell or connections to other servers. */
const SERVER_EXTENSIONS = new Set(['dblink', 'postgres_fdw', 'file_fdw', 'adminpack', 'plpython3u', 'plpythonu', 'plpython2u', 'plperlu', 'pltclu', 'plsh', 'pg_cron', 'log_fdw']);
/** Languages whose functions run unrestricted code as the server's OS user. */
const UNTRUSTED_LANGUAGES = new Set(['c', 'internal', 'plpython3u', 'plpythonu', 'plpython2u', 'plperlu', 'pltclu', 'plsh']);
/** Objects shared by every database of the server: granting on, commenting on or labelling them reaches past this database. */
const SHARED_OBJECTS = new Set(['OBJECT_DATABASE', 'OBJECT_TABLESPACE', 'OBJECT_ROLE', 'OBJECT_PARAMETER_ACL', 'OBJECT_SUBSCRIPTION']);

const STATEMENT_EFFECTS: Record<string, (node: AstNode) => string | null> = {
  CreateRoleStmt: () => 'CREATE ROLE creates a role for the whole server',
  AlterRoleStmt: () => 'ALTER ROLE changes a role of the whole server',
  AlterRoleSetStmt: (n) => (n.role ? 'ALTER ROLE ... SET changes a role of the whole server' : 'ALTER ROLE ALL ... SET changes every role of the server'),
  DropRoleStmt: () => 'DROP ROLE drops a role of the whole server',
  GrantRoleStmt: () => 'GRANT/REVOKE of a role changes role membership for the whole server',
  ReassignOwnedStmt: () => 'REASSIGN OWNED also reassigns databases and tablespaces of the server',
  DropOwnedStmt: () => 'DROP OWNED also revokes privileges on databases and tablespaces of the server',
  AlterSystemStmt: () => 'ALTER SYSTEM changes the configuration of the whole server',
  CreatedbStmt: () => 'CREATE DATABASE creates another database on the server',
  DropdbStmt: () => 'DROP DATABASE drops a database of the server',
  AlterDatabaseStmt: () => 'ALTER DATABASE changes a database of the server',
  AlterDatabaseSetStmt: () => 'ALTER DATABASE ... SET changes the settings of a database of the server',
  AlterDatabaseRefreshCollStmt: () => 'ALTER DATABASE changes a database of the server',
  CreateTableSpaceStmt: () => 'CREATE TABLESPACE creates a directory-backed tablespace on the server',
  DropTableSpaceStmt: () => 'DROP TABLESPACE drops a tablespace of the server',
  AlterTableSpaceOptionsStmt: () => 'ALTER TABLESPACE changes a tablespace of the server',
  CreateSubscriptionStmt: () => 'CREATE SUBSCRIPTION connects to another server and starts replication workers',
  AlterSubscriptionStmt: () => 'ALTER SUBSCRIPTION changes a connection to another server',
  DropSubscriptionStmt: () => 'DROP SUBSCRIPTION drops a replication slot on another server',
  CreateForeignServerStmt: () => 'CREATE SERVER defines a connection to another server',
  CreateUserMappingStmt: () => 'CREATE USER MAPPING stores credentials for another server',
  AlterUserMappingStmt: () => 'ALTER USER MAPPING changes credentials for another server',
  CreateFdwStmt: () => 'CREATE FOREIGN DATA WRAPPER installs a handler that reaches outside the database',
  LoadStmt: () => "LOAD loads a shared library into the server's process",
  CopyStmt: (n) => (n.is_program ? `COPY ... ${n.is_from ? 'FROM' : 'TO'} PROGRAM runs a shell command as the database server's OS user` : n.filename ? `COPY ... ${n.is_from ? 'FROM' : 'TO'} '${n.filename}' ${n.is_from ? 'reads' : 'writes'} a file on the database server` : null),
  CreateExtensionStmt: (n) => (SERVER_EXTENSIONS.has(String(n.extname).toLowerCase()) ? `CREATE EXTENSION ${n.extname} gives SQL the server's files, shell or connections to other servers` : null),
  CreatePLangStmt: (n) => (UNTRUSTED_LANGUAGES.has(String(n.plname).toLowerCase()) ? `CREATE LANGUAGE ${n.plname} runs code as the server's OS user` : null),
  CreateFunctionStmt: (n) => {
    const language = (n.options ?? []).find((o: AstNode) => o.DefElem?.defname === 'language')?.DefElem?.arg?.String?.sval;
    return language && UNTRUSTED_LANGUAGES.has(String(language).toLowerCase()) ? `a function in language ${language} runs code as the server's OS user` : null;
  },
  GrantStmt: (n) => (SHARED_OBJECTS.has(n.objtype) ? `${n.is_grant ? 'GRANT' : 'REVOKE'} on a ${sharedObjectName(n.objtype)} changes an object shared by the whole server` : null),
  CommentStmt: (n) => (SHARED_OBJECTS.has(n.objtype) ? `COMMENT ON a ${sharedObjectName(n.objtype)} changes an object shared by the whole server` : null),
  SecLabelStmt: (n) => (SHARED_OBJECTS.has(n.objtype) ? `SECURITY LABEL on a ${sharedObjectName(n.objtype)} changes an object shared by the whole server` : null),
  RenameStmt: (n) => (SHARED_OBJECTS.has(n.renameType) ? `renaming a ${sharedObjectName(n.renameType)} changes an object shared by the whole server` : null),
  AlterOwnerStmt: (n) => (SHARED_OBJECTS.has(n.objectType) ? `changing the owner of a ${sharedObjectName(n.objectType)} changes an object shared by the whole server` : null),
  VariableSetStmt: (n) => (n.name === 'session_authorization' || n.name === 'role' ? `SET ${n.name === 'role' ? 'ROLE' : 'SESSION AUTHORIZATION'} switches to another role of the server` : null),
};

function sharedObjectName(objtype: string): string {
  return { OBJECT_DATABASE: 'database', OBJECT_TABLESPACE: 'tablespace', OBJECT_ROLE: 'role', OBJECT_PARAMETER_ACL: 'server parameter', OBJECT_SUBSCRIPTION: 'subscription' }[objtype] ?? 'shared object';
}

/** What one parsed statement does beyond the database it runs in, or null. */
export function serverWideEffect(ast: AstNode): string | null {
  const kind = Object.keys(ast)[0]!;
  const own = STATEMENT_EFFECTS[kind]?.(ast[kind]);
  if (own) return own;
  let found: string | null = null;
  walk(ast, (type, node) => {
    if (found || type !== 'FuncCall') return;
    found = SERVER_FUNCTIONS.get(funcName({ FuncCall: node })) ?? null;
  });
  return found;
}

/** COPY ... FROM STDIN: its rows come from the client after the statement, and no client sends them here. */
export function readsClientRows(ast: AstNode): boolean {
  const copy = ast.CopyStmt;
  return !!copy && copy.is_from && !copy.filename && !copy.is_program;
}

export interface Refusal {
  statement: Statement;
  reason: string;
  /** A statement with effects beyond the throwaway database (as opposed to one no runner here can feed). */
  serverWide: boolean;
}

/**
 * For each top-level statement of a half, why it is not run: its own effect, or one of a DO
 * block's or function body's statements inside it (a function created here may be called later).
 */
export function refusals(statements: Statement[], onServer: boolean, allowServerWide: boolean): Map<Statement, Refusal> {
  const refused = new Map<Statement, Refusal>();
  let top: Statement | null = null;
  for (const statement of statements) {
    if (statement.origin === 'top') top = statement;
    if (!top || !statement.ast || refused.has(top)) continue;
    if (readsClientRows(statement.ast)) {
      refused.set(top, { statement: top, serverWide: false, reason: 'COPY ... FROM STDIN reads its rows from the client that sends the migration (psql), and no runner here sends them' });
      continue;
    }
    if (!onServer && statement.ast.CopyStmt?.is_program) {
      refused.set(top, { statement: top, serverWide: false, reason: 'COPY ... PROGRAM runs a shell command on the database server, which the embedded PostgreSQL does not have' });
      continue;
    }
    if (!onServer || allowServerWide) continue;
    const effect = serverWideEffect(statement.ast);
    if (effect) refused.set(top, { statement: top, serverWide: true, reason: statement === top ? effect : `${effect} (inside this statement)` });
  }
  return refused;
}
