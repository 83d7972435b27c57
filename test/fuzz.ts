// The fuzz harness of test/fuzz.test.ts and `npm run fuzz`: seeded mutations of migrations in every
// source migsafe reads, each between sentinel migrations, linted and rendered by every reporter.
// What must hold for any input: no internal error or exception (exit 2 is for usage, config and
// migsafe's own faults, never for a file's content), and the sentinels (a statement before the
// mutated region in the same file, and the migrations before and after it) are always reported.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lintWith } from './helpers.js';
import { reporters } from '../src/report/index.js';

/** A small deterministic PRNG, so a failing case can be reproduced from its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Format {
  name: string;
  /** The migration files: before, the mutated one (sentinel, then `{{region}}`), after. */
  files(region: string): Record<string, string>;
  /** The file holding the mutated region. */
  mutated: string;
  /** The region's text before mutation (real migration code of this format). */
  region: string;
  /** 1-based line of the sentinel in the mutated file. */
  sentinelLine: number;
}

const SQL_REGION = `CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(12,2), note text DEFAULT 'it''s');
CREATE INDEX orders_total_idx ON orders (total);
ALTER TABLE orders ADD COLUMN placed_at timestamptz NOT NULL DEFAULT now();
DO $$ BEGIN UPDATE orders SET note = 'x' WHERE id = 1; END $$;
/* a comment; with a semicolon */ ALTER TABLE orders ALTER COLUMN note SET NOT NULL;`;

const sqlFile = (before: string, region: string) => `${before}\n${region}\n`;

const FORMATS: Format[] = [
  {
    name: 'golang-migrate',
    mutated: 'db/0002_orders.up.sql',
    sentinelLine: 1,
    region: SQL_REGION,
    files: (region) => ({
      'db/0001_before.up.sql': 'CREATE TABLE sentinel_t (a int);\nLOCK TABLE sentinel_t;\n',
      'db/0001_before.down.sql': 'DROP TABLE sentinel_t;\n',
      'db/0002_orders.up.sql': sqlFile('LOCK TABLE sentinel_t;', region),
      'db/0002_orders.down.sql': 'DROP TABLE orders;\n',
      'db/0003_after.up.sql': 'LOCK TABLE sentinel_t;\n',
      'db/0003_after.down.sql': 'SELECT 1;\n',
    }),
  },
  {
    name: 'goose',
    mutated: 'db/00002_orders.sql',
    sentinelLine: 2,
    region: `${SQL_REGION}\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- +goose StatementEnd\n-- +goose Down\nDROP TABLE orders;`,
    files: (region) => ({
      'db/00001_before.sql': '-- +goose Up\nCREATE TABLE sentinel_t (a int);\nLOCK TABLE sentinel_t;\n-- +goose Down\nDROP TABLE sentinel_t;\n',
      'db/00002_orders.sql': sqlFile('-- +goose Up\nLOCK TABLE sentinel_t;', region),
      'db/00003_after.sql': '-- +goose Up\nLOCK TABLE sentinel_t;\n-- +goose Down\nSELECT 1;\n',
    }),
  },
  {
    name: 'prisma',
    mutated: 'prisma/migrations/20240102000000_orders/migration.sql',
    sentinelLine: 1,
    region: SQL_REGION,
    files: (region) => ({
      'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
      'prisma/migrations/20240101000000_before/migration.sql': 'CREATE TABLE "sentinel_t" ("a" INTEGER);\nLOCK TABLE "sentinel_t";\n',
      'prisma/migrations/20240102000000_orders/migration.sql': sqlFile('LOCK TABLE "sentinel_t";', region),
      'prisma/migrations/20240103000000_after/migration.sql': 'LOCK TABLE "sentinel_t";\n',
    }),
  },
  {
    name: 'knex',
    mutated: 'migrations/20240102_orders.js',
    sentinelLine: 2,
    region: `  await knex.schema.createTable('orders', (t) => { t.bigIncrements('id'); t.decimal('total', 12, 2); t.text('note').defaultTo("it's"); });
  await knex.schema.alterTable('orders', (t) => { t.index(['total'], 'orders_total_idx'); t.timestamp('placed_at').notNullable(); });
  await knex.raw(\`UPDATE orders SET note = \${'x'} WHERE id = ?\`, [1]);
  const name = 'orders' + '_' + 'x';
  await knex.raw('ALTER TABLE ' + name + ' ALTER COLUMN note SET NOT NULL');
};
exports.down = async (knex) => {
  await knex.schema.dropTable('orders');
};`,
    files: (region) => ({
      'migrations/20240101_before.js': "exports.up = async (knex) => {\n  await knex.raw('CREATE TABLE sentinel_t (a int)');\n  await knex.raw('LOCK TABLE sentinel_t');\n};\nexports.down = async (knex) => knex.raw('DROP TABLE sentinel_t');\n",
      'migrations/20240102_orders.js': `exports.up = async (knex) => {\n  await knex.raw('LOCK TABLE sentinel_t');\n${region}\n`,
      'migrations/20240103_after.js': "exports.up = async (knex) => {\n  await knex.raw('LOCK TABLE sentinel_t');\n};\nexports.down = async (knex) => knex.raw('SELECT 1');\n",
    }),
  },
  {
    name: 'typeorm',
    mutated: 'src/migration/1700000000002-Orders.ts',
    sentinelLine: 4,
    region: `    await queryRunner.query(\`CREATE TABLE "orders" ("id" bigserial PRIMARY KEY, "total" numeric(12,2))\`);
    await queryRunner.createIndex("orders", new TableIndex({ name: "orders_total_idx", columnNames: ["total"] }));
    await queryRunner.addColumn("orders", new TableColumn({ name: "placed_at", type: "timestamptz", isNullable: false }));
  }
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`DROP TABLE "orders"\`);
  }
}`,
    files: (region) => ({
      'src/migration/1700000000001-Before.ts': 'import { MigrationInterface, QueryRunner } from "typeorm";\nexport class Before1700000000001 implements MigrationInterface {\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`CREATE TABLE "sentinel_t" ("a" int)`);\n    await queryRunner.query(`LOCK TABLE "sentinel_t"`);\n  }\n  public async down(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`DROP TABLE "sentinel_t"`);\n  }\n}\n',
      'src/migration/1700000000002-Orders.ts': `import { MigrationInterface, QueryRunner, TableIndex, TableColumn } from "typeorm";\nexport class Orders1700000000002 implements MigrationInterface {\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(\`LOCK TABLE "sentinel_t"\`);\n${region}\n`,
      'src/migration/1700000000003-After.ts': 'import { MigrationInterface, QueryRunner } from "typeorm";\nexport class After1700000000003 implements MigrationInterface {\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`LOCK TABLE "sentinel_t"`);\n  }\n  public async down(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(`SELECT 1`);\n  }\n}\n',
    }),
  },
  {
    name: 'node-pg-migrate',
    mutated: 'migrations/1700000000002_orders.js',
    sentinelLine: 2,
    region: `  pgm.createTable('orders', { id: 'id', total: { type: 'numeric(12,2)' }, note: { type: 'text', default: "it's" } });
  pgm.createIndex('orders', 'total');
  pgm.addColumns('orders', { placed_at: { type: 'timestamptz', notNull: true } });
  pgm.sql("UPDATE orders SET note = 'x'");
};
exports.down = (pgm) => {
  pgm.dropTable('orders');
};`,
    files: (region) => ({
      'migrations/1700000000001_before.js': "exports.up = (pgm) => {\n  pgm.sql('CREATE TABLE sentinel_t (a int)');\n  pgm.sql('LOCK TABLE sentinel_t');\n};\nexports.down = (pgm) => pgm.sql('DROP TABLE sentinel_t');\n",
      'migrations/1700000000002_orders.js': `exports.up = (pgm) => {\n  pgm.sql('LOCK TABLE sentinel_t');\n${region}\n`,
      'migrations/1700000000003_after.js': "exports.up = (pgm) => {\n  pgm.sql('LOCK TABLE sentinel_t');\n};\nexports.down = (pgm) => pgm.sql('SELECT 1');\n",
    }),
  },
  {
    name: 'kysely',
    mutated: 'migrations/2024_02_orders.ts',
    sentinelLine: 3,
    region: `  await db.schema.createTable('orders').addColumn('id', 'bigserial', (c) => c.primaryKey()).addColumn('total', 'numeric(12, 2)').execute();
  await db.schema.createIndex('orders_total_idx').on('orders').columns(['total']).execute();
  await sql\`UPDATE orders SET total = 0\`.execute(db);
}
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('orders').execute();
}`,
    files: (region) => ({
      'migrations/2024_01_before.ts': "import { Kysely, sql } from 'kysely';\nexport async function up(db: Kysely<any>): Promise<void> {\n  await sql`CREATE TABLE sentinel_t (a int)`.execute(db);\n  await sql`LOCK TABLE sentinel_t`.execute(db);\n}\nexport async function down(db: Kysely<any>): Promise<void> {\n  await sql`DROP TABLE sentinel_t`.execute(db);\n}\n",
      'migrations/2024_02_orders.ts': `import { Kysely, sql } from 'kysely';\nexport async function up(db: Kysely<any>): Promise<void> {\n  await sql\`LOCK TABLE sentinel_t\`.execute(db);\n${region}\n`,
      'migrations/2024_03_after.ts': "import { Kysely, sql } from 'kysely';\nexport async function up(db: Kysely<any>): Promise<void> {\n  await sql`LOCK TABLE sentinel_t`.execute(db);\n}\nexport async function down(db: Kysely<any>): Promise<void> {\n  await sql`SELECT 1`.execute(db);\n}\n",
    }),
  },
  {
    name: 'sequelize',
    mutated: 'migrations/20240102-orders.js',
    sentinelLine: 3,
    region: `    await queryInterface.createTable('orders', { id: { type: Sequelize.BIGINT, primaryKey: true }, total: { type: Sequelize.DECIMAL(12, 2) } });
    await queryInterface.addIndex('orders', ['total']);
    await queryInterface.addColumn('orders', 'placed_at', { type: Sequelize.DATE, allowNull: false });
  },
  async down(queryInterface) {
    await queryInterface.dropTable('orders');
  },
};`,
    files: (region) => ({
      'migrations/20240101-before.js': "module.exports = {\n  async up(queryInterface) {\n    await queryInterface.sequelize.query('CREATE TABLE sentinel_t (a int)');\n    await queryInterface.sequelize.query('LOCK TABLE sentinel_t');\n  },\n  async down(queryInterface) {\n    await queryInterface.sequelize.query('DROP TABLE sentinel_t');\n  },\n};\n",
      'migrations/20240102-orders.js': `module.exports = {\n  async up(queryInterface, Sequelize) {\n    await queryInterface.sequelize.query('LOCK TABLE sentinel_t');\n${region}\n`,
      'migrations/20240103-after.js': "module.exports = {\n  async up(queryInterface) {\n    await queryInterface.sequelize.query('LOCK TABLE sentinel_t');\n  },\n  async down(queryInterface) {\n    await queryInterface.sequelize.query('SELECT 1');\n  },\n};\n",
    }),
  },
  {
    name: 'alembic',
    mutated: 'alembic/versions/b2_orders.py',
    sentinelLine: 9,
    region: `    op.create_table("orders", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("total", sa.Numeric(12, 2)))
    op.create_index("orders_total_idx", "orders", ["total"])
    op.add_column("orders", sa.Column("placed_at", sa.DateTime(), nullable=False))
    op.execute("UPDATE orders SET total = 0")


def downgrade():
    op.drop_table("orders")`,
    files: (region) => ({
      'alembic/versions/a1_before.py': 'from alembic import op\n\nrevision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n    op.execute("CREATE TABLE sentinel_t (a int)")\n    op.execute("LOCK TABLE sentinel_t")\n\n\ndef downgrade():\n    op.execute("DROP TABLE sentinel_t")\n',
      'alembic/versions/b2_orders.py': `from alembic import op\nimport sqlalchemy as sa\n\nrevision = "b2"\ndown_revision = "a1"\n\n\ndef upgrade():\n    op.execute("LOCK TABLE sentinel_t")\n${region}\n`,
      'alembic/versions/c3_after.py': 'from alembic import op\n\nrevision = "c3"\ndown_revision = "b2"\n\n\ndef upgrade():\n    op.execute("LOCK TABLE sentinel_t")\n\n\ndef downgrade():\n    op.execute("SELECT 1")\n',
    }),
  },
];

const INSERTS = ["'", '"', '`', '$$', '$tag$', '/*', '*/', '--', '#', '(', ')', '[', ']', '{', '}', ';', '\u0000', 'é', '\r', '\r\n', '\\', '${', '"""', "'''", '\t', '\u2028', '\uFEFF', 'BEGIN;', 'COMMIT;', ' +goose Down', '-- migrate:down'];

/** One mutation of `text`, chosen and placed by `next`. */
export function mutate(text: string, next: () => number): string {
  const at = () => Math.floor(next() * (text.length + 1));
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]!;
  switch (Math.floor(next() * 11)) {
    case 0:
      return text.slice(0, at()); // truncated
    case 1: {
      const lines = text.split('\n');
      for (let i = lines.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      return lines.join('\n'); // shuffled lines
    }
    case 2: {
      let out = text;
      for (let n = 1 + Math.floor(next() * 4); n > 0; n--) {
        const i = Math.floor(next() * (out.length + 1));
        out = out.slice(0, i) + pick(INSERTS) + out.slice(i);
      }
      return out; // quotes, comments, brackets, control characters, markers inserted
    }
    case 3: {
      const words = text.split(/(\s+)/);
      for (let i = 0; i < words.length; i += 2) if (next() < 0.2) words[i] = words[Math.floor(next() * words.length)] ?? '';
      return words.join(''); // tokens swapped
    }
    case 4: {
      const a = at();
      const b = at();
      return text.slice(0, Math.min(a, b)) + text.slice(Math.max(a, b)); // a range deleted
    }
    case 5: {
      const a = at();
      const b = Math.min(text.length, a + Math.floor(next() * 200));
      return text.slice(0, b) + text.slice(a, b).repeat(1 + Math.floor(next() * 5)) + text.slice(b); // a range repeated
    }
    case 6: {
      const depth = 200 + Math.floor(next() * 3000);
      const open = pick(['(', '[', '{', '`${']);
      const close = { '(': ')', '[': ']', '{': '}', '`${': '}`' }[open]!;
      const i = at();
      return text.slice(0, i) + open.repeat(depth) + '1' + close.repeat(next() < 0.5 ? depth : Math.floor(depth / 2)) + text.slice(i); // nested deep
    }
    case 7: {
      const i = at();
      const quote = pick(["'", '"']);
      return text.slice(0, i) + Array.from({ length: 300 + Math.floor(next() * 2000) }, (_, k) => `${quote}s${k}${quote}`).join(' + ') + text.slice(i); // a long + chain
    }
    case 8:
      return text.replace(/\n/g, pick(['\r', '\r\n', '\n\r', '\u2028'])); // other line ends
    case 9: {
      const i = at();
      const bytes = Array.from({ length: 1 + Math.floor(next() * 8) }, () => String.fromCharCode(Math.floor(next() * 256))).join('');
      return text.slice(0, i) + bytes + text.slice(i); // random characters
    }
    default:
      return text.slice(0, at()) + '\n' + pick(INSERTS) + text.slice(at()); // a splice of itself
  }
}

export interface FuzzFailure {
  seed: number;
  format: string;
  problem: string;
  /** The case's files, kept for a look (under the OS temp folder). */
  dir?: string;
}

/** Lints one seeded case in `dir` and returns what broke, or null. */
export async function runCase(seed: number, root: string): Promise<FuzzFailure | null> {
  const next = random(seed);
  const format = FORMATS[Math.floor(next() * FORMATS.length)]!;
  let region = format.region;
  for (let n = 1 + Math.floor(next() * 3); n > 0; n--) region = mutate(region, next);
  const dir = mkdtempSync(path.join(root, `${format.name}-`));
  let keep = false;
  const fail = (problem: string): FuzzFailure => {
    keep = true;
    return { seed, format: format.name, problem, dir };
  };
  try {
    for (const [name, text] of Object.entries(format.files(region))) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    }
    let result;
    try {
      result = await lintWith({ paths: ['.'], cwd: dir });
    } catch (error) {
      return fail(`lint threw: ${(error as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
    }
    if (result.errors.length) return fail(`internal error: ${result.errors[0]!.split('\n')[0]}`);
    for (const [name, reporter] of Object.entries(reporters)) {
      try {
        reporter(result, { color: true, cwd: dir });
      } catch (error) {
        return fail(`reporter ${name} threw: ${(error as Error).message}`);
      }
    }
    const sentinels = new Set(result.diagnostics.filter((d) => d.ruleId === 'lock-table').map((d) => `${d.file}:${d.line}`));
    const withSentinel = Object.entries(format.files('')).filter(([, text]) => /LOCK TABLE/.test(text)).map(([name]) => name);
    const expected = [withSentinel[0]!, format.mutated, withSentinel[withSentinel.length - 1]!];
    // Code that TypeScript or Python cannot parse may have lost the function the sentinel is in
    // (its runner could not load it either): then that syntax error must be reported instead.
    // Likewise code nested too deeply to read: the file is reported as unanalysable instead.
    const hostSyntaxError = result.diagnostics.some(
      (d) => d.file === format.mutated && ((d.ruleId === 'syntax-error' && /^(TypeScript\/JavaScript|Python) cannot parse/.test(d.message)) || (d.ruleId === 'unanalyzable-statement' && /nested/.test(d.message))),
    );
    for (const file of expected) {
      const line = file === format.mutated ? format.sentinelLine : null;
      const found = [...sentinels].some((s) => s.startsWith(`${file}:`) && (line === null || s === `${file}:${line}`));
      if (!found && !(line !== null && hostSyntaxError)) return fail(`the sentinel of ${file}${line ? ` (line ${line})` : ''} was not reported`);
    }
    return null;
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs cases from `firstSeed` on until `budgetMs` has passed or `maxCases` ran; stops at the first failure. */
export async function fuzz(firstSeed: number, budgetMs: number, maxCases = Infinity, onCase?: (seed: number) => void): Promise<{ cases: number; failure: FuzzFailure | null; slowestMs: number }> {
  const root = mkdtempSync(path.join(tmpdir(), 'migsafe-fuzz-'));
  let failed = false;
  const started = Date.now();
  let cases = 0;
  let slowestMs = 0;
  try {
    for (let seed = firstSeed; cases < maxCases && Date.now() - started < budgetMs; seed++) {
      onCase?.(seed);
      const caseStarted = Date.now();
      const failure = await runCase(seed, root);
      slowestMs = Math.max(slowestMs, Date.now() - caseStarted);
      cases++;
      if (failure) {
        failed = true;
        return { cases, failure, slowestMs };
      }
    }
    return { cases, failure: null, slowestMs };
  } finally {
    if (!failed) rmSync(root, { recursive: true, force: true });
  }
}
