// TypeORM's CLI (`typeorm migration:run` / `migration:revert`) against PostgreSQL, in each
// migrationsTransactionMode, and migsafe's model of the same files with the same DataSource.
import { describeRunner, halfStatements, js, node, type RunnerDriver } from '../../../test/runner-harness.js';

const driver: RunnerDriver = {
  migrationsDir: 'migrations',
  fileOf: (spec, i) => `migrations/170000000000${i}-${spec.id}.js`,
  files(migrations, url, settings) {
    const mode = settings.migrationsTransactionMode ? `, migrationsTransactionMode: ${js(String(settings.migrationsTransactionMode))}` : '';
    const files: Record<string, string> = {
      'data-source.cjs': `const { DataSource } = require('typeorm');\nmodule.exports = new DataSource({ type: 'postgres', url: ${js(url)}, migrations: [__dirname + '/migrations/*.js']${mode} });\n`,
    };
    migrations.forEach((spec, i) => {
      const name = `${spec.id[0]!.toUpperCase()}${spec.id.slice(1)}170000000000${i}`;
      const half = (method: 'up' | 'down') => `  async ${method}(queryRunner) {\n${halfStatements(spec, method).map((sql) => `    await queryRunner.query(${js(sql)});`).join('\n')}\n  }\n`;
      const transaction = spec.optOut ? '  transaction = false;\n' : spec.optIn ? '  transaction = true;\n' : '';
      files[this.fileOf(spec, i)] = `exports.${name} = class ${name} {\n  name = ${js(name)};\n${transaction}${half('up')}${half('down')}};\n`;
    });
    return files;
  },
  up: (project) => node('typeorm/cli.js', ['migration:run', '-d', 'data-source.cjs'], project),
  down: (project) => node('typeorm/cli.js', ['migration:revert', '-d', 'data-source.cjs'], project),
};


describeRunner('TypeORM', driver, [
  { name: 'mode "all" (the default) runs every migration in one transaction', migrations: [{ id: 'm1' }, { id: 'm2' }], observed: { 'm1:up': 'wrapped', 'm2:up': 'wrapped', 'm2:down': 'wrapped' } },
  { name: 'mode "all" refuses a migration that sets `transaction = false`', migrations: [{ id: 'm1', optOut: true }], observed: { 'm1:up': 'rejected' } },
  { name: 'mode "all" refuses a migration that sets `transaction = true` too', migrations: [{ id: 'm1', optIn: true }], observed: { 'm1:up': 'rejected' } },
  { name: 'mode "each": `transaction = false` runs up without one, but the revert runs in one', migrations: [{ id: 'm1' }, { id: 'm2', optOut: true }], settings: { migrationsTransactionMode: 'each' }, observed: { 'm1:up': 'wrapped', 'm2:up': 'none', 'm2:down': 'wrapped' } },
  { name: 'mode "none": no transaction unless `transaction = true`, which does not hold for the revert', migrations: [{ id: 'm1' }, { id: 'm2', optIn: true }], settings: { migrationsTransactionMode: 'none' }, observed: { 'm1:up': 'none', 'm2:up': 'wrapped', 'm2:down': 'none' } },
  { name: 'mode "none": a revert of an opted-out migration runs without one', migrations: [{ id: 'm1', optOut: true }], settings: { migrationsTransactionMode: 'none' }, observed: { 'm1:up': 'none', 'm1:down': 'none' } },
]);
