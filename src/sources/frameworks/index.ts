// The TS/JS frameworks migsafe reads, in the order they are recognised: by what the file imports
// first, then by the up function's parameter and calls. A new framework is one module here.
import type { Framework, ScriptFramework, ScriptMigration } from './framework.js';
import { typeorm } from './typeorm.js';
import { mikroorm } from './mikroorm.js';
import { kysely } from './kysely.js';
import { nodePgMigrate } from './node-pg-migrate.js';
import { knex } from './knex.js';
import { sequelize } from './sequelize.js';
import { dbMigrate } from './db-migrate.js';
import { prisma, slonik, unknownScript } from './raw-clients.js';

export const scriptFrameworks: ScriptFramework[] = [typeorm, mikroorm, kysely, nodePgMigrate, knex, sequelize, slonik, prisma, dbMigrate];

/** Without an import, the most specific signs first. */
const RECOGNITION_ORDER: ScriptFramework[] = [mikroorm, nodePgMigrate, knex, sequelize, typeorm, dbMigrate, kysely];

export function frameworkNamed(name: Framework): ScriptFramework {
  return scriptFrameworks.find((f) => f.name === name) ?? unknownScript;
}

export function detectFramework(migration: ScriptMigration, upParam: string): ScriptFramework {
  for (const framework of scriptFrameworks) if (framework.imports?.test(migration.text)) return framework;
  for (const framework of RECOGNITION_ORDER) if (framework.recognise?.(migration, upParam)) return framework;
  return unknownScript;
}

export type { Framework, ScriptFramework } from './framework.js';
