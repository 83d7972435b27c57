// db-migrate (db-migrate-pg): `exports.up = (db) => db.runSql(...)`, read by the raw-SQL walker; its
// runner opens a transaction around each migration unless run with --non-transactional.
// https://db-migrate.readthedocs.io/en/latest/Getting%20Started/commands/
import { verdict, type ScriptFramework } from './framework.js';

export const dbMigrate: ScriptFramework = {
  name: 'db-migrate',
  recognise: (migration, param) => !!param && new RegExp(`\\b${param}\\.runSql\\(`).test(migration.text),
  settings(project) {
    const flag = project.scripts().some((script) => /\bdb-migrate\b[^&|;]*--non-transactional\b/.test(script));
    return { nonTransactional: flag, ...project.override('db-migrate') };
  },
  runs: (_migration, _half, settings) =>
    verdict(!settings.nonTransactional, 'db-migrate runs each migration in a transaction', 'run that migration with `db-migrate up --non-transactional` (db-migrate has no per-migration opt-out)'),
};
