// MikroORM: migration classes whose up()/down() call this.addSql(...) (raw SQL, read by the walker),
// and how its Migrator runs them. https://mikro-orm.io/docs/migrations
import { tsv } from '../typescript-lazy.js';
import type { ScriptFramework, ScriptMigration } from './framework.js';

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
