// node-pg-migrate's CLI against PostgreSQL (JS migrations), and migsafe's model of the same files.
import path from 'node:path';
import { describeRunner, halfStatements, js, packageFile, run, type RunnerDriver } from '../../../test/runner-harness.js';

const driver: RunnerDriver = {
  migrationsDir: 'migrations',
  fileOf: (spec, i) => `migrations/170000000000${i}_${spec.id}.js`,
  files(migrations) {
    const files: Record<string, string> = {};
    migrations.forEach((spec, i) => {
      const half = (name: 'up' | 'down') =>
        `exports.${name} = (pgm) => {\n${spec.optOut ? '  pgm.noTransaction();\n' : ''}${halfStatements(spec, name).map((sql) => `  pgm.sql(${js(sql)});`).join('\n')}\n};\n`;
      files[this.fileOf(spec, i)] = `${half('up')}${half('down')}`;
    });
    return files;
  },
  up: (project, url) => run(process.execPath, [path.join(path.dirname(packageFile('node-pg-migrate/package.json')), 'bin/node-pg-migrate.js'), 'up', '-m', 'migrations'], project, { DATABASE_URL: url }),
  down: (project, url) => run(process.execPath, [path.join(path.dirname(packageFile('node-pg-migrate/package.json')), 'bin/node-pg-migrate.js'), 'down', '-m', 'migrations'], project, { DATABASE_URL: url }),
};


describeRunner('node-pg-migrate', driver, [
  { name: 'a migration runs in a transaction; pgm.noTransaction() runs it without', migrations: [{ id: 'm1' }, { id: 'm2', optOut: true }], observed: { 'm1:up': 'wrapped', 'm2:up': 'none', 'm2:down': 'none' } },
]);
