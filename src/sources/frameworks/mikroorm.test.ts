// MikroORM's Migrator (what `mikro-orm migration:up` / `migration:down` call) against PostgreSQL,
// with a mikro-orm.config that migsafe reads too.
import { describeRunner, halfStatements, js, run, stamp, type RunnerDriver } from '../../../test/runner-harness.js';

/** MikroORM through its Migrator (what `mikro-orm migration:up` calls). */
const driver: RunnerDriver = {
  migrationsDir: 'migrations',
  fileOf: (_spec, i) => `migrations/Migration${stamp(i)}.js`,
  files(migrations, url, settings) {
    const options = settings.allOrNothing === false ? ', allOrNothing: false' : '';
    const driver = (method: string) => `const { MikroORM } = require('@mikro-orm/postgresql');
(async () => {
  const orm = await MikroORM.init(require('./mikro-orm.config.cjs'));
  try { await orm.getMigrator().${method}(); } catch (error) { console.error(String(error && error.message || error)); process.exitCode = 1; }
  await orm.close(true);
})();
`;
    const files: Record<string, string> = {
      'mikro-orm.config.cjs': `const path = require('node:path');\nmodule.exports = { clientUrl: ${js(url)}, entities: [], discovery: { warnWhenNoEntities: false }, migrations: { path: path.resolve(__dirname, 'migrations'), glob: '!(*.d).js'${options} }, extensions: [require('@mikro-orm/migrations').Migrator] };\n`,
      'migrate-up.cjs': driver('up'),
      'migrate-down.cjs': driver('down'),
    };
    migrations.forEach((spec, i) => {
      const name = `Migration${stamp(i)}`;
      const half = (method: 'up' | 'down') => `  async ${method}() {\n${halfStatements(spec, method).map((sql) => `    this.addSql(${js(sql)});`).join('\n')}\n  }\n`;
      const optOut = spec.optOut ? '  isTransactional() {\n    return false;\n  }\n' : '';
      files[this.fileOf(spec, i)] = `const { Migration } = require('@mikro-orm/migrations');\nclass ${name} extends Migration {\n${half('up')}${half('down')}${optOut}}\nexports.${name} = ${name};\n`;
    });
    return files;
  },
  up: (project) => run(process.execPath, ['migrate-up.cjs'], project),
  down: (project) => run(process.execPath, ['migrate-down.cjs'], project),
};


describeRunner('MikroORM', driver, [
  { name: 'each migration runs in a transaction', migrations: [{ id: 'm1' }], observed: { 'm1:up': 'wrapped', 'm1:down': 'wrapped' } },
  { name: 'isTransactional() false runs it without one when it is alone in the run', migrations: [{ id: 'm1', optOut: true }], observed: { 'm1:up': 'none', 'm1:down': 'none' } },
  // With allOrNothing (the default) the run's transaction stays open on another connection while the
  // non-transactional migration runs: its CONCURRENTLY waits for it and the run never ends.
  // The run is stopped after 15 s, so nothing of it is committed: m1 reads as rejected too.
  { name: 'allOrNothing: a non-transactional migration after another one hangs the run', migrations: [{ id: 'm1' }, { id: 'm2', optOut: true }], observed: { 'm1:up': 'rejected', 'm2:up': 'rejected' }, compare: ['m2:up'] },
  { name: 'allOrNothing: false runs it without a transaction', migrations: [{ id: 'm1' }, { id: 'm2', optOut: true }], settings: { allOrNothing: false }, observed: { 'm1:up': 'wrapped', 'm2:up': 'none', 'm2:down': 'none' } },
]);
