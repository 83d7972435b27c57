// knex's Migrator, run by its CLI against PostgreSQL: which halves run in a transaction, and
// migsafe's model of the same files.
import { createRequire } from 'node:module';
import { fingerprintSync, loadModule } from 'libpg-query';
import { describe, expect, it } from 'vitest';
import { discover } from '../../discover/discover.js';
import { readDirectory } from '../../engine/lint-directories.js';
import { tempProject } from '../../../test/helpers.js';
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

// What knex's own schema compiler emits for a table callback, against the statements migsafe lowers
// the same callback to: each knex statement must be among migsafe's, compared by libpg-query's
// fingerprint (knex puts several ADD COLUMNs in one ALTER TABLE; migsafe one per column).
describe("knex's schema compiler", () => {
  it('a column with .references() gets its foreign key as a statement of its own, as knex compiles it', async () => {
    await loadModule();
    const callback = "(t) => { t.integer('team_id').references('id').inTable('teams').onDelete('CASCADE'); t.integer('owner_id').references('users.id'); t.index(['email'], 'users_email_index'); }";
    const require = createRequire(import.meta.url);
    const knex = require('knex')({ client: 'pg' });
    // eslint-disable-next-line no-new-func
    const compiled: string[] = knex.schema.alterTable('users', new Function(`return ${callback}`)()).toSQL().map((s: { sql: string }) => s.sql);
    const dir = tempProject({ 'migrations/20240101000001_teams.js': `exports.up = async (knex) => {\n  await knex.schema.alterTable('users', ${callback});\n};\nexports.down = async () => {};\n` });
    const directory = discover(['migrations'], { cwd: dir }).directories[0]!;
    const [migration] = readDirectory(directory, { cwd: dir, contents: {} }, new Map());
    const lowered = migration!.up.statements.map((s) => s.text);
    const fingerprints = new Set(lowered.map((sql) => fingerprintSync(sql)));
    const foreignKeys = compiled.filter((sql) => sql.includes('foreign key'));
    expect(foreignKeys).toHaveLength(2);
    for (const sql of compiled.filter((s) => !s.includes('add column'))) expect([sql, fingerprints.has(fingerprintSync(sql))]).toEqual([sql, true]);
    expect(lowered.filter((sql) => /ADD COLUMN/i.test(sql))).toHaveLength(2);
  });
});
