// Migrations that send SQL through a client that opens no transaction of its own: slonik, Prisma
// scripts, and scripts migsafe recognises by their up/down shape only. A transaction the
// migration opens itself (`sql.transaction(...)`, `prisma.$transaction(...)`) is read by the walker.
import type { Framework, ScriptFramework } from './framework.js';

function rawClient(name: Framework, imports: RegExp | undefined): ScriptFramework {
  return {
    name,
    imports,
    runs: () => ({ transaction: 'none', advice: { wrappedBy: 'the migration opens a transaction', outsideTransaction: 'run it outside the transaction the migration opens' } }),
  };
}

export const slonik = rawClient('slonik', /['"](@silverhand\/)?slonik['"]/);
export const prisma = rawClient('prisma', /['"]@prisma\/client['"]/);
export const unknownScript = rawClient('unknown', undefined);
