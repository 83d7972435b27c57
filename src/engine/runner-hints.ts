// How to run a statement outside a transaction with each runner: the second half of every fix that
// adds CONCURRENTLY.
const HINTS: Record<string, string> = {
  'golang-migrate': 'put it alone in its own migration file (golang-migrate sends a file as one query, an implicit transaction)',
  diesel: 'put it in its own migration with `run_in_transaction = false` in its metadata.toml',
  dbmate: 'put it in its own migration whose marker says `-- migrate:up transaction:false`',
  goose: 'put it in its own migration that starts with `-- +goose NO TRANSACTION`',
  flyway: 'put it alone in its own migration (Flyway then runs it outside a transaction), or set `executeInTransaction=false` in its .sql.conf',
  'node-pg-migrate': 'put it in its own migration run without a transaction (`pgm.noTransaction()` in a JS migration)',
  prisma: 'put it alone in its own migration.sql (Prisma sends the file as one script, an implicit transaction)',
  drizzle: 'run it outside `drizzle-kit migrate`, which applies all pending migrations in one transaction',
  sqitch: 'leave it outside the script\'s BEGIN/COMMIT',
  atlas: 'put it in its own file that starts with `-- atlas:txmode none`',
  plain: 'run it outside BEGIN/COMMIT',
};

export function outsideTransactionHint(layout: string): string {
  return HINTS[layout] ?? HINTS.plain!;
}
