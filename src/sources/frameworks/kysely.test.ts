// Kysely's Migrator (FileMigrationProvider, as its docs show) against PostgreSQL, and migsafe's
// model; disableTransactions is set in application code, so migsafe is told it in its config.
import { describeRunner, halfStatements, js, run, stamp, type RunnerDriver } from '../../../test/runner-harness.js';

/** Kysely has no CLI of its own: its Migrator with the FileMigrationProvider, as its docs show. */
const driver: RunnerDriver = {
  migrationsDir: 'migrations',
  fileOf: (spec, i) => `migrations/${stamp(i)}_${spec.id}.js`,
  files(migrations, url, settings) {
    const driver = (method: string) => `const { Kysely, PostgresDialect, Migrator, FileMigrationProvider } = require('kysely');
const pg = require('pg');
const fs = require('node:fs/promises');
const path = require('node:path');
(async () => {
  const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: ${js(url)} }) }) });
  const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: path.resolve('migrations') })${settings.disableTransactions ? ', disableTransactions: true' : ''} });
  const { error, results } = await migrator.${method}();
  console.log(JSON.stringify(results));
  if (error) { console.error(String(error && error.message || error)); process.exitCode = 1; }
  await db.destroy();
})();
`;
    const files: Record<string, string> = { 'migrate-up.cjs': driver('migrateToLatest'), 'migrate-down.cjs': driver('migrateDown') };
    migrations.forEach((spec, i) => {
      const half = (name: 'up' | 'down') => `exports.${name} = async function (db) {\n${halfStatements(spec, name).map((sql) => `  await sql.raw(${js(sql)}).execute(db);`).join('\n')}\n};\n`;
      files[this.fileOf(spec, i)] = `const { sql } = require('kysely');\n${half('up')}${half('down')}`;
    });
    return files;
  },
  up: (project) => run(process.execPath, ['migrate-up.cjs'], project),
  down: (project) => run(process.execPath, ['migrate-down.cjs'], project),
};


describeRunner('Kysely', driver, [
  { name: 'each migration runs in a transaction on PostgreSQL', migrations: [{ id: 'm1' }], observed: { 'm1:up': 'wrapped', 'm1:down': 'wrapped' } },
  { name: 'a Migrator with disableTransactions runs it without one', migrations: [{ id: 'm1', optOut: true }], settings: { disableTransactions: true }, config: { runners: { kysely: { disableTransactions: true } } }, observed: { 'm1:up': 'none', 'm1:down': 'none' } },
]);
