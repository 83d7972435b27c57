// Migrations that send SQL through a client that opens no transaction of its own: slonik, Prisma
// scripts, and scripts migsafe recognises by their up/down shape only. A transaction the
// migration opens itself (`sql.transaction(...)`, `prisma.$transaction(...)`) is read by the walker.
import type { Framework, ScriptFramework } from './framework.js';
import { scriptEditor } from '../../fix/script-editor.js';

function rawClient(name: Framework, imports: RegExp | undefined): ScriptFramework {
  const own = `${name === 'unknown' ? 'these migrations run' : `${name} migrations run`} by the project's own script, which migsafe fix cannot add a migration to or reshape: write the step as that script expects (the finding's help shows it)`;
  return {
    name,
    imports,
    runs: () => ({ transaction: 'none', advice: { wrappedBy: 'the migration opens a transaction', outsideTransaction: 'run it outside the transaction the migration opens' } }),
    writer: {
      // A string is sent as one query: one statement that refuses a transaction block, alone in it.
      outsideTransaction: 'alone',
      editor: scriptEditor(() => '', { awaits: false, inStringOnly: own }),
      create: () => ({ error: own }),
      // No transaction to leave: each query runs on its own.
      optOut: () => [],
    },
  };
}

export const slonik = rawClient('slonik', /['"](@silverhand\/)?slonik['"]/);
export const prisma = rawClient('prisma', /['"]@prisma\/client['"]/);
export const unknownScript = rawClient('unknown', undefined);
