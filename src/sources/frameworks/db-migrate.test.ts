// db-migrate's CLI (db-migrate-pg) against PostgreSQL, and migsafe's model, which reads the
// --non-transactional flag from the project's package.json scripts.
import { describeRunner, halfStatements, js, node, stamp, type RunnerDriver } from '../../../test/runner-harness.js';

const driver: RunnerDriver = {
  migrationsDir: 'migrations',
  fileOf: (spec, i) => `migrations/${stamp(i)}-${spec.id}.js`,
  files(migrations, _url, settings) {
    // db-migrate has no per-migration opt-out: its --non-transactional flag, kept in the project's
    // package.json scripts where migsafe reads it.
    const flag = settings.nonTransactional ? ' --non-transactional' : '';
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'runner-project', private: true, scripts: { migrate: `db-migrate up${flag}`, rollback: `db-migrate down${flag}` } }, null, 2),
    };
    migrations.forEach((spec, i) => {
      const half = (name: 'up' | 'down') => `exports.${name} = async function (db) {\n${halfStatements(spec, name).map((sql) => `  await db.runSql(${js(sql)});`).join('\n')}\n};\n`;
      files[this.fileOf(spec, i)] = `${half('up')}${half('down')}`;
    });
    return files;
  },
  up: (project, url, settings) => node('db-migrate/bin/db-migrate', ['up', '-m', 'migrations', ...(settings.nonTransactional ? ['--non-transactional'] : [])], project, { DATABASE_URL: url }),
  down: (project, url, settings) => node('db-migrate/bin/db-migrate', ['down', '-m', 'migrations', ...(settings.nonTransactional ? ['--non-transactional'] : [])], project, { DATABASE_URL: url }),
};


describeRunner('db-migrate', driver, [
  { name: 'each migration runs in a transaction', migrations: [{ id: 'm1' }], observed: { 'm1:up': 'wrapped', 'm1:down': 'wrapped' } },
  { name: '--non-transactional runs it without one', migrations: [{ id: 'm1', optOut: true }], settings: { nonTransactional: true }, observed: { 'm1:up': 'none', 'm1:down': 'none' } },
]);
