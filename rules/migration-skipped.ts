import { defineObservedRule } from '../src/engine/rule.js';

export default defineObservedRule({
  id: 'migration-skipped',
  severity: 'info',
  observedBy: 'verify',
  help: 'Run with --database-url against a server that has what the migration needs, or give templated SQL its values.',
  docs: {
    summary: 'trace or verify could not run a migration (an extension or role the database lacks, templated SQL, an operation that is not static SQL).',
    why: `The embedded PostgreSQL (PGlite) ships PostgreSQL 18 with a set of contrib extensions, but not
PostGIS or TimescaleDB, and it has no roles besides its own. A migration that needs them is skipped,
with the reason, rather than reported as broken; so is templated SQL and code that is not static SQL.
Migrations after a skipped one are skipped too, since the schema they build on is missing.`,
    safe: 'Run trace or verify with `--database-url postgres://...` against a server that has the extensions and roles your migrations use.',
    sources: ['https://www.postgresql.org/docs/current/contrib.html'],
    examples: {
      invalid: [{ sql: 'CREATE EXTENSION postgis;' }],
      valid: [{ sql: 'CREATE EXTENSION IF NOT EXISTS pgcrypto;' }],
    },
  },
});
