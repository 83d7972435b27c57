// knex's Migrator, run by its CLI against PostgreSQL: which halves run in a transaction, and
// migsafe's model of the same files.
import { describeRunner, halfStatements, js, node, stamp, type RunnerDriver } from '../../../test/runner-harness.js';

const driver: RunnerDriver = {
  migrationsDir: 'migrations',
  fileOf: (spec, i) => `migrations/${stamp(i)}_${spec.id}.js`,
  files(migrations, url, settings) {
    const flag = settings.cliDisableTransactions ? ' --disable-transactions' : '';
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'runner-project', private: true, scripts: { migrate: `knex migrate:latest${flag}`, rollback: `knex migrate:down${flag}` } }),
      'knexfile.cjs': `module.exports = { client: 'pg', connection: ${js(url)}, migrations: { directory: './migrations'${settings.disableTransactions ? ', disableTransactions: true' : ''} } };\n`,
    };
    migrations.forEach((spec, i) => {
      const half = (name: 'up' | 'down') => `exports.${name} = async function (knex) {\n${halfStatements(spec, name).map((sql) => `  await knex.raw(${js(sql)});`).join('\n')}\n};\n`;
      const config = spec.optOut ? 'exports.config = { transaction: false };\n' : spec.optIn ? 'exports.config = { transaction: true };\n' : '';
      files[this.fileOf(spec, i)] = `${config}${half('up')}${half('down')}`;
    });
    return files;
  },
  up: (project, _url, settings) => node('knex/bin/cli.js', ['migrate:latest', '--knexfile', 'knexfile.cjs', ...(settings.cliDisableTransactions ? ['--disable-transactions'] : [])], project),
  down: (project, _url, settings) => node('knex/bin/cli.js', ['migrate:down', '--knexfile', 'knexfile.cjs', ...(settings.cliDisableTransactions ? ['--disable-transactions'] : [])], project),
};


describeRunner('knex', driver, [
  { name: 'a migration runs in a transaction; `config.transaction = false` runs it without', migrations: [{ id: 'm1' }, { id: 'm2', optOut: true }], observed: { 'm1:up': 'wrapped', 'm2:up': 'none', 'm2:down': 'none' } },
  // The CLI passes its own --disable-transactions (false when absent) over the knexfile's setting.
  { name: "the knexfile's migrations.disableTransactions is ignored by `knex migrate:latest`", migrations: [{ id: 'm1' }], settings: { disableTransactions: true }, observed: { 'm1:up': 'wrapped', 'm1:down': 'wrapped' } },
  { name: '--disable-transactions (in package.json scripts) runs migrations without one', migrations: [{ id: 'm1' }, { id: 'm2', optOut: true }], settings: { cliDisableTransactions: true }, observed: { 'm1:up': 'none', 'm2:up': 'none', 'm2:down': 'none' } },
  { name: '`config.transaction = true` wins over --disable-transactions', migrations: [{ id: 'm1', optIn: true }], settings: { cliDisableTransactions: true }, observed: { 'm1:up': 'wrapped', 'm1:down': 'wrapped' } },
]);
