// db-migrate (db-migrate-pg): `exports.up = (db) => db.runSql(...)`, read by the raw-SQL walker; its
// runner opens a transaction around each migration unless run with --non-transactional.
// https://db-migrate.readthedocs.io/en/latest/Getting%20Started/commands/
import { verdict, type ScriptFramework } from './framework.js';
import { scriptEditor, scriptMigration, scriptStyle } from '../../fix/script-editor.js';
import { numberedFiles } from '../../fix/writer.js';

export const dbMigrate: ScriptFramework = {
  name: 'db-migrate',
  recognise: (migration, param) => !!param && new RegExp(`\\b${param}\\.runSql\\(`).test(migration.text),
  settings(project) {
    const flag = project.scripts().some((script) => /\bdb-migrate\b[^&|;]*--non-transactional\b/.test(script));
    return { nonTransactional: flag, ...project.override('db-migrate') };
  },
  runs: (_migration, _half, settings) =>
    verdict(!settings.nonTransactional, 'db-migrate runs each migration in a transaction', 'run that migration with `db-migrate up --non-transactional` (db-migrate has no per-migration opt-out)'),
  writer: {
    // Outside a transaction only where the whole run is (--non-transactional): there each call runs on its own.
    outsideTransaction: 'marker',
    editor: scriptEditor((param, sql) => `${param}.runSql(${sql})`),
    create(after, next, migrations) {
      if (migrations.some((m) => m.outsideTransaction || m.downOutsideTransaction) && after.up.transaction !== 'none') {
        return { error: `db-migrate runs each migration in a transaction: ${after.up.runner?.outsideTransaction ?? 'run it with --non-transactional'}` };
      }
      const style = scriptStyle(after.up.files[0]!, /\bDbMigrateBase\b/);
      return numberedFiles(after, next, migrations, (version, m) => ({
        [`${version}-${m.name.replace(/_/g, '-')}${style.extension}`]: scriptMigration(style, m, { typeImport: '', param: 'db', paramType: 'any', async: true, call: (sql) => `await db.runSql(${sql});` }),
      }));
    },
    optOut: (migration) => (migration.up.transaction === 'none' ? [] : null),
  },
};
