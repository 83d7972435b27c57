// MikroORM: migration classes whose up()/down() call this.addSql(...) (raw SQL, read by the walker),
// and how its Migrator runs them. https://mikro-orm.io/docs/migrations
import { tsv } from '../typescript-lazy.js';
import type { ScriptFramework, ScriptMigration } from './framework.js';
import { prependToClass, scriptEditor, scriptStyle, sqlLiteral, type ScriptStyle } from '../../fix/script-editor.js';
import { numberedFiles, type NewMigration } from '../../fix/writer.js';

/** `isTransactional() { return false; }` on the migration class. */
function optsOut(migration: ScriptMigration): import('typescript').MethodDeclaration | undefined {
  const owner = migration.owner;
  if (!owner || !(tsv.isClassDeclaration(owner) || tsv.isClassExpression(owner))) return undefined;
  return owner.members.find(
    (m): m is import('typescript').MethodDeclaration => tsv.isMethodDeclaration(m) && !!m.name && tsv.isIdentifier(m.name) && m.name.text === 'isTransactional' && /return\s+false/.test(migration.ev.text(m)),
  );
}

/** `transactional: false` / `allOrNothing: false` in the `migrations` options of a MikroORM config. */
function configFlag(text: string, name: string): boolean | undefined {
  const match = new RegExp(`\\b${name}\\s*:\\s*(true|false)\\b`).exec(text);
  return match ? match[1] === 'true' : undefined;
}

export const mikroorm: ScriptFramework = {
  name: 'mikroorm',
  imports: /['"]@mikro-orm\//,
  recognise: (migration) => /\bthis\.addSql\(/.test(migration.text),
  settings(project) {
    let transactional: boolean | undefined;
    let allOrNothing: boolean | undefined;
    for (const { text } of project.configTexts(/^(mikro-orm|mikroorm|orm)\.config\.(c|m)?[jt]s$/i)) {
      transactional ??= configFlag(text, 'transactional');
      allOrNothing ??= configFlag(text, 'allOrNothing');
    }
    return { transactional: transactional ?? true, allOrNothing: allOrNothing ?? true, ...project.override('mikroorm') };
  },
  runs(migration, _half, settings) {
    // Observed: each migration in a transaction unless isTransactional() returns false or the
    // config says `transactional: false`.
    const wrapped = settings.transactional !== false && !optsOut(migration);
    return {
      transaction: wrapped ? 'wrapped' : 'none',
      advice: {
        wrappedBy: 'MikroORM runs each migration in a transaction',
        outsideTransaction: `put it in its own migration whose \`isTransactional()\` returns false${settings.allOrNothing !== false && settings.transactional !== false ? ', and set `migrations: { allOrNothing: false }` in the MikroORM config' : ''}`,
      },
    };
  },
  writer: {
    outsideTransaction: 'marker',
    editor: scriptEditor((_param, sql) => `this.addSql(${sql})`, { awaits: false, needsParam: false }),
    create(after, next, migrations) {
      const settings = after.up.runner?.settings ?? {};
      if (migrations.some((m) => m.outsideTransaction || m.downOutsideTransaction) && settings.allOrNothing !== false && settings.transactional !== false) {
        return { error: `MikroORM's allOrNothing (its default) keeps one transaction open for the whole run: ${after.up.runner?.outsideTransaction ?? ''}` };
      }
      const file = after.up.files[0]!;
      const style = scriptStyle(file, /\bMigration\b/);
      return numberedFiles(after, next, migrations, (version, m) => ({ [`Migration${version}${style.extension}`]: mikroormMigration(file.text, style, `Migration${version}`, m) }), (id) => /^Migration(\d+)/.exec(id)?.[1] ?? null);
    },
    optOut(migration) {
      if (migration.up.transaction === 'none') return [];
      const settings = migration.up.runner?.settings ?? {};
      if (settings.allOrNothing !== false || /\bisTransactional\b/.test(migration.up.files[0]!.text)) return null;
      const edit = prependToClass(migration.up.files[0]!, 'isTransactional() {\n    return false;\n  }\n');
      return edit ? [edit] : null;
    },
  },
  rejects(migration, settings) {
    const method = optsOut(migration);
    if (!method || settings.allOrNothing === false || settings.transactional === false) return null;
    return {
      node: method,
      afterOthersOnly: true,
      message:
        "MikroORM's `allOrNothing` (its default) keeps one transaction open for the whole `migration:up` and runs this non-transactional migration on another connection: after any other migration in the same run, its CONCURRENTLY statements, and any lock the open transaction holds, wait for that transaction forever (observed: the run hangs; alone in its run it is fine).",
      fix: 'Set `migrations: { allOrNothing: false }` in the MikroORM config (or, where it is set somewhere migsafe does not read, `runners: { mikroorm: { allOrNothing: false } }` in migsafe\'s config), or apply this migration on its own.',
    };
  },
};

/** A migration class as MikroORM generates it (TypeScript, or the CommonJS of the file it follows). */
function mikroormMigration(like: string, style: ScriptStyle, name: string, m: NewMigration): string {
  const ind = style.indent;
  const method = (half: 'up' | 'down', statements: string[], notes: string[]) =>
    `${ind}${style.typed ? 'override ' : ''}async ${half}()${style.typed ? ': Promise<void>' : ''} {\n${[...notes.map((n) => `// ${n}`), ...statements.map((sql) => `this.addSql(${sqlLiteral(sql)});`)].map((line) => `${ind}${ind}${line}\n`).join('')}${ind}}\n`;
  const optOut = m.outsideTransaction ? `\n${ind}${style.typed ? 'override ' : ''}isTransactional()${style.typed ? ': boolean' : ''} {\n${ind}${ind}return false;\n${ind}}\n` : '';
  const body = `${method('up', m.up, m.notes)}${m.down ? `\n${method('down', m.down, [])}` : ''}${optOut}`;
  if (style.esm || style.typed) return `import { Migration } from '@mikro-orm/migrations';\n\nexport class ${name} extends Migration {\n${body}}\n`;
  void like;
  return `const { Migration } = require('@mikro-orm/migrations');\n\nclass ${name} extends Migration {\n${body}}\nexports.${name} = ${name};\n`;
}
