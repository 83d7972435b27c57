// migsafe fix: for each fixable rule and each layout fix writes, a directory with a committed
// migration and an uncommitted one is fixed; the result is proved by fix itself (lint, verify and
// trace on PGlite), checked again here by lint, left alone by a second run, and (dbmate) applied
// up → down → up by the real runner against PostgreSQL. --dry-run writes nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fix, type FixOutcome } from '../src/fix/fix.js';
import { lint } from '../src/engine/lint.js';
import { sqlOf } from '../src/engine/rewrite.js';
import { atlasSum } from '../src/sources/atlas.js';
import { loadModule, parseSync } from 'libpg-query';
import { openPglite, type Database } from '../src/trace/database.js';
import { repoRoot, runCli, SERVER_URL, tempProject } from './helpers.js';
import { dbmateBin, installDbmate, packageFile, run, serverAvailable } from './runner-harness.js';

const INIT_UP = [
  'CREATE TABLE users (id bigint PRIMARY KEY, email text, name text)',
  // Rows for a backfill to fill (2,500: three batches of 1,000).
  "INSERT INTO users SELECT g, 'user' || g || '@example.com', 'user ' || g FROM generate_series(1, 2500) g",
  'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total int)',
  'CREATE INDEX orders_total_idx ON orders (total)',
  'CREATE TABLE events (id bigint, kind text) PARTITION BY LIST (kind)',
  "CREATE TABLE events_a PARTITION OF events FOR VALUES IN ('a')",
  'CREATE MATERIALIZED VIEW user_emails AS SELECT id, email FROM users',
  // A table without a primary key yet, with rows.
  'CREATE TABLE labels (id bigint, name text)',
  "INSERT INTO labels SELECT g, 'label ' || g FROM generate_series(1, 100) g",
  'CREATE UNIQUE INDEX user_emails_id ON user_emails (id)',
];
const INIT_DOWN = ['DROP TABLE labels', 'DROP MATERIALIZED VIEW user_emails', 'DROP TABLE events', 'DROP TABLE orders', 'DROP TABLE users'];

/** Every migration under test starts with these, so that what fix moves out leaves something behind. */
const LEADING_UP = ["SET lock_timeout = '5s'", 'ALTER TABLE users ADD COLUMN note text'];
const LEADING_DOWN = ["SET lock_timeout = '5s'", 'ALTER TABLE users DROP COLUMN note'];

interface Scenario {
  name: string;
  rule: string;
  up: string[];
  down: string[];
}

const SCENARIOS: Scenario[] = [
  { name: 'CREATE INDEX', rule: 'require-concurrent-index', up: ['CREATE INDEX users_email_idx ON users (email)'], down: ['DROP INDEX users_email_idx'] },
  { name: 'DROP INDEX', rule: 'require-concurrent-index-drop', up: ['DROP INDEX orders_total_idx'], down: ['CREATE INDEX orders_total_idx ON orders (total)'] },
  { name: 'FOREIGN KEY', rule: 'constraint-without-not-valid', up: ['ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE'], down: ['ALTER TABLE orders DROP CONSTRAINT orders_user_fk'] },
  { name: 'CHECK', rule: 'constraint-without-not-valid', up: ['ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0)'], down: ['ALTER TABLE orders DROP CONSTRAINT orders_total_check'] },
  { name: 'SET NOT NULL', rule: 'set-not-null-scan', up: ['ALTER TABLE users ALTER COLUMN name SET NOT NULL'], down: ['ALTER TABLE users ALTER COLUMN name DROP NOT NULL'] },
  { name: 'UNIQUE', rule: 'constraint-builds-index', up: ['ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)'], down: ['ALTER TABLE users DROP CONSTRAINT users_email_key'] },
  { name: 'PRIMARY KEY', rule: 'constraint-builds-index', up: ['ALTER TABLE labels ADD CONSTRAINT labels_pkey PRIMARY KEY (id)'], down: ['ALTER TABLE labels DROP CONSTRAINT labels_pkey'] },
  {
    name: 'VALIDATE in the same transaction',
    rule: 'validate-in-same-transaction',
    up: ['ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID', 'ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check'],
    down: ['ALTER TABLE orders DROP CONSTRAINT orders_total_check'],
  },
  { name: 'DETACH PARTITION', rule: 'require-concurrent-detach', up: ['ALTER TABLE events DETACH PARTITION events_a'], down: ["ALTER TABLE events ATTACH PARTITION events_a FOR VALUES IN ('a')"] },
  {
    name: 'ADD COLUMN with a volatile default',
    rule: 'add-column-rewrite',
    up: ['ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()'],
    down: ['ALTER TABLE users DROP COLUMN token'],
  },
  { name: 'REFRESH MATERIALIZED VIEW', rule: 'require-concurrent-refresh', up: ['REFRESH MATERIALIZED VIEW user_emails'], down: [] },
  { name: 'REINDEX', rule: 'require-concurrent-reindex', up: ['REINDEX INDEX orders_total_idx'], down: [] },
  { name: 'a down that leaves a column behind', rule: 'incomplete-down', up: ['CREATE TABLE tags (id int)', 'ALTER TABLE users ADD COLUMN bio text'], down: ['DROP TABLE tags'] },
];

interface Layout {
  name: string;
  /** The files of migration number `n` (1-based). */
  files(n: number, up: string[], down: string[]): Record<string, string>;
  /** Scenarios this runner cannot fix: the reason fix gives. */
  cannot?: Record<string, RegExp>;
  /** Files of the project besides its migrations (a runner's config), committed with the first. */
  project?: Record<string, string>;
  /** Scenarios whose rule does not apply to this layout. */
  skip?: string[];
  /** Findings fix leaves in what it writes for a scenario, and why. */
  leaves?: Record<string, { ruleId: string; reason: RegExp }[]>;
}

/** The scenarios whose rewrite has a step outside a transaction. */
const OUTSIDE_TRANSACTION = ['require-concurrent-index', 'require-concurrent-index-drop', 'constraint-builds-index', 'require-concurrent-detach', 'require-concurrent-reindex', 'add-column-rewrite'];

const sql = (statements: string[]) => statements.map((s) => `${s};\n`).join('');

function typeormDataSource(url: string, mode: string): string {
  return `const { DataSource } = require('typeorm');\nmodule.exports = new DataSource({ type: 'postgres', url: ${JSON.stringify(url)}, migrations: [__dirname + '/db/*.js'], migrationsTransactionMode: '${mode}' });\n`;
}

function typeormFiles(n: number, up: string[], down: string[]): Record<string, string> {
  const name = `Change170000000000${n}`;
  const half = (method: string, statements: string[]) => `  async ${method}(queryRunner) {\n${statements.map((s) => `    await queryRunner.query(${JSON.stringify(s)});\n`).join('')}  }\n`;
  return { [`db/170000000000${n}-Change.js`]: `exports.${name} = class ${name} {\n  name = '${name}';\n\n${half('up', up)}\n${half('down', down)}};\n` };
}
const LAYOUTS: Layout[] = [
  {
    name: 'golang-migrate',
    files: (n, up, down) => ({ [`db/00000${n}_change.up.sql`]: sql(up), [`db/00000${n}_change.down.sql`]: sql(down) }),
    cannot: { 'constraint-builds-index': /sends a file as one query/ },
    leaves: { 'require-concurrent-detach': [{ ruleId: 'require-lock-timeout', reason: /ALTER ROLE/ }] },
  },
  { name: 'goose', files: (n, up, down) => ({ [`db/0000${n}_change.sql`]: `-- +goose Up\n${sql(up)}\n-- +goose Down\n${sql(down)}` }) },
  {
    name: 'dbmate',
    files: (n, up, down) => ({ [`db/2024010100000${n}_change.sql`]: `-- migrate:up\n${sql(up)}\n-- migrate:down\n${sql(down)}` }),
    cannot: { 'constraint-builds-index': /sends a file as one query/ },
    leaves: { 'require-concurrent-detach': [{ ruleId: 'require-lock-timeout', reason: /ALTER ROLE/ }] },
  },
  {
    name: 'prisma',
    files: (n, up) => ({ [`db/2024010100000${n}_change/migration.sql`]: sql(up) }),
    // Prisma has no down migrations.
    skip: ['incomplete-down'],
    leaves: { 'require-concurrent-detach': [{ ruleId: 'require-lock-timeout', reason: /ALTER ROLE/ }] },
  },
  {
    name: 'flyway',
    files: (n, up, down) => ({ [`db/V${n}__change.sql`]: sql(up), [`db/U${n}__change.sql`]: sql(down) }),
    cannot: { 'constraint-builds-index': /sends a file as one query/ },
    leaves: { 'require-concurrent-detach': [{ ruleId: 'require-lock-timeout', reason: /ALTER ROLE/ }] },
  },
  {
    name: 'node-pg-migrate',
    files: (n, up, down) => ({ [`db/170000000000${n}_change.sql`]: `-- Up Migration\n${sql(up)}\n-- Down Migration\n${sql(down)}` }),
    cannot: Object.fromEntries(OUTSIDE_TRANSACTION.map((rule) => [rule, /pgm\.noTransaction/])),
  },
  {
    name: 'plain SQL',
    files: (n, up) => ({ [`db/00${n}_change.sql`]: sql(up) }),
    // No down migrations, and no transaction unless the file says BEGIN.
    skip: ['incomplete-down', 'validate-in-same-transaction'],
  },
  {
    name: 'drizzle',
    files: (n, up) => ({
      'db/meta/_journal.json': JSON.stringify({ version: '7', dialect: 'postgresql', entries: Array.from({ length: n }, (_, i) => ({ idx: i, version: '7', when: 1700000000000 + i, tag: `000${i + 1}_change`, breakpoints: true })) }, null, 2),
      [`db/000${n}_change.sql`]: up.join(';\n--> statement-breakpoint\n') + ';\n',
    }),
    skip: ['incomplete-down'],
    // Every pending migration runs in one transaction: nothing later, nothing outside.
    // Every pending migration runs in one transaction: nothing later, nothing outside; a REFRESH
    // made CONCURRENTLY stays where it is.
    cannot: Object.fromEntries(SCENARIOS.filter((s) => s.rule !== 'require-concurrent-refresh').map((s) => [s.rule, /one transaction/])),
  },
  {
    name: 'knex',
    files: (n, up, down) => {
      const half = (name: string, statements: string[]) => `exports.${name} = async function (knex) {\n${statements.map((s) => `  await knex.raw(${JSON.stringify(s)});\n`).join('')}};\n`;
      return { [`db/2024010100000${n}_change.js`]: `${half('up', up)}\n${half('down', down)}` };
    },
  },
  {
    name: 'node-pg-migrate (JS)',
    files: (n, up, down) => {
      const half = (name: string, statements: string[]) => `exports.${name} = (pgm) => {\n${statements.map((s) => `  pgm.sql(${JSON.stringify(s)});\n`).join('')}};\n`;
      return { [`db/170000000000${n}_change.js`]: `${half('up', up)}\n${half('down', down)}` };
    },
  },
  {
    name: 'typeorm (mode "each")',
    project: { 'data-source.cjs': typeormDataSource('postgres://localhost/unused', 'each') },
    files: typeormFiles,
    // TypeORM reverts in a transaction in mode "each": the down that rebuilds a dropped index cannot be concurrent.
    leaves: { 'require-concurrent-index-drop': [{ ruleId: 'require-concurrent-index', reason: /migration:revert -t none/ }] },
  },
  {
    name: 'typeorm (mode "all", its default)',
    files: typeormFiles,
    cannot: Object.fromEntries(OUTSIDE_TRANSACTION.map((rule) => [rule, /migrationsTransactionMode "all"/])),
  },
  {
    name: 'alembic',
    files: (n, up, down) => {
      const half = (name: string, statements: string[]) => `def ${name}():\n${statements.map((s) => `    op.execute(${JSON.stringify(s)})\n`).join('')}`;
      return { [`db/000${n}_change.py`]: `from alembic import op\n\nrevision = "r${n}"\ndown_revision = ${n > 1 ? `"r${n - 1}"` : 'None'}\n\n\n${half('upgrade', up)}\n\n${half('downgrade', down)}` };
    },
  },
  {
    name: 'sequelize',
    files: (n, up, down) => {
      const half = (name: string, statements: string[]) => `  async ${name}(queryInterface, Sequelize) {\n${statements.map((s) => `    await queryInterface.sequelize.query(${JSON.stringify(s)});\n`).join('')}  },\n`;
      return { [`db/2024010100000${n}-change.js`]: `'use strict';\nmodule.exports = {\n${half('up', up)}${half('down', down)}};\n` };
    },
    // sequelize-cli opens no transaction: nothing to VALIDATE apart from.
    skip: ['validate-in-same-transaction'],
  },
  {
    name: 'kysely',
    files: (n, up, down) => {
      const half = (name: string, statements: string[]) => `exports.${name} = async function (db) {\n${statements.map((s) => `  await sql.raw(${JSON.stringify(s)}).execute(db);\n`).join('')}};\n`;
      return { [`db/2024010100000${n}_change.js`]: `const { sql } = require('kysely');\n\n${half('up', up)}\n${half('down', down)}` };
    },
    cannot: Object.fromEntries(OUTSIDE_TRANSACTION.map((rule) => [rule, /Kysely's Migrator runs each migration in a transaction/])),
  },
  {
    name: 'mikroorm',
    files: (n, up, down) => {
      const name = `Migration2024010100000${n}`;
      const half = (method: string, statements: string[]) => `  async ${method}() {\n${statements.map((s) => `    this.addSql(${JSON.stringify(s)});\n`).join('')}  }\n`;
      return { [`db/${name}.js`]: `const { Migration } = require('@mikro-orm/migrations');\n\nclass ${name} extends Migration {\n${half('up', up)}\n${half('down', down)}}\nexports.${name} = ${name};\n` };
    },
    cannot: Object.fromEntries(OUTSIDE_TRANSACTION.map((rule) => [rule, /allOrNothing/])),
  },
  {
    name: 'db-migrate',
    files: (n, up, down) => {
      const half = (name: string, statements: string[]) => `exports.${name} = async function (db) {\n${statements.map((s) => `  await db.runSql(${JSON.stringify(s)});\n`).join('')}};\n`;
      return { [`db/2024010100000${n}-change.js`]: `${half('up', up)}\n${half('down', down)}` };
    },
    cannot: Object.fromEntries(OUTSIDE_TRANSACTION.map((rule) => [rule, /db-migrate runs each migration in a transaction/])),
  },
  {
    name: 'atlas',
    // atlas.sum as `atlas migrate hash` leaves it for the deployed migration; fix keeps it in step.
    project: { 'db/atlas.sum': atlasSum([{ name: '20240101000001_change.sql', text: sql(INIT_UP) }]) },
    files: (n, up) => ({ [`db/2024010100000${n}_change.sql`]: sql(up) }),
    skip: ['incomplete-down'],
  },
  {
    name: 'sqitch',
    project: { 'db/sqitch.conf': '[core]\n\tengine = pg\n' },
    files: (n, up, down) => {
      const plan = Array.from({ length: n }, (_, i) => `change${i + 1} 2024-01-0${i + 1}T00:00:00Z Dev <dev@example.com> # change ${i + 1}\n`).join('');
      return {
        'db/sqitch.plan': `%syntax-version=1.0.0\n%project=app\n\n${plan}`,
        [`db/deploy/change${n}.sql`]: `-- Deploy change${n}\nBEGIN;\n\n${sql(up)}\nCOMMIT;\n`,
        [`db/revert/change${n}.sql`]: `-- Revert change${n}\nBEGIN;\n\n${sql(down)}\nCOMMIT;\n`,
      };
    },
  },
  {
    name: 'diesel',
    files: (n, up, down) => ({ [`db/2024-01-01-00000${n}_change/up.sql`]: sql(up), [`db/2024-01-01-00000${n}_change/down.sql`]: sql(down) }),
    cannot: { 'constraint-builds-index': /sends a file as one query/ },
    leaves: { 'require-concurrent-detach': [{ ruleId: 'require-lock-timeout', reason: /ALTER ROLE/ }] },
  },
];

const git = (dir: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir, stdio: 'pipe' });

/** A project whose first migration is committed (deployed) and whose second is not. */
function project(layout: Layout, up: string[], down: string[]): string {
  const dir = tempProject({ ...layout.project, ...layout.files(1, INIT_UP, INIT_DOWN) }, 'migsafe-fix-');
  git(dir, 'init', '-q');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'deployed');
  for (const [name, text] of Object.entries(layout.files(2, up, down))) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** Every file under db/, with its text. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(path.join(dir, 'db'));
  return out;
}

let database: Database;
beforeAll(async () => {
  await loadModule();
  database = await openPglite();
});
afterAll(async () => {
  await database?.close();
});

const FIXABLE = new Set(['add-column-rewrite', 'require-concurrent-refresh', 'require-concurrent-reindex', 'require-concurrent-index', 'require-concurrent-index-drop', 'constraint-without-not-valid', 'set-not-null-scan', 'constraint-builds-index', 'validate-in-same-transaction', 'require-concurrent-detach', 'incomplete-down', 'require-lock-timeout']);

async function fixed(dir: string, options: { dryRun?: boolean; paths?: string[] } = {}): Promise<FixOutcome> {
  return fix({ paths: options.paths ?? ['db'], cwd: dir, dryRun: options.dryRun, database });
}

for (const layout of LAYOUTS) {
  describe(`migsafe fix on ${layout.name}`, () => {
    for (const scenario of SCENARIOS.filter((s) => !layout.skip?.includes(s.rule))) {
      it(`${scenario.name} (${scenario.rule})`, async () => {
        const dir = project(layout, [...LEADING_UP, ...scenario.up], [...LEADING_DOWN, ...scenario.down]);
        const before = await lint({ paths: ['db'], cwd: dir });
        expect(before.diagnostics.map((d) => d.ruleId)).toContain(scenario.rule);
        const outcome = await fixed(dir);
        const cannot = layout.cannot?.[scenario.rule];
        if (cannot) {
          expect(outcome.unfixed.find((u) => u.ruleId === scenario.rule)?.reason).toMatch(cannot);
          return;
        }
        expect(outcome.proof, outcome.proof.lines.join('\n')).toMatchObject({ ok: true });
        expect(outcome.written).toBe(true);
        expect(outcome.fixed.map((f) => f.ruleId)).toContain(scenario.rule);
        const leaves = layout.leaves?.[scenario.rule] ?? [];
        expect(outcome.unfixed.map((u) => ({ ruleId: u.ruleId, reason: u.reason }))).toEqual(leaves.map((l) => ({ ruleId: l.ruleId, reason: expect.stringMatching(l.reason) })));
        // What the user sees afterwards: no fixable finding left in the migrations that were not
        // committed, but for those fix said it leaves.
        const after = await lint({ paths: ['db'], cwd: dir });
        const deployed = Object.keys(layout.files(1, [], []));
        const left = after.diagnostics.filter((d) => FIXABLE.has(d.ruleId) && !deployed.includes(d.file));
        expect(left.map((d) => d.ruleId)).toEqual(leaves.map((l) => l.ruleId));
        // A second run changes nothing.
        if (layout.name === 'atlas') {
          const sqlFiles = Object.keys(snapshot(dir)).filter((f) => f.endsWith('.sql')).sort();
          expect(readFileSync(path.join(dir, 'db/atlas.sum'), 'utf8')).toBe(atlasSum(sqlFiles.map((f) => ({ name: path.basename(f), text: readFileSync(path.join(dir, f), 'utf8') }))));
        }
        const files = snapshot(dir);
        const again = await fixed(dir);
        expect(again.files).toEqual([]);
        expect(snapshot(dir)).toEqual(files);
      }, 60_000);
    }
  });
}

describe('renames and type changes: expand/contract plans, written as proposals and run here', () => {
  /** The SQL of each step of a proposal file, in order. */
  const stepsOf = (text: string) => [...text.matchAll(/^## Step \d+: (.*)\n[\s\S]*?(?:```sql\n([\s\S]*?)```|(?=^## |$(?![\s\S])))/gm)].map((m) => ({ note: m[1]!, sql: m[2] ?? '' }));

  /** The steps of the plan fix proposes for a statement of an uncommitted migration, with the database set up as deployed. */
  async function proposedSteps(up: string, down: string): Promise<{ note: string; sql: string }[]> {
    const dir = project(LAYOUTS[0]!, [...LEADING_UP, up], [...LEADING_DOWN, down]);
    const outcome = await fixed(dir);
    const steps = stepsOf(readFileSync(outcome.files.find((f) => f.path.endsWith('.md'))!.path, 'utf8'));
    await database.reset();
    for (const sql of INIT_UP) await database.exec(sql);
    return steps;
  }

  it('a rename: the old and the new column stay equal through old and new writes, and the plan ends with the new name only', async () => {
    const golang = LAYOUTS[0]!;
    const dir = project(golang, [...LEADING_UP, 'ALTER TABLE users RENAME COLUMN name TO full_name'], [...LEADING_DOWN, 'ALTER TABLE users RENAME COLUMN full_name TO name']);
    const files = snapshot(dir);
    const outcome = await fixed(dir);
    // The migrations are left as they are; the plan is a file of its own.
    expect(snapshot(dir)).toEqual(files);
    expect(outcome.unfixed.find((u) => u.ruleId === 'rename-column' && u.file.endsWith('up.sql'))?.reason).toMatch(/written to migsafe-proposals\/000002_change-rename-column-line\d+\.md/);
    const proposal = readFileSync(outcome.files.find((f) => f.path.endsWith('.md'))!.path, 'utf8');
    const steps = stepsOf(proposal);
    // users.name may be NULL: no NOT NULL steps.
    expect(steps.map((s) => s.note)).toEqual(['expand, deployed before the application changes', 'fill the rows written before the trigger', 'contract, once the application reads and writes only "full_name"']);
    // Run it: the schema as deployed, then each step, with the old and the new application writing between.
    await database.reset();
    for (const sql of INIT_UP) await database.exec(sql);
    await database.exec(steps[0]!.sql);
    await database.exec("INSERT INTO users (id, email, name) VALUES (9001, 'old@example.com', 'written by the old release')");
    await database.exec(steps[1]!.sql);
    await database.exec("INSERT INTO users (id, email, full_name) VALUES (9002, 'new@example.com', 'written by the new release')");
    await database.exec("UPDATE users SET full_name = 'renamed by the new release' WHERE id = 1");
    const both = await database.query<{ id: string; name: string; full_name: string }>('SELECT id, name, full_name FROM users WHERE id IN (1, 2, 9001, 9002) ORDER BY id');
    expect(both.map((r) => [Number(r.id), r.name, r.full_name])).toEqual([
      [1, 'renamed by the new release', 'renamed by the new release'],
      [2, 'user 2', 'user 2'],
      [9001, 'written by the old release', 'written by the old release'],
      [9002, 'written by the new release', 'written by the new release'],
    ]);
    await database.exec(steps[2]!.sql);
    const columns = await database.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position");
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'email', 'full_name']);
  }, 60_000);

  it('a NOT NULL column without a default: existing rows get the value the user puts in, and an unedited plan stops at once', async () => {
    const steps = await proposedSteps('ALTER TABLE users ADD COLUMN plan text NOT NULL', 'ALTER TABLE users DROP COLUMN plan');
    expect(steps.map((s) => s.note.split(':')[0])).toEqual(['add it nullable, with its NOT NULL proof for new rows (deploy the application that writes it)', 'fill the rows that have none', 'after the backfill', 'then']);
    await database.exec(steps[0]!.sql);
    await expect(database.exec(steps[1]!.sql)).rejects.toThrow(/EXISTING_ROWS_VALUE/);
    await database.exec("INSERT INTO users (id, email, plan) VALUES (9001, 'new@example.com', 'pro')");
    await database.exec(steps[1]!.sql.replace('"EXISTING_ROWS_VALUE"', "'free'"));
    await database.exec(steps[2]!.sql);
    await database.exec(steps[3]!.sql);
    const plans = await database.query<{ plan: string; n: string }>('SELECT plan, count(*) AS n FROM users GROUP BY plan ORDER BY plan');
    expect(plans.map((p) => [p.plan, Number(p.n)])).toEqual([['free', 2500], ['pro', 1]]);
    const [column] = await database.query<{ is_nullable: string }>("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'plan'");
    expect(column!.is_nullable).toBe('NO');
  }, 60_000);

  it('a type change: the new column follows the old one, the swap keeps the name, and every value comes through', async () => {
    const steps = await proposedSteps('ALTER TABLE orders ALTER COLUMN total TYPE bigint', 'ALTER TABLE orders ALTER COLUMN total TYPE int');
    expect(steps.map((s) => s.note.split(',')[0])).toEqual(['expand', 'fill the rows written before the trigger', 'swap', 'contract']);
    await database.exec('INSERT INTO orders SELECT g, g, g * 10 FROM generate_series(1, 1500) g');
    await database.exec(steps[0]!.sql);
    await database.exec('INSERT INTO orders VALUES (9001, 1, 2147483647)');
    await database.exec(steps[1]!.sql);
    await database.exec(steps[2]!.sql);
    await database.exec(steps[3]!.sql);
    const [type] = await database.query<{ data_type: string }>("SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'total'");
    expect(type!.data_type).toBe('bigint');
    const [sums] = await database.query<{ n: string; total: string }>('SELECT count(*) AS n, sum(total) AS total FROM orders');
    expect([Number(sums!.n), Number(sums!.total)]).toEqual([1501, 11_257_500 + 2147483647]);
  }, 60_000);
});

it('atlas.sum is computed as Atlas computes it', () => {
  // An atlas.sum Atlas wrote, with its two migrations (github.com/1995parham-teaching/tinyurl, migrations/ at 5e349f9).
  const files = [
    { name: '20230824215746.sql', text: '-- Create "urls" table\nCREATE TABLE "urls" ("key" text NOT NULL, "url" text NULL, "visits" bigint NULL, "expire" timestamptz NULL, "created_at" timestamptz NULL, "updated_at" timestamptz NULL, PRIMARY KEY ("key"));\n' },
    { name: '20230824221251.sql', text: '-- Modify "urls" table\nALTER TABLE "urls" ADD CONSTRAINT "chk_urls_expire" CHECK (expire > created_at), ADD CONSTRAINT "chk_urls_visits" CHECK (visits >= 0);\n-- Create index "idx_urls_url" to table: "urls"\nCREATE INDEX "idx_urls_url" ON "urls" ("url");\n' },
  ];
  expect(atlasSum(files)).toBe('h1:UKLUIELQ6N5aUY7pOonMrgvybz9G1vEibkHHFduRd4w=\n20230824215746.sql h1:bCLrrBfDa1o9dekkog8V3gdW8a2tdOHKYk/2MItd98g=\n20230824221251.sql h1:ub5YupUvbaPjSrOtcdVblbwSSFudPCzPajZLwOfl5lE=\n');
});

describe("the README's before and after examples", () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Before and after'), readme.indexOf('## Table sizes'));
  const blocks = [...section.matchAll(/```\w+ title="([^"]+)" state="(committed|before|after)"\n([\s\S]*?)```/g)].map((m) => ({ file: m[1]!, state: m[2]!, text: m[3]! }));
  // An example starts with its committed files.
  const examples: (typeof blocks)[] = [];
  for (const block of blocks) {
    if (block.state === 'committed' && examples.at(-1)?.some((b) => b.state !== 'committed')) examples.push([]);
    if (!examples.length) examples.push([]);
    examples.at(-1)!.push(block);
  }
  it('has three, for three layouts', () => {
    expect(examples.map((e) => e[0]!.file.split('/')[0])).toEqual(['db', 'migrations', 'alembic']);
  });
  for (const example of examples) {
    it(`${example[0]!.file.split('/')[0]}: fix writes exactly what the README shows`, async () => {
      const dir = tempProject(Object.fromEntries(example.filter((b) => b.state === 'committed').map((b) => [b.file, b.text])), 'migsafe-readme-');
      git(dir, 'init', '-q');
      git(dir, 'add', '.');
      git(dir, 'commit', '-qm', 'deployed');
      for (const block of example.filter((b) => b.state === 'before')) writeFileSync(path.join(dir, block.file), block.text);
      const outcome = await fix({ paths: [path.dirname(example.find((b) => b.state === 'before')!.file)], cwd: dir, database });
      expect(outcome.proof.ok, outcome.proof.lines.join('\n')).toBe(true);
      const after = Object.fromEntries(example.filter((b) => b.state === 'after').map((b) => [b.file, b.text]));
      const written = Object.fromEntries(outcome.files.map((f) => [path.relative(dir, f.path), f.after]));
      expect(written).toEqual(after);
    }, 60_000);
  }
});

describe('migsafe fix, what it writes', () => {
  it('prints a DROP without its default RESTRICT, and keeps an ON DELETE RESTRICT', () => {
    const print = (sql: string) => sqlOf((parseSync(sql).stmts ?? [])[0]!.stmt as never);
    expect(print('ALTER TABLE o DROP CONSTRAINT f RESTRICT, DROP CONSTRAINT g')).toBe('ALTER TABLE o DROP CONSTRAINT f, DROP CONSTRAINT g');
    expect(print('ALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) ON UPDATE RESTRICT ON DELETE RESTRICT')).toBe('ALTER TABLE o ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) ON UPDATE RESTRICT ON DELETE RESTRICT');
  });

  it('golang-migrate: NOT VALID in place, VALIDATE in a new migration numbered after it, with a down that undoes it', async () => {
    const dir = project(LAYOUTS[0]!, [...LEADING_UP, ...SCENARIOS[2]!.up], [...LEADING_DOWN, ...SCENARIOS[2]!.down]);
    await fixed(dir);
    const files = snapshot(dir);
    expect(files['db/000002_change.up.sql']).toBe(
      "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN note text;\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;\n",
    );
    expect(files['db/000002_change.down.sql']).toBe(sql([...LEADING_DOWN, ...SCENARIOS[2]!.down]));
    expect(files['db/000003_validate_orders_user_fk.up.sql']).toBe('ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\n');
    expect(files['db/000003_validate_orders_user_fk.down.sql']).toBe(
      "SET lock_timeout = '5s';\nALTER TABLE orders DROP CONSTRAINT orders_user_fk;\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;\n",
    );
  });

  it('goose: a migration that only builds an index runs outside a transaction, dropping an INVALID leftover first', async () => {
    const dir = project(LAYOUTS[1]!, SCENARIOS[0]!.up, SCENARIOS[0]!.down);
    const outcome = await fixed(dir);
    expect(outcome.files.map((f) => path.basename(f.path))).toEqual(['00002_change.sql']);
    expect(snapshot(dir)['db/00002_change.sql']).toBe(
      '-- +goose NO TRANSACTION\n-- +goose Up\nDROP INDEX CONCURRENTLY IF EXISTS users_email_idx;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);\n\n-- +goose Down\nDROP INDEX users_email_idx;\n',
    );
  });

  it('dbmate: a migration that only builds an index gets transaction:false, and the build stays alone in it', async () => {
    const dir = project(LAYOUTS[2]!, SCENARIOS[0]!.up, SCENARIOS[0]!.down);
    await fixed(dir);
    expect(snapshot(dir)['db/20240101000002_change.sql']).toBe(
      '-- migrate:up transaction:false\n-- If this fails, it leaves an INVALID index behind: run DROP INDEX CONCURRENTLY IF EXISTS users_email_idx; then migrate again.\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n\n-- migrate:down\nDROP INDEX users_email_idx;\n',
    );
  });

  it('leaves committed migrations alone unless the file is named', async () => {
    const dir = project(LAYOUTS[0]!, [...LEADING_UP, ...SCENARIOS[0]!.up], [...LEADING_DOWN, ...SCENARIOS[0]!.down]);
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'deployed too');
    const committed = await fixed(dir);
    expect(committed.files).toEqual([]);
    expect(committed.unfixed).toEqual([]);
    // Every fixable finding lint reports there, in both migrations.
    const reported = await lint({ paths: ['db'], cwd: dir });
    expect(committed.committed).toBe(reported.diagnostics.filter((d) => FIXABLE.has(d.ruleId) && d.rewrite).length);
    expect(committed.committed).toBeGreaterThan(0);
    const named = await fixed(dir, { paths: ['db/000002_change.up.sql'] });
    expect(named.fixed.map((f) => f.ruleId)).toContain('require-concurrent-index');
    expect(named.written).toBe(true);
  });

  it("leaves alone what the config's baseline records", async () => {
    const dir = project(LAYOUTS[0]!, [...LEADING_UP, ...SCENARIOS[0]!.up], [...LEADING_DOWN, ...SCENARIOS[0]!.down]);
    writeFileSync(path.join(dir, 'migsafe.config.json'), JSON.stringify({ baseline: 'migsafe-baseline.json' }));
    expect(runCli(['baseline', 'db'], { cwd: dir }).status).toBe(0);
    const outcome = await fixed(dir);
    expect(outcome.files).toEqual([]);
    expect(outcome.unfixed).toEqual([]);
  }, 60_000);

  it('--dry-run prints the diff and what it proved, and writes nothing', () => {
    const dir = project(LAYOUTS[0]!, [...LEADING_UP, ...SCENARIOS[4]!.up], [...LEADING_DOWN, ...SCENARIOS[4]!.down]);
    const files = snapshot(dir);
    const dry = runCli(['fix', '--dry-run', 'db'], { cwd: dir, timeoutMs: 60_000 });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('+++ b/db/000003_validate_users_name_not_null_check.up.sql');
    expect(dry.stdout).toContain('+ALTER TABLE users ADD CONSTRAINT users_name_not_null_check CHECK (name IS NOT NULL) NOT VALID;');
    expect(dry.stderr).toMatch(/would write 6 files/);
    expect(dry.stderr).toMatch(/verify: up → down → up of the 3 changed and new migrations restores the schema/);
    expect(snapshot(dir)).toEqual(files);
    // The same command without --dry-run writes it.
    const real = runCli(['fix', 'db'], { cwd: dir, timeoutMs: 60_000 });
    expect(real.status, real.stderr).toBe(0);
    expect(Object.keys(snapshot(dir)).sort()).toEqual([...Object.keys(files), 'db/000003_validate_users_name_not_null_check.down.sql', 'db/000003_validate_users_name_not_null_check.up.sql', 'db/000004_set_users_name_not_null.down.sql', 'db/000004_set_users_name_not_null.up.sql'].sort());
  }, 120_000);

  it('alembic: a later revision that is not deployed either is moved to follow the new ones', async () => {
    const alembic = LAYOUTS.find((l) => l.name === 'alembic')!;
    const dir = project(alembic, [...LEADING_UP, ...SCENARIOS[2]!.up], [...LEADING_DOWN, ...SCENARIOS[2]!.down]);
    writeFileSync(path.join(dir, 'db/0003_change.py'), alembic.files(3, ["ALTER TABLE users ADD COLUMN bio text"], ['ALTER TABLE users DROP COLUMN bio'])['db/0003_change.py']!);
    const outcome = await fixed(dir);
    expect(outcome.proof.ok, outcome.proof.lines.join('\n')).toBe(true);
    const validate = outcome.files.find((f) => /_validate_orders_user_fk\.py$/.test(f.path))!;
    const id = /^revision = "(\w+)"/m.exec(validate.after)![1];
    expect(validate.after).toMatch(/^down_revision = "r2"$/m);
    expect(readFileSync(path.join(dir, 'db/0003_change.py'), 'utf8')).toMatch(new RegExp(`^down_revision = "${id}"$`, 'm'));
  }, 60_000);

  it('knex in TypeScript: the new migration is written as the project writes them (ES exports, types, four spaces)', async () => {
    const ts = (n: number, up: string[], down: string[]) => {
      const half = (name: string, statements: string[]) => `export async function ${name}(knex: Knex): Promise<void> {\n${statements.map((s) => `    await knex.raw(${JSON.stringify(s)});\n`).join('')}}\n`;
      return { [`db/2024010100000${n}_change.ts`]: `import type { Knex } from 'knex';\n\n${half('up', up)}\n${half('down', down)}` };
    };
    const dir = project({ name: 'knex (TypeScript)', files: ts }, [...LEADING_UP, ...SCENARIOS[0]!.up], [...LEADING_DOWN, ...SCENARIOS[0]!.down]);
    const outcome = await fixed(dir);
    expect(outcome.proof.ok, outcome.proof.lines.join('\n')).toBe(true);
    const created = outcome.files.find((f) => f.before === null)!;
    expect(path.basename(created.path)).toBe('20240101000003_create_index_users_email_idx.ts');
    expect(created.after).toBe(
      "import type { Knex } from 'knex';\n\nexport const config = { transaction: false };\n\nexport async function up(knex: Knex): Promise<void> {\n    await knex.raw(`DROP INDEX CONCURRENTLY IF EXISTS users_email_idx`);\n    await knex.raw(`CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email)`);\n}\n\nexport async function down(knex: Knex): Promise<void> {\n    await knex.raw(`DROP INDEX CONCURRENTLY IF EXISTS users_email_idx`);\n}\n",
    );
    // TypeScript reads it without a syntax error.
    const typescript = (await import('typescript')).default;
    const transpiled = typescript.transpileModule(created.after, { reportDiagnostics: true, compilerOptions: { module: typescript.ModuleKind.ESNext } });
    expect(transpiled.diagnostics ?? []).toEqual([]);
  }, 60_000);

  /** A project of the layout whose uncommitted migration is `text` at `file`, fixed and proved. */
  async function fixedMigration(layoutName: string, file: string, text: string): Promise<{ dir: string; outcome: FixOutcome }> {
    const dir = project(LAYOUTS.find((l) => l.name === layoutName)!, [], []);
    writeFileSync(path.join(dir, file), text);
    const outcome = await fixed(dir);
    expect(outcome.proof.ok, outcome.proof.lines.join('\n')).toBe(true);
    return { dir, outcome };
  }

  it("slonik (the project's own runner): SQL is fixed inside its string, and what needs a new migration is said", async () => {
    const slonik = (n: number, up: string[], down: string[]) => {
      const half = (name: string, statements: string[]) => `export const ${name} = async (pool) => {\n${statements.map((s) => `  await pool.query(sql\`${s}\`);\n`).join('')}};\n`;
      return { [`db/2024010100000${n}_change.ts`]: `import { sql } from 'slonik';\n\n${half('up', up)}\n${half('down', down)}` };
    };
    const dir = project({ name: 'slonik', files: slonik }, SCENARIOS[0]!.up, SCENARIOS[0]!.down);
    writeFileSync(path.join(dir, 'db/20240101000003_change.ts'), slonik(3, [...LEADING_UP, ...SCENARIOS[2]!.up], [...LEADING_DOWN, ...SCENARIOS[2]!.down])['db/20240101000003_change.ts']!);
    const outcome = await fixed(dir);
    expect(outcome.proof.ok, outcome.proof.lines.join('\n')).toBe(true);
    expect(readFileSync(path.join(dir, 'db/20240101000002_change.ts'), 'utf8')).toContain(
      'await pool.query(sql`-- If this fails, it leaves an INVALID index behind: run DROP INDEX CONCURRENTLY IF EXISTS users_email_idx; then migrate again.\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email)`);',
    );
    expect(outcome.unfixed.find((u) => u.ruleId === 'constraint-without-not-valid')?.reason).toMatch(/slonik migrations run by the project's own script/);
  }, 60_000);

  it('SQL beside other statements in one string is edited inside the string, which runs as before', async () => {
    const file = 'db/20240101000002-change.js';
    const { dir, outcome } = await fixedMigration('db-migrate', file, "exports.up = function (db, cb) {\n  db.runSql(`SET lock_timeout = '5s';\n    ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;\n    ALTER TABLE users ADD COLUMN bio text;`, cb);\n};\n\nexports.down = function (db, cb) {\n  db.runSql(`SET lock_timeout = '5s';\n    ALTER TABLE users DROP COLUMN bio;\n    ALTER TABLE orders DROP CONSTRAINT orders_user_fk;`, cb);\n};\n");
    expect(readFileSync(path.join(dir, file), 'utf8')).toContain("db.runSql(`SET lock_timeout = '5s';\n    ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;\n    ALTER TABLE users ADD COLUMN bio text;`, cb);");
    expect(outcome.files.map((f) => path.basename(f.path))).toContain('20240101000003-validate-orders-user-fk.js');
  }, 60_000);

  it('a lock_timeout for a knex builder call inside a callback goes before the statement that holds it', async () => {
    const file = 'db/20240101000002_change.js';
    const { dir } = await fixedMigration('knex', file, "exports.up = async (knex) => {\n  await knex.schema.alterTable('users', (table) => {\n    table.string('bio');\n  });\n};\n\nexports.down = async (knex) => {\n  await knex.schema.alterTable('users', (table) => {\n    table.dropColumn('bio');\n  });\n};\n");
    expect(readFileSync(path.join(dir, file), 'utf8')).toBe(
      "exports.up = async (knex) => {\n  await knex.raw(`SET lock_timeout = '5s'`);\n  await knex.schema.alterTable('users', (table) => {\n    table.string('bio');\n  });\n};\n\nexports.down = async (knex) => {\n  await knex.raw(`SET lock_timeout = '5s'`);\n  await knex.schema.alterTable('users', (table) => {\n    table.dropColumn('bio');\n  });\n};\n",
    );
  }, 60_000);

  it('names that are keywords are quoted in what fix writes (a backfill of table "user")', async () => {
    const dir = project(LAYOUTS[0]!, ['CREATE TABLE "user" (id bigint PRIMARY KEY, "order" int)', 'INSERT INTO "user" SELECT g, g FROM generate_series(1, 10) g'], ['DROP TABLE "user"']);
    writeFileSync(path.join(dir, 'db/000003_change.up.sql'), `SET lock_timeout = '5s';\nALTER TABLE "user" ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();\n`);
    writeFileSync(path.join(dir, 'db/000003_change.down.sql'), `SET lock_timeout = '5s';\nALTER TABLE "user" DROP COLUMN token;\n`);
    const outcome = await fixed(dir);
    expect(outcome.proof.ok, outcome.proof.lines.join('\n')).toBe(true);
    const backfill = outcome.files.find((f) => /backfill_user_token\.up\.sql$/.test(f.path))!;
    expect(backfill.after).toContain('UPDATE "user" AS t SET token = gen_random_uuid()');
  }, 60_000);

  it('templated SQL keeps its templates, and without a run on PostgreSQL is written only with --unproven', async () => {
    const golang = LAYOUTS[0]!;
    const dir = project(golang, [], []);
    writeFileSync(path.join(dir, 'db/000002_change.up.sql'), 'ALTER TABLE {{ .Schema }}.users ADD COLUMN bio text;\n');
    writeFileSync(path.join(dir, 'db/000002_change.down.sql'), "SET lock_timeout = '5s';\nALTER TABLE {{ .Schema }}.users DROP COLUMN bio;\n");
    const refused = await fixed(dir);
    expect(refused.written).toBe(false);
    expect(refused.proof.lines.join('\n')).toMatch(/--unproven/);
    const written = await fix({ paths: ['db'], cwd: dir, database, unproven: true });
    expect(written.written).toBe(true);
    expect(readFileSync(path.join(dir, 'db/000002_change.up.sql'), 'utf8')).toBe("SET lock_timeout = '5s';\nALTER TABLE {{ .Schema }}.users ADD COLUMN bio text;\n");
  }, 60_000);

  it('lint --fix rewrites in place what stays in its migration, and points to migsafe fix for the rest', () => {
    const goose = LAYOUTS.find((l) => l.name === 'goose')!;
    const dir = project(goose, SCENARIOS[0]!.up, SCENARIOS[0]!.down);
    writeFileSync(path.join(dir, 'db/00003_fk.sql'), goose.files(3, [...LEADING_UP, ...SCENARIOS[2]!.up], [...LEADING_DOWN, ...SCENARIOS[2]!.down])['db/00003_change.sql']!);
    const before = snapshot(dir);
    const run = runCli(['lint', '--fix', 'db'], { cwd: dir, timeoutMs: 60_000 });
    expect(run.stderr).toContain('migsafe: --fix rewrote 1 finding in 1 file');
    expect(run.stderr).toContain('1 more finding can be fixed with new migrations: npx migsafe fix');
    // The foreign key is still reported, and so the exit code says so.
    expect(run.stdout).toContain('error[constraint-without-not-valid]');
    expect(run.stdout).not.toContain('require-concurrent-index');
    expect(run.status).toBe(1);
    const after = snapshot(dir);
    expect(after['db/00003_fk.sql']).toBe(before['db/00003_fk.sql']);
    expect(after['db/00002_change.sql']).toMatch(/^-- \+goose NO TRANSACTION\n[\s\S]*CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx/);
  }, 60_000);

  it('--rule fixes only that rule, and rejects a rule it cannot fix', async () => {
    const dir = project(LAYOUTS[0]!, ['ALTER TABLE users ADD COLUMN bio text', ...SCENARIOS[0]!.up], ['DROP INDEX users_email_idx', 'ALTER TABLE users DROP COLUMN bio']);
    const only = await fix({ paths: ['db'], cwd: dir, only: ['require-lock-timeout'], database });
    expect(only.fixed.map((f) => f.ruleId)).toEqual(['require-lock-timeout', 'require-lock-timeout']);
    const nothing = runCli(['fix', 'empty'], { cwd: tempProject({ 'empty/README.md': 'no migrations here\n' }) });
    expect([nothing.status, nothing.stderr.trim()]).toEqual([2, 'migsafe: no migrations found in empty']);
    const unknown = runCli(['fix', '--rule', 'drop-table', 'db'], { cwd: dir });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/"drop-table" is not a rule migsafe fix can fix/);
  }, 60_000);
});

/** A database of its own on the local server for `run` (its URL), dropped after. */
async function withDatabase(run: (url: string) => Promise<void>): Promise<void> {
  // Not migsafe_*: the server-containment test counts those as leftovers of trace/verify runs.
  const name = `fixrun_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    await run(SERVER_URL.replace(/\/[^/]*$/, `/${name}`));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** A runner's own CLI, run in the project on a database URL: up everything, down one, up everything. */
interface RealRunner {
  layout: string;
  missing: () => string | null;
  up: (dir: string, url: string) => { status: number; output: string };
  down: (dir: string, url: string) => { status: number; output: string };
  /** Reverts every migration at once (sqitch), instead of `down` once a migration. */
  downAll?: (dir: string, url: string) => { status: number; output: string };
  /** The runner has no down migrations (Drizzle): up only. */
  upOnly?: boolean;
}

const nodePgMigrate = (command: string) => (dir: string, url: string) =>
  run(process.execPath, [path.join(path.dirname(packageFile('node-pg-migrate/package.json')), 'bin/node-pg-migrate.js'), command, '-m', 'db'], dir, { DATABASE_URL: url });
// knex reads its connection from a knexfile, written for the database of the run.
const knexCli = (command: string) => (dir: string, url: string) => {
  writeFileSync(path.join(dir, 'knexfile.cjs'), `module.exports = { client: 'pg', connection: ${JSON.stringify(url)}, migrations: { directory: './db' } };\n`);
  return run(process.execPath, [packageFile('knex/bin/cli.js'), command, '--knexfile', 'knexfile.cjs'], dir);
};
const typeormCli = (command: string) => (dir: string, url: string) => {
  writeFileSync(path.join(dir, 'data-source.cjs'), typeormDataSource(url, 'each'));
  return run(process.execPath, [packageFile('typeorm/cli.js'), command, '-d', 'data-source.cjs'], dir);
};
// Debian's python3-alembic, with the env.py its templates generate (online mode), reading db/.
const alembicMissing = () =>
  spawnSync('/usr/bin/python3', ['-c', 'import alembic, psycopg2'], { encoding: 'utf8' }).status === 0 ? null : "Debian's python3-alembic and python3-psycopg2 are not installed (.ci/run installs them)";
const alembicCli = (args: string[]) => (dir: string, url: string) => {
  writeFileSync(path.join(dir, 'alembic.ini'), `[alembic]\nscript_location = alembic\nversion_locations = db\nsqlalchemy.url = ${url.replace(/^postgres:/, 'postgresql:')}\n`);
  mkdirSync(path.join(dir, 'alembic'), { recursive: true });
  writeFileSync(
    path.join(dir, 'alembic', 'env.py'),
    'from alembic import context\nfrom sqlalchemy import engine_from_config, pool\n\nconfig = context.config\nconnectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)\nwith connectable.connect() as connection:\n    context.configure(connection=connection, target_metadata=None)\n    with context.begin_transaction():\n        context.run_migrations()\n',
  );
  return run('/usr/bin/python3', ['-m', 'alembic.config', ...args], dir);
};
const sequelizeCli = (command: string) => (dir: string, url: string) => run(process.execPath, [packageFile('sequelize-cli/lib/sequelize'), command, '--url', url, '--migrations-path', 'db'], dir);
// Kysely's and MikroORM's migrators are built in code: a script that runs one step.
const kyselyMigrator = (method: string) => (dir: string, url: string) => {
  writeFileSync(
    path.join(dir, 'migrate.cjs'),
    `const { Kysely, PostgresDialect, Migrator, FileMigrationProvider } = require('kysely');\nconst pg = require('pg');\nconst fs = require('node:fs/promises');\nconst path = require('node:path');\n(async () => {\n  const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: ${JSON.stringify(url)} }) }) });\n  const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: path.resolve('db') }) });\n  const { error } = await migrator.${method}();\n  if (error) { console.error(String(error && error.message || error)); process.exitCode = 1; }\n  await db.destroy();\n})();\n`,
  );
  return run(process.execPath, ['migrate.cjs'], dir);
};
const mikroormMigrator = (method: string) => (dir: string, url: string) => {
  writeFileSync(
    path.join(dir, 'migrate.cjs'),
    `const path = require('node:path');\nconst { MikroORM } = require('@mikro-orm/postgresql');\n(async () => {\n  const orm = await MikroORM.init({ clientUrl: ${JSON.stringify(url)}, entities: [], discovery: { warnWhenNoEntities: false }, migrations: { path: path.resolve(__dirname, 'db'), glob: '!(*.d).js' }, extensions: [require('@mikro-orm/migrations').Migrator] });\n  try { await orm.getMigrator().${method}(); } catch (error) { console.error(String(error && error.message || error)); process.exitCode = 1; }\n  await orm.close(true);\n})();\n`,
  );
  return run(process.execPath, ['migrate.cjs'], dir);
};
const dbMigrateCli = (command: string) => (dir: string, url: string) => run(process.execPath, [packageFile('db-migrate/bin/db-migrate'), command, '-m', 'db'], dir, { DATABASE_URL: url });
const REAL_RUNNERS: RealRunner[] = [
  {
    layout: 'dbmate',
    missing: installDbmate,
    up: (dir, url) => run(dbmateBin, ['--url', `${url}?sslmode=disable`, '--migrations-dir', 'db', '--no-dump-schema', 'up'], dir),
    down: (dir, url) => run(dbmateBin, ['--url', `${url}?sslmode=disable`, '--migrations-dir', 'db', '--no-dump-schema', 'rollback'], dir),
  },
  { layout: 'node-pg-migrate', missing: () => null, up: nodePgMigrate('up'), down: nodePgMigrate('down') },
  { layout: 'knex', missing: () => null, up: knexCli('migrate:latest'), down: knexCli('migrate:down') },
  { layout: 'node-pg-migrate (JS)', missing: () => null, up: nodePgMigrate('up'), down: nodePgMigrate('down') },
  {
    layout: 'sqitch',
    missing: () => (spawnSync('sqitch', ['--version'], { encoding: 'utf8' }).status === 0 ? null : "Debian's sqitch (with libdbd-pg-perl) is not installed (.ci/run installs it)"),
    up: (dir, url) => run('sqitch', ['deploy', url.replace(/^postgres:/, 'db:pg:')], path.join(dir, 'db')),
    down: () => ({ status: 1, output: 'sqitch reverts all at once here' }),
    downAll: (dir, url) => run('sqitch', ['revert', '-y', url.replace(/^postgres:/, 'db:pg:')], path.join(dir, 'db')),
  },
  { layout: 'db-migrate', missing: () => null, up: dbMigrateCli('up'), down: dbMigrateCli('down') },
  {
    layout: 'drizzle',
    missing: () => null,
    upOnly: true,
    up: (dir, url) => {
      writeFileSync(
        path.join(dir, 'migrate.cjs'),
        `const { drizzle } = require('drizzle-orm/node-postgres');\nconst { migrate } = require('drizzle-orm/node-postgres/migrator');\n(async () => {\n  const db = drizzle(${JSON.stringify(url)});\n  try { await migrate(db, { migrationsFolder: 'db' }); } catch (error) { console.error(String(error && (error.cause && error.cause.message || error.message) || error)); process.exitCode = 1; }\n  await db.$client.end();\n})();\n`,
      );
      return run(process.execPath, ['migrate.cjs'], dir);
    },
    down: () => ({ status: 1, output: 'Drizzle has no down migrations' }),
  },
  { layout: 'alembic', missing: alembicMissing, up: alembicCli(['upgrade', 'head']), down: alembicCli(['downgrade', '-1']) },
  { layout: 'sequelize', missing: () => null, up: sequelizeCli('db:migrate'), down: sequelizeCli('db:migrate:undo') },
  { layout: 'kysely', missing: () => null, up: kyselyMigrator('migrateToLatest'), down: kyselyMigrator('migrateDown') },
  { layout: 'mikroorm', missing: () => null, up: mikroormMigrator('up'), down: mikroormMigrator('down') },
  { layout: 'typeorm (mode "each")', missing: () => null, up: typeormCli('migration:run'), down: typeormCli('migration:revert') },
];

for (const runner of REAL_RUNNERS) {
  const layout = LAYOUTS.find((l) => l.name === runner.layout)!;
  const missing = serverAvailable ? runner.missing() : `no PostgreSQL server answers at ${SERVER_URL}`;
  if (missing) console.warn(`skipped: ${runner.layout} applying what migsafe fix wrote (${missing})`);
  describe.skipIf(!!missing)(`${runner.layout} applies what migsafe fix wrote, against PostgreSQL`, () => {
    for (const scenario of SCENARIOS.filter((s) => !layout.cannot?.[s.rule] && !layout.skip?.includes(s.rule))) {
      it(`${scenario.name}: ${runner.upOnly ? 'up' : 'up, down to the start, up again'}`, async () => {
        const dir = project(layout, [...LEADING_UP, ...scenario.up], [...LEADING_DOWN, ...scenario.down]);
        const outcome = await fixed(dir);
        expect(outcome.written, outcome.proof.lines.join('\n')).toBe(true);
        await withDatabase(async (url) => {
          const migrations = new Set(Object.keys(snapshot(dir)).map((f) => path.basename(f).replace(/\.(up|down)\.sql$|\.sql$/, ''))).size;
          const steps = runner.upOnly ? [runner.up] : [runner.up, ...(runner.downAll ? [runner.downAll] : Array.from({ length: migrations }, () => runner.down)), runner.up];
          for (const [i, step] of steps.entries()) {
            const result = step(dir, url);
            expect(result.status, `step ${i + 1} of ${steps.length}:\n${result.output}`).toBe(0);
          }
        });
      }, 120_000);
    }
  });
}

// fix writes a lock_timeout for Sequelize as a query of its own: that holds only if sequelize-cli
// runs a migration's queries on one connection (observed here, not read from its pool settings).
describe.skipIf(!serverAvailable)("sequelize-cli runs a migration's queries on one connection", () => {
  it('a SET lock_timeout applies to the queries after it', async () => {
    const dir = tempProject({
      'db/20240101000001-lock-timeout.js': `'use strict';\nmodule.exports = {\n  async up(queryInterface) {\n    await queryInterface.sequelize.query("SET lock_timeout = '5s'");\n    await queryInterface.sequelize.query("CREATE TABLE seen AS SELECT current_setting('lock_timeout') AS lock_timeout, pg_backend_pid() AS pid");\n    await queryInterface.sequelize.query("INSERT INTO seen SELECT current_setting('lock_timeout'), pg_backend_pid()");\n  },\n  async down(queryInterface) {\n    await queryInterface.sequelize.query('DROP TABLE seen');\n  },\n};\n`,
    });
    await withDatabase(async (url) => {
      const result = sequelizeCli('db:migrate')(dir, url);
      expect(result.status, result.output).toBe(0);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const rows = (await client.query<{ lock_timeout: string; pid: number }>('SELECT lock_timeout, pid FROM seen')).rows;
      await client.end();
      expect(rows.map((r) => r.lock_timeout)).toEqual(['5s', '5s']);
      expect(new Set(rows.map((r) => r.pid)).size).toBe(1);
    });
  }, 60_000);
});
