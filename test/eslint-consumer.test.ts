// The ESLint plugin as the README tells a user to set it up: a new project (ES modules, and
// CommonJS), the packed tarball, ESLint and typescript-eslint installed from the registry, the
// README's eslint.config snippet pasted as it is, then `eslint .`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

/** The README's ```js block whose first line names the file. */
function readmeSnippet(fileName: string): string {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.startsWith(`// ${fileName}\n`));
  if (!block) throw new Error(`README has no snippet for ${fileName}`);
  return block;
}

let tarball = '';
beforeAll(() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'migsafe-tarball-'));
  tarball = path.join(dir, execFileSync('npm', ['pack', '--pack-destination', dir], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
}, 300_000);

const TYPEORM = `import { MigrationInterface, QueryRunner } from "typeorm";

export class AddEmailIndex1700000000001 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`CREATE INDEX "users_email_idx" ON "users" ("email")\`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`DROP INDEX "users_email_idx"\`);
  }
}
`;

describe.each([
  ['ES modules', 'eslint.config.mjs', 'module'],
  ['CommonJS', 'eslint.config.cjs', 'commonjs'],
])('a new %s project configured as the README says', (_kind, configFile, type) => {
  it('eslint . reports the migrations, at the CLI\'s lines, with complete messages', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migsafe-eslint-consumer-'));
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    };
    write('package.json', JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type }));
    write(configFile, readmeSnippet(configFile));
    write('db/migrations/0001_users.up.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n');
    write('db/migrations/0001_users.down.sql', 'DROP TABLE users;\n');
    write('db/migrations/0002_email.up.sql', 'CREATE INDEX users_email_idx ON users (email);\n');
    write('db/migrations/0002_email.down.sql', 'DROP INDEX users_email_idx;\n');
    write('src/migration/1700000000000-Users.ts', TYPEORM.replace('AddEmailIndex1700000000001', 'Users1700000000000').replace('CREATE INDEX "users_email_idx" ON "users" ("email")', 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "email" text)').replace('DROP INDEX "users_email_idx"', 'DROP TABLE "users"'));
    write('src/migration/1700000000001-AddEmailIndex.ts', TYPEORM);
    write('src/app.js', 'export const answer = 42;\n');
    const install = spawnSync('npm', ['install', '-D', tarball, 'eslint@10', 'typescript-eslint', 'typescript', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
    expect(install.status, install.stderr).toBe(0);

    const run = spawnSync('npx', ['eslint', '.', '--format', 'json'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    // (npx may warn about npm's own configuration; nothing from ESLint or the plugin.)
    expect(run.stderr.split('\n').filter((line) => line && !line.startsWith('npm warn'))).toEqual([]);
    const results = JSON.parse(run.stdout) as { filePath: string; messages: { ruleId: string | null; line: number; message: string; fatal?: boolean }[] }[];
    const found = results.flatMap((r) => r.messages.map((m) => `${path.relative(dir, r.filePath)}:${m.line}:${m.ruleId}`)).sort();
    expect(found).toEqual([
      'db/migrations/0002_email.up.sql:1:migsafe/require-concurrent-index',
      'db/migrations/0002_email.up.sql:1:migsafe/require-lock-timeout',
      'src/migration/1700000000001-AddEmailIndex.ts:5:migsafe/require-concurrent-index',
      'src/migration/1700000000001-AddEmailIndex.ts:5:migsafe/require-lock-timeout',
    ]);
    const message = results.flatMap((r) => r.messages).find((m) => m.ruleId === 'migsafe/require-concurrent-index')!.message;
    expect(message).not.toMatch(/:$/);
    expect(message).toMatch(/CREATE INDEX CONCURRENTLY /);
    expect(run.status).toBe(1);
  }, 600_000);
});
