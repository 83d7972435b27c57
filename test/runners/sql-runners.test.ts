// The SQL runners that install from npm, run against PostgreSQL: dbmate, node-pg-migrate's SQL
// migrations and Drizzle's migrator; and migsafe's model of the same files. (golang-migrate, goose,
// Flyway, sqitch, Atlas and Diesel do not install from npm; their rules follow their documentation,
// cited in src/engine/runner-hints.ts.)
import path from 'node:path';
import { dbmateBin, describeRunner, halfStatements, installDbmate, js, packageFile, run, serverAvailable, stamp, type MigrationSpec, type RunnerDriver } from '../runner-harness.js';

const dbmate: RunnerDriver = {
  kind: 'sql',
  migrationsDir: 'db/migrations',
  fileOf: (spec, i) => `db/migrations/${stamp(i)}_${spec.id}.sql`,
  files(migrations) {
    const files: Record<string, string> = {};
    migrations.forEach((spec, i) => {
      const marker = spec.optOut ? ' transaction:false' : '';
      files[this.fileOf(spec, i)] = `-- migrate:up${marker}\n${halfStatements(spec, 'up').join(';\n')};\n\n-- migrate:down${marker}\n${halfStatements(spec, 'down').join(';\n')};\n`;
    });
    return files;
  },
  up: (project, url) => run(dbmateBin, ['--url', `${url}?sslmode=disable`, '--no-dump-schema', 'up'], project),
  down: (project, url) => run(dbmateBin, ['--url', `${url}?sslmode=disable`, '--no-dump-schema', 'rollback'], project),
};

/** node-pg-migrate's SQL migrations (`-- Up Migration` / `-- Down Migration`), run by the same CLI. */
const nodePgMigrateSql: RunnerDriver = {
  migrationsDir: 'migrations',
  up: (project, url) => run(process.execPath, [path.join(path.dirname(packageFile('node-pg-migrate/package.json')), 'bin/node-pg-migrate.js'), 'up', '-m', 'migrations'], project, { DATABASE_URL: url }),
  down: (project, url) => run(process.execPath, [path.join(path.dirname(packageFile('node-pg-migrate/package.json')), 'bin/node-pg-migrate.js'), 'down', '-m', 'migrations'], project, { DATABASE_URL: url }),
  kind: 'sql',
  fileOf: (spec, i) => `migrations/170000000000${i}_${spec.id}.sql`,
  files(migrations) {
    const files: Record<string, string> = {};
    migrations.forEach((spec, i) => {
      files[this.fileOf(spec, i)] = `-- Up Migration\n${halfStatements(spec, 'up').join(';\n')};\n\n-- Down Migration\n${halfStatements(spec, 'down').join(';\n')};\n`;
    });
    return files;
  },
};

/** Drizzle's migrator (what `drizzle-kit migrate` runs): every pending migration, no down. */
const drizzle: RunnerDriver = {
  kind: 'sql',
  migrationsDir: 'drizzle',
  fileOf: (spec, i) => `drizzle/000${i}_${spec.id}.sql`,
  files(migrations: MigrationSpec[], url) {
    const files: Record<string, string> = {
      'migrate.cjs': `const { drizzle } = require('drizzle-orm/node-postgres');
const { migrate } = require('drizzle-orm/node-postgres/migrator');
(async () => {
  const db = drizzle(${js(url)});
  try { await migrate(db, { migrationsFolder: 'drizzle' }); } catch (error) { console.error(String(error && (error.cause && error.cause.message || error.message) || error)); process.exitCode = 1; }
  await db.$client.end();
})();
`,
      'drizzle/meta/_journal.json': JSON.stringify({ version: '7', dialect: 'postgresql', entries: migrations.map((spec, i) => ({ idx: i, version: '7', when: 1700000000000 + i, tag: `000${i}_${spec.id}`, breakpoints: true })) }, null, 2),
    };
    migrations.forEach((spec, i) => {
      files[this.fileOf(spec, i)] = `${halfStatements(spec, 'up').join(';\n--> statement-breakpoint\n')};\n`;
    });
    return files;
  },
  up: (project) => run(process.execPath, ['migrate.cjs'], project),
  down: null,
};

describeRunner('dbmate', dbmate, [
  { name: 'each migration runs in a transaction', migrations: [{ id: 'm1' }], observed: { 'm1:up': 'wrapped', 'm1:down': 'wrapped' } },
  // transaction:false sends the section as one query: its statements still share an implicit transaction.
  { name: 'transaction:false with other statements is still one implicit transaction', migrations: [{ id: 'm1', optOut: true }], observed: { 'm1:up': 'wrapped' } },
  { name: 'transaction:false with the statement alone runs it outside a transaction', migrations: [{ id: 'm1', optOut: true, alone: true }], observed: { 'm1:up': 'none', 'm1:down': 'none' } },
], serverAvailable ? installDbmate() : null);

describeRunner('node-pg-migrate (SQL migrations)', nodePgMigrateSql, [
  { name: 'each SQL migration runs in a transaction', migrations: [{ id: 'm1' }], observed: { 'm1:up': 'wrapped', 'm1:down': 'wrapped' } },
]);

describeRunner('Drizzle', drizzle, [
  { name: 'all pending migrations run in one transaction', migrations: [{ id: 'm1' }, { id: 'm2' }], observed: { 'm1:up': 'wrapped', 'm2:up': 'wrapped' } },
]);
