import { defineObservedRule } from '../src/engine/rule.js';

export default defineObservedRule({
  id: 'server-effect-refused',
  severity: 'warning',
  observedBy: 'trace',
  help: 'Run trace/verify without --database-url (the embedded PostgreSQL runs it contained), or pass --unsafe-allow-server-wide-effects to run it on the server anyway.',
  docs: {
    summary: 'trace or verify --database-url did not run a statement whose effects reach past the throwaway database (roles, server settings, other databases, tablespaces, server files or shell).',
    why: `With \`--database-url\`, migsafe runs the migrations in a throwaway database it creates and drops.
Roles, \`ALTER SYSTEM\` settings, other databases and tablespaces are shared by the whole server, and
\`COPY ... PROGRAM\`, \`pg_read_file()\`, \`lo_export()\`, \`dblink\` or an untrusted language reach the
server's files, its shell or other servers. Dropping the throwaway database undoes none of that, so
migsafe refuses such statements before anything runs, reports each one, and runs the rest. It also
runs the migrations as a role of their own (created for the run, owner of the throwaway database
only, dropped after it), so that SQL built at run time cannot do what the check cannot see.`,
    safe: `Trace or verify such migrations on the embedded PostgreSQL (no \`--database-url\`): it is a
process of migsafe's own that is thrown away after the run. Where the server's behaviour is what you
need to see and you accept the risk, \`--unsafe-allow-server-wide-effects\` runs every statement as
the URL's user.`,
    sources: ['https://www.postgresql.org/docs/current/manage-ag-overview.html', 'https://www.postgresql.org/docs/current/sql-copy.html', 'https://www.postgresql.org/docs/current/functions-admin.html'],
    examples: {
      invalid: [{ sql: 'CREATE ROLE reporting NOLOGIN;' }],
      valid: [{ sql: 'CREATE TABLE reports (id bigint PRIMARY KEY);' }],
    },
  },
});
