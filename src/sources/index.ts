// The SQL layouts, in the order they are tried on a directory: the first that claims it reads it.
// Layouts recognised by file names or side files come before those recognised by markers inside
// files, and plain SQL comes last.
import type { MigrationDirectory, ReadContext, SqlLayout } from './layout.js';
import { sqitchLayout } from './sqitch.js';
import { prismaLayout } from './prisma.js';
import { folderPerMigrationLayout } from './folder-per-migration.js';
import { golangMigrateLayout } from './golang-migrate.js';
import { flywayLayout } from './flyway.js';
import { dbmateLayout } from './dbmate.js';
import { gooseLayout } from './goose.js';
import { nodePgMigrateSqlLayout } from './node-pg-migrate-sql.js';
import { drizzleLayout } from './drizzle.js';
import { atlasLayout } from './atlas.js';
import { plainSqlLayout } from './plain-sql.js';
import { alembicLayout } from './alembic.js';
import { scriptLayout } from './script.js';

export const sqlLayouts: SqlLayout[] = [
  sqitchLayout,
  prismaLayout,
  folderPerMigrationLayout,
  golangMigrateLayout,
  flywayLayout,
  dbmateLayout,
  gooseLayout,
  nodePgMigrateSqlLayout,
  drizzleLayout,
  atlasLayout,
  plainSqlLayout,
  alembicLayout,
  scriptLayout,
];

export function layoutByName(name: string): SqlLayout | undefined {
  return sqlLayouts.find((layout) => layout.name === name);
}

/** The layout that reads a directory: the configured one if it reads this kind, else the first claiming it. */
export function layoutFor(directory: MigrationDirectory, context: ReadContext, configured?: string): SqlLayout | undefined {
  const kindOf = (layout: SqlLayout) => layout.kind ?? 'sql';
  const named = configured ? layoutByName(configured) : undefined;
  if (named && kindOf(named) === directory.kind) return named;
  return sqlLayouts.find((layout) => kindOf(layout) === directory.kind && layout.claims(directory, context));
}
