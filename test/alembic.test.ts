// Alembic revisions: op.* calls lowered to the SQL Alembic emits, at the call's line and column;
// transaction semantics (autocommit_block); missing downgrades; the revision graph order.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadModule } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { alembicLayout } from '../src/sources/alembic.js';
import { readSourceFile } from '../src/sources/source-file.js';
import { fixturesDir, lintWith } from './helpers.js';
import { RunnerProject } from '../src/sources/runner-project.js';

beforeAll(() => loadModule());

function revisions(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'migsafe-alembic-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const context = { read: (p: string) => readSourceFile(p, dir), exists: () => false, parseOptions: { placeholders: [] }, assumeInTransaction: false, runnerProject: (d: string) => new RunnerProject(d) };
  return { dir, migrations: alembicLayout.read({ dir, kind: 'python', files: Object.keys(files).map((f) => path.join(dir, f)).sort() }, context) };
}

const revision = (body: string, down = '    pass\n') => `revision = "r1"\ndown_revision = None\n\n\ndef upgrade():\n${body}\n\ndef downgrade():\n${down}`;

describe('lowering op.* calls', () => {
  it('emits the SQL Alembic emits for PostgreSQL', () => {
    const { migrations } = revisions({
      'r1.py': revision(`    op.add_column("users", sa.Column("status", sa.String(20), nullable=False, server_default="new"))
    op.alter_column("users", "name", type_=sa.Text(), nullable=False, new_column_name="full_name")
    op.create_index("ix_a", "users", ["a", sa.text("lower(b)")], unique=True, postgresql_where=sa.text("a > 0"))
    op.create_foreign_key("fk", "orders", "users", ["user_id"], ["id"], ondelete="CASCADE", postgresql_not_valid=True)
    op.create_check_constraint("ck", "orders", "total >= 0")
    op.drop_constraint("uq", "users", type_="unique")
    op.rename_table("a", "b")
    op.create_table("t", sa.Column("id", sa.Integer(), sa.Identity(always=True), primary_key=True), sa.Column("kind", sa.Enum("x", "y", name="kind")), sa.UniqueConstraint("kind", name="uq_t_kind"))`),
    });
    expect(migrations[0]!.up.statements.map((s) => s.text)).toEqual([
      `ALTER TABLE "users" ADD COLUMN "status" varchar(20) NOT NULL DEFAULT 'new';`,
      'ALTER TABLE "users" ALTER COLUMN "name" TYPE text;',
      'ALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL;',
      'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";',
      'CREATE UNIQUE INDEX "ix_a" ON "users" ("a", lower(b)) WHERE a > 0;',
      'ALTER TABLE "orders" ADD CONSTRAINT "fk" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE NOT VALID;',
      'ALTER TABLE "orders" ADD CONSTRAINT "ck" CHECK (total >= 0);',
      'ALTER TABLE "users" DROP CONSTRAINT "uq";',
      'ALTER TABLE "a" RENAME TO "b";',
      `CREATE TYPE "kind" AS ENUM ('x', 'y');`,
      'CREATE TABLE "t" ("id" integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "kind" "kind", CONSTRAINT "uq_t_kind" UNIQUE ("kind"));',
    ]);
  });

  it('maps SQL inside op.execute strings back to the Python line and column', async () => {
    const result = await lintWith({ paths: ['alembic/versions/5e_drop_legacy_type.py', 'alembic/versions/4d_boolean_to_enum.py'], cwd: fixturesDir, rules: { 'require-lock-timeout': 'off' } });
    const at = (ruleId: string) => result.diagnostics.filter((d) => d.ruleId === ruleId).map((d) => `${d.file}:${d.line}:${d.column}`);
    expect(at('enum-drop')).toEqual(['alembic/versions/5e_drop_legacy_type.py:9:17']);
    // the UPDATE inside a triple-quoted string, on its own line
    expect(at('backfill-in-ddl-transaction')).toEqual(['alembic/versions/4d_boolean_to_enum.py:16:10', 'alembic/versions/4d_boolean_to_enum.py:24:9']);
    expect(at('drop-column')).toEqual(['alembic/versions/4d_boolean_to_enum.py:18:5']);
  });

  it('reads sa.text() bind parameters as values, not syntax errors', () => {
    const { migrations } = revisions({ 'r1.py': revision('    op.execute(sa.text("UPDATE t SET a = :value WHERE b::text = :other"))') });
    expect(migrations[0]!.up.statements.map((s) => s.kind)).toEqual(['UpdateStmt']);
  });

  it('marks what it cannot lower, with the reason', () => {
    const { migrations } = revisions({ 'r1.py': revision('    op.execute(f"DROP TABLE {name}")\n    op.drop_table(TABLES[0])\n    op.some_new_operation("x")') });
    expect(migrations[0]!.up.statements.map((s) => s.unanalyzable)).toEqual([
      'SQL passed as an f-string is built at run time',
      'the table name is a subscript or computed member',
      'op.some_new_operation() is not lowered to SQL by migsafe',
    ]);
  });
});

describe('transactions', () => {
  it('runs statements in autocommit_block outside the migration transaction', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migsafe-alembic-'));
    mkdirSync(path.join(dir, 'versions'));
    writeFileSync(
      path.join(dir, 'versions/r1.py'),
      revision(`    op.create_index("ix_a", "t", ["a"], postgresql_concurrently=True)
    with op.get_context().autocommit_block():
        op.create_index("ix_b", "t", ["b"], postgresql_concurrently=True)
        op.execute("VACUUM t")
    op.execute("CREATE INDEX CONCURRENTLY ix_c ON t (c)")`, '    op.drop_index("ix_b", table_name="t", postgresql_concurrently=True)\n'),
    );
    const result = await lintWith({ paths: ['versions'], cwd: dir, rules: { 'require-lock-timeout': 'off' } });
    expect(result.diagnostics.filter((d) => d.ruleId === 'concurrently-in-transaction').map((d) => `${d.section}:${d.line}`)).toEqual(['up:6', 'up:10', 'down:13']);
  });
});

describe('missing downgrade', () => {
  const ids = async (files: Record<string, string>) => {
    const { dir } = revisions(files);
    const result = await lintWith({ paths: ['.'], cwd: dir });
    return result.diagnostics.filter((d) => d.ruleId === 'missing-down').map((d) => `${d.file}:${d.line}`);
  };

  it('flags no downgrade(), or one that is only pass, a docstring or ...; not one that raises', async () => {
    const up = '    op.drop_column("users", "legacy")\n';
    expect(
      await ids({
        'a_none.py': `revision = "a"\ndown_revision = None\n\ndef upgrade():\n${up}`,
        'b_pass.py': `revision = "b"\ndown_revision = "a"\n\ndef upgrade():\n${up}\n\ndef downgrade():\n    pass\n`,
        'c_doc.py': `revision = "c"\ndown_revision = "b"\n\ndef upgrade():\n${up}\n\ndef downgrade():\n    """Nothing to do."""\n`,
        'd_ellipsis.py': `revision = "d"\ndown_revision = "c"\n\ndef upgrade():\n${up}\n\ndef downgrade():\n    ...\n`,
        'e_raises.py': `revision = "e"\ndown_revision = "d"\n\ndef upgrade():\n${up}\n\ndef downgrade():\n    """Irreversible."""\n    raise NotImplementedError()\n`,
      }),
    ).toEqual(['a_none.py:4', 'b_pass.py:8', 'c_doc.py:8', 'd_ellipsis.py:8']);
  });
});

describe('revision graph', () => {
  it('orders revisions by down_revision, not by file name', () => {
    const { migrations } = revisions({
      'a_third.py': 'revision = "3"\ndown_revision = "2"\n\ndef upgrade():\n    pass\n',
      'b_first.py': 'revision = "1"\ndown_revision = None\n\ndef upgrade():\n    pass\n',
      'c_second.py': 'revision: str = "2"\ndown_revision: Union[str, None] = "1"\n\ndef upgrade():\n    pass\n',
    });
    expect(migrations.map((m) => m.revision!.id)).toEqual(['1', '2', '3']);
  });

  it('replays earlier revisions: a table created two revisions back is an existing table', async () => {
    const { dir } = revisions({
      'a.py': 'revision = "a"\ndown_revision = None\n\ndef upgrade():\n    op.create_table("t", sa.Column("id", sa.Integer()))\n    op.create_index("ix_new", "t", ["id"])\n',
      'b.py': 'revision = "b"\ndown_revision = "a"\n\ndef upgrade():\n    op.create_index("ix_t", "t", ["id"])\n',
    });
    const result = await lintWith({ paths: ['.'], cwd: dir, rules: { 'require-lock-timeout': 'off', 'missing-down': 'off' } });
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.ruleId}`)).toEqual(['b.py:5:require-concurrent-index']);
  });
});
