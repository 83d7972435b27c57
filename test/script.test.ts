// TypeScript/JavaScript migrations: up/down shapes, SQL in strings and templates mapped to the
// TS line and column, builder calls lowered, missing downs, and what cannot be resolved.
import { describe, expect, it } from 'vitest';
import { lintWith, tempProject } from './helpers.js';

async function findings(files: Record<string, string>, rules: Record<string, 'off'> = { 'require-lock-timeout': 'off' }) {
  const dir = tempProject(files, 'migsafe-script-');
  const result = await lintWith({ paths: ['.'], cwd: dir, rules });
  expect(result.errors).toEqual([]);
  return result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}:${d.ruleId}`);
}

describe('SQL in strings and templates', () => {
  it('maps positions inside template literals, across lines and substitutions', async () => {
    expect(
      await findings({
        'm/001_a.ts': [
          "import { MigrationInterface, QueryRunner } from 'typeorm';",
          "const TABLE = 'users';",
          'export class A implements MigrationInterface {',
          '  async up(queryRunner: QueryRunner) {',
          '    await queryRunner.query(`ALTER TABLE ${TABLE} ADD COLUMN a int NOT NULL`);',
          '    await queryRunner.query(`SELECT 1;',
          '      CREATE INDEX i ON ${dynamicTable()} (a)`);',
          "    await queryRunner.query('CREATE INDEX j ' + 'ON users (b)');",
          '  }',
          '  async down() { throw new Error("irreversible"); }',
          '}',
        ].join('\n'),
      }),
    // the column definition itself (after the inlined TABLE constant), then positions across lines
    ).toEqual(['m/001_a.ts:5:62:not-null-without-default', 'm/001_a.ts:7:7:require-concurrent-index', 'm/001_a.ts:8:30:require-concurrent-index']);
  });

  it('shows template substitutions as written in messages', async () => {
    const dir = tempProject({ 'm/001.js': 'exports.up = (knex) => knex.raw(`CREATE INDEX i ON ${table} (a)`);\nexports.down = (knex) => knex.raw("DROP INDEX i");\n' }, 'migsafe-script-');
    const result = await lintWith({ paths: ['.'], cwd: dir });
    expect(result.diagnostics.find((d) => d.ruleId === 'require-concurrent-index')!.message).toContain('"${table}"');
  });

  it('reports SQL built at run time as unanalysable, not as a syntax error', async () => {
    expect(
      await findings({
        'm/001.js': "exports.up = async (knex) => {\n  await knex.raw(buildSql());\n  await knex.raw(`UPDATE t SET ${assignments}`);\n};\nexports.down = () => {};\n",
      }, { 'require-lock-timeout': 'off', 'missing-down': 'off' }),
    ).toEqual(['m/001.js:2:18:unanalyzable-statement', 'm/001.js:3:19:unanalyzable-statement']);
  });
});

describe('up and down', () => {
  it('finds them in every shape, and flags a missing or empty down but not one that only throws', async () => {
    expect(
      await findings({
        'm/001_export_function.ts': 'export async function up(knex) { await knex.raw("CREATE TABLE a (id int)"); }\n',
        'm/002_exports.js': 'exports.up = function (knex) { return knex.raw("CREATE TABLE b (id int)"); };\nexports.down = function () {};\n',
        'm/003_module_exports.js': 'module.exports = {\n  async up(queryInterface) { await queryInterface.sequelize.query("CREATE TABLE c (id int)"); },\n  async down() { throw new Error("no"); },\n};\n',
        'm/004_const_arrow.ts': 'export const up = async (pgm) => { pgm.sql("CREATE TABLE d (id int)"); };\nexport const down = async (pgm) => { pgm.sql("DROP TABLE d"); };\n',
      }),
    ).toEqual(['m/001_export_function.ts:1:1:missing-down', 'm/002_exports.js:2:16:missing-down']);
  });
});

describe('transactions', () => {
  it('knows each runner: knex config, TypeORM transaction = false, pgm.noTransaction(), MikroORM isTransactional(), Sequelize none', async () => {
    const index = (name: string) => `CREATE INDEX CONCURRENTLY ${name} ON t (a)`;
    const result = await findings({
      'k/001_knex.js': `exports.up = (knex) => knex.raw('${index('a1')}');\nexports.down = (knex) => knex.raw('DROP INDEX a1');\n`,
      'k/002_knex_off.js': `exports.config = { transaction: false };\nexports.up = (knex) => knex.raw('${index('a2')}');\nexports.down = (knex) => knex.raw('DROP INDEX a2');\n`,
      's/001_sequelize.js': `module.exports = { async up(queryInterface) { await queryInterface.sequelize.query('${index('b1')}'); }, async down() { throw new Error(); } };\n`,
      'p/001_pgm.js': `exports.up = (pgm) => { pgm.sql('${index('c1')}'); };\nexports.down = (pgm) => { pgm.sql('DROP INDEX c1'); };\n`,
      'p/002_pgm_off.js': `exports.up = (pgm) => { pgm.noTransaction(); pgm.sql('${index('c2')}'); };\nexports.down = (pgm) => { pgm.sql('DROP INDEX c2'); };\n`,
    }, { 'require-lock-timeout': 'off', 'incomplete-down': 'off', 'require-concurrent-index-drop': 'off' });
    expect(result.filter((f) => f.endsWith('concurrently-in-transaction'))).toEqual(['k/001_knex.js:1:34:concurrently-in-transaction', 'p/001_pgm.js:1:34:concurrently-in-transaction']);
  });
});
