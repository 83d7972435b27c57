// Alembic (Debian's python3-alembic, with psycopg2) against PostgreSQL, with the env.py its
// templates generate; and migsafe's model of the same revisions.
import { spawnSync } from 'node:child_process';
import { describeRunner, halfStatements, js, run, type RunnerDriver } from '../runner-harness.js';

const installed = spawnSync('/usr/bin/python3', ['-c', 'import alembic, psycopg2'], { encoding: 'utf8' }).status === 0;

/** Alembic (Debian's python3-alembic), with the env.py its templates generate, reduced to online mode. */
const alembic: RunnerDriver = {
  kind: 'python',
  migrationsDir: 'alembic/versions',
  fileOf: (spec, i) => `alembic/versions/000${i}_${spec.id}.py`,
  files(migrations, url, settings) {
    const options = [
      ...(settings.transactionPerMigration ? ['transaction_per_migration=True'] : []),
      ...(settings.transactionalDdl === false ? ['transactional_ddl=False'] : []),
    ];
    const files: Record<string, string> = {
      'alembic.ini': `[alembic]\nscript_location = alembic\nsqlalchemy.url = ${url.replace(/^postgres:/, 'postgresql:')}\n`,
      'alembic/env.py': `from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def run_migrations_online():
    connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=None${options.map((o) => `, ${o}`).join('')})
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
`,
    };
    migrations.forEach((spec, i) => {
      const half = (name: 'upgrade' | 'downgrade', statements: string[]) =>
        `def ${name}():\n${statements.map((sql) => (/CONCURRENTLY/.test(sql) ? `    with op.get_context().autocommit_block():\n        op.execute(${js(sql)})` : `    op.execute(${js(sql)})`)).join('\n')}\n`;
      files[this.fileOf(spec, i)] = `from alembic import op\n\nrevision = ${js(`r${i}`)}\ndown_revision = ${i ? js(`r${i - 1}`) : 'None'}\n\n\n${half('upgrade', halfStatements(spec, 'up'))}\n\n${half('downgrade', halfStatements(spec, 'down'))}`;
    });
    return files;
  },
  up: (project) => run('/usr/bin/python3', ['-m', 'alembic.config', 'upgrade', 'head'], project),
  down: (project) => run('/usr/bin/python3', ['-m', 'alembic.config', 'downgrade', '-1'], project),
};

describeRunner(
  'Alembic',
  alembic,
  [
    { name: 'migrations run in a transaction; autocommit_block runs its statements outside it', migrations: [{ id: 'm1' }, { id: 'm2', optOut: true }], observed: { 'm1:up': 'wrapped', 'm2:up': 'none', 'm2:down': 'none' } },
    // transactional_ddl=False stops Alembic's own BEGIN, but psycopg2 opens a transaction at the first statement.
    { name: 'transactional_ddl=False in env.py still runs a migration in one transaction', migrations: [{ id: 'm1' }], settings: { transactionalDdl: false }, observed: { 'm1:up': 'wrapped', 'm1:down': 'wrapped' } },
  ],
  installed ? null : "Debian's python3-alembic and python3-psycopg2 are not installed (.ci/run installs them)",
);
