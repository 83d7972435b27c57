// The transaction defaults migsafe assumes for each TS/JS framework (README table) are read from the
// frameworks' own source, installed as dev dependencies: an upgrade that changes one fails here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

const source = (pkg: string, file: string) => readFileSync(path.join(repoRoot, 'node_modules', pkg, file), 'utf8');

describe('transaction defaults, as the frameworks implement them', () => {
  it('knex wraps each migration unless it exports config.transaction = false', () => {
    const migrator = source('knex', 'lib/migrations/migrate/Migrator.js');
    expect(migrator).toMatch(/const singleTransactionValue = get\(migrationContent, 'config\.transaction'\);/);
    expect(migrator).toMatch(/\? singleTransactionValue\s*: !allTransactionsDisabled;/);
  });

  it('TypeORM runs all pending migrations in a transaction unless a migration sets transaction', () => {
    const executor = source('typeorm', 'migration/MigrationExecutor.js');
    expect(executor).toMatch(/this\.transaction = "all"/);
    expect(executor).toMatch(/migration\.instance\?\.transaction === undefined/);
  });

  it('node-pg-migrate wraps in BEGIN/COMMIT unless pgm.noTransaction()', () => {
    const bundle = source('node-pg-migrate', 'dist/bundle/index.js');
    expect(bundle).toMatch(/noTransaction\(\) \{/);
    expect(bundle).toMatch(/sqlSteps\.unshift\("BEGIN;"\)/);
  });

  it('Kysely uses a transaction when the dialect supports transactional DDL, which PostgreSQL does', () => {
    expect(source('kysely', 'dist/esm/migration/migrator.js')).toMatch(/adapter\.supportsTransactionalDdl && !this\.#props\.disableTransactions/);
    expect(source('kysely', 'dist/esm/dialect/postgres/postgres-adapter.js')).toMatch(/get supportsTransactionalDdl\(\) \{\s*return true;/);
  });

  it('umzug (Sequelize migrations) opens no transaction', () => {
    expect(source('umzug', 'lib/umzug.js')).not.toMatch(/transaction/i);
  });

  it('MikroORM runs a migration in a transaction unless isTransactional() returns false', () => {
    expect(source('@mikro-orm/migrations', 'MigrationRunner.js')).toMatch(/!this\.options\.transactional \|\| !migration\.isTransactional\(\)/);
    expect(source('@mikro-orm/migrations', 'Migration.js')).toMatch(/isTransactional\(\) \{\s*return true;/);
  });

  it('db-migrate-pg starts each migration with BEGIN unless run non-transactionally', () => {
    expect(source('db-migrate-pg', 'index.js')).toMatch(/if \(!this\.internals\.notransactions\) \{\s*return this\.runSql\('BEGIN;'\)/);
  });
});
