import { defineRule } from '../src/engine/rule.js';

const typeormMigration = (transaction: string) => `import { MigrationInterface, QueryRunner } from "typeorm";

export class AddEmailIndex1700000000000 implements MigrationInterface {
${transaction}  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email")\`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`DROP INDEX "users_email_idx"\`);
  }
}
`;

export default defineRule({
  id: 'transaction-opt-out-rejected',
  severity: 'error',
  docs: {
    summary: "A migration opts out of its runner's transaction in a mode where the runner refuses it, or never finishes it.",
    why: `Each framework has its own way for a migration to run outside a transaction, and its own mode
in which that way is refused. Observed by running each framework's migrator against PostgreSQL
(the runner tests in \`src/sources/frameworks/\`):

- **TypeORM**: \`migrationsTransactionMode\` is \`"all"\` by default. Then a pending migration that
  sets \`transaction\` (to false *or* true) makes \`typeorm migration:run\` throw
  \`ForbiddenTransactionModeOverrideError\`, and no migration runs at all.
- **MikroORM**: with \`allOrNothing\` (its default), \`migration:up\` keeps one transaction open for
  the whole run and runs a migration whose \`isTransactional()\` returns false on another
  connection. After any other migration in the same run, a CONCURRENTLY statement there waits for
  that open transaction, which waits for it: the run hangs.

Linting such a migration as "outside a transaction" would call it safe while it never deploys.
(TypeORM: https://typeorm.io/docs/migrations/executing; MikroORM: https://mikro-orm.io/docs/migrations.)`,
    safe: `Set the runner's mode that allows the opt-out, where the runner reads it:

~~~ts
// TypeORM DataSource
export default new DataSource({ ..., migrationsTransactionMode: "each" });
// MikroORM config
export default defineConfig({ ..., migrations: { allOrNothing: false } });
~~~

migsafe reads these from the DataSource or MikroORM config file (and \`typeorm migration:run -t each\`
in package.json scripts). Where the mode is set somewhere it does not read, tell it in
\`migsafe.config.json\`: \`{ "runners": { "typeorm": { "migrationsTransactionMode": "each" } } }\`.`,
    sources: ['https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY', 'https://www.postgresql.org/docs/current/tutorial-transactions.html'],
    examples: {
      invalid: [{ files: { '1700000000000-AddEmailIndex.ts': typeormMigration('  transaction = false as const;\n\n') } }],
      valid: [
        {
          files: {
            'data-source.ts': 'import { DataSource } from "typeorm";\n\nexport default new DataSource({ type: "postgres", migrations: ["migrations/*.ts"], migrationsTransactionMode: "each" });\n',
            '1700000000000-AddEmailIndex.ts': typeormMigration('  transaction = false as const;\n\n'),
          },
        },
        { files: { '1700000000000-AddEmailIndex.ts': typeormMigration('').replace('CREATE INDEX CONCURRENTLY', 'CREATE INDEX') } },
      ],
    },
  },
  messages: {
    rejected: { message: '{{message}}', help: '{{fix}}' },
  },
  create: () => ({}),
  checkDirectory(migrations, context) {
    migrations.forEach((migration, index) => {
      const rejection = migration.runnerRejects;
      // The directory's first migration never has another one before it in the same run.
      if (!rejection || (rejection.afterOthersOnly && index === 0)) return;
      context.report({ messageId: 'rejected', data: { message: rejection.message, fix: rejection.fix }, at: rejection.at, section: 'up', migration });
    });
  },
});
