// How to run a statement outside a transaction with each SQL runner: the second half of every fix
// that adds CONCURRENTLY. TS/JS frameworks give their own wording, for the mode the project runs
// them in (src/sources/frameworks/), on the half itself.
import type { Migration, MigrationHalf } from './types.js';

const HINTS: Record<string, string> = {
  'golang-migrate': 'put it alone in its own migration file (golang-migrate sends a file as one query, an implicit transaction)',
  diesel: 'put it in its own migration with `run_in_transaction = false` in its metadata.toml',
  dbmate: 'put it alone in its own migration whose marker says `-- migrate:up transaction:false` (dbmate sends a section as one query: with other statements beside it, that is an implicit transaction)',
  goose: 'put it in its own migration that starts with `-- +goose NO TRANSACTION`',
  flyway: 'put it alone in its own migration (Flyway then runs it outside a transaction), or set `executeInTransaction=false` in its .sql.conf',
  'node-pg-migrate': 'put it in its own migration run without a transaction (`pgm.noTransaction()` in a JS migration: node-pg-migrate runs every SQL migration in one)',
  prisma: 'put it alone in its own migration.sql (Prisma sends the file as one script, an implicit transaction)',
  drizzle: 'run it outside `drizzle-kit migrate`, which applies all pending migrations in one transaction',
  sqitch: 'leave it outside the script\'s BEGIN/COMMIT',
  atlas: 'put it in its own file that starts with `-- atlas:txmode none`',
  plain: 'run it outside BEGIN/COMMIT',
  alembic: 'run it inside `with op.get_context().autocommit_block():`',
};

// Who opens the transaction a migration runs in, by layout or framework.
const WRAPPERS: Record<string, string> = {
  diesel: 'Diesel runs each migration in a transaction',
  dbmate: 'dbmate runs each migration in a transaction',
  goose: 'goose runs each migration in a transaction',
  flyway: 'Flyway runs a migration that mixes it with other statements in a transaction',
  'node-pg-migrate': 'node-pg-migrate runs each migration in a transaction',
  drizzle: 'Drizzle runs all pending migrations in one transaction',
  atlas: 'Atlas runs each file in a transaction',
  alembic: 'Alembic runs each migration in a transaction on PostgreSQL',
};

/** Why a runner-wrapped statement is in a transaction, naming the runner where known. */
export function wrappedReason(migration: Migration, half: MigrationHalf): string {
  return half.runner?.wrappedBy ?? WRAPPERS[migration.layout] ?? 'the runner runs this migration in a transaction';
}

/** How to run a statement of this half outside a transaction with its runner. */
export function outsideTransactionHint(migration: Migration, half: MigrationHalf): string {
  return half.runner?.outsideTransaction ?? HINTS[migration.layout] ?? HINTS.plain!;
}
