// sequelize-cli (`db:migrate` / `db:migrate:undo`, umzug) against PostgreSQL, and migsafe's model.
import { describeRunner, halfStatements, js, node, stamp, type RunnerDriver } from '../../../test/runner-harness.js';

const driver: RunnerDriver = {
  migrationsDir: 'migrations',
  fileOf: (spec, i) => `migrations/${stamp(i)}-${spec.id}.js`,
  files(migrations) {
    const files: Record<string, string> = {};
    migrations.forEach((spec, i) => {
      const half = (name: 'up' | 'down') => `  async ${name}(queryInterface, Sequelize) {\n${halfStatements(spec, name).map((sql) => `    await queryInterface.sequelize.query(${js(sql)});`).join('\n')}\n  },\n`;
      files[this.fileOf(spec, i)] = `'use strict';\nmodule.exports = {\n${half('up')}${half('down')}};\n`;
    });
    return files;
  },
  up: (project, url) => node('sequelize-cli/lib/sequelize', ['db:migrate', '--url', url, '--migrations-path', 'migrations'], project),
  down: (project, url) => node('sequelize-cli/lib/sequelize', ['db:migrate:undo', '--url', url, '--migrations-path', 'migrations'], project),
};


describeRunner('Sequelize', driver, [
  { name: 'sequelize-cli opens no transaction: each query runs on its own', migrations: [{ id: 'm1' }, { id: 'm2', optOut: true }], observed: { 'm1:up': 'none', 'm2:up': 'none', 'm2:down': 'none' } },
]);
