// Prisma Migrate: `migrations/<timestamp>_<name>/migration.sql`. Prisma has no down migrations by
// design, and sends the file as one script, which PostgreSQL runs as one implicit transaction.
// https://www.prisma.io/docs/orm/prisma-migrate/understanding-prisma-migrate/migration-histories
import path from 'node:path';
import { noteLines, numberedFiles, sqlLines } from '../fix/writer.js';
import { makeHalf, parseFileRange, type SqlLayout } from './layout.js';

export const prismaLayout: SqlLayout = {
  name: 'prisma',
  claims: (directory) => directory.files.some((file) => path.basename(file) === 'migration.sql'),
  read(directory, context) {
    return directory.files.map((filePath) => {
      const file = context.read(filePath);
      const statements = parseFileRange(file, 0, file.text.length, context);
      return {
        id: path.basename(path.dirname(filePath)),
        layout: 'prisma',
        directory: directory.dir,
        up: makeHalf('up', file, statements, 'implicit'),
        down: null,
        downExpected: false,
        files: [file],
      };
    });
  },
  writer: {
    outsideTransaction: 'alone',
    create: (after, next, migrations) =>
      numberedFiles(after, next, migrations, (version, m) => ({ [`${version}_${m.name}/migration.sql`]: noteLines(m.notes) + sqlLines(m.up) })),
    optOut: () => [],
  },
};
