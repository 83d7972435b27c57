// Drizzle Kit: `NNNN_name.sql` files whose statements are separated by `--> statement-breakpoint`,
// listed in `meta/_journal.json`. Drizzle's migrator runs all pending migrations in one
// transaction, and there are no down migrations. https://orm.drizzle.team/docs/migrations
import path from 'node:path';
import { makeHalf, parseFileRange, type SqlLayout } from './layout.js';

export const drizzleLayout: SqlLayout = {
  name: 'drizzle',
  claims: (directory, context) =>
    context.exists(path.join(directory.dir, 'meta', '_journal.json')) ||
    directory.files.some((file) => context.read(file).text.includes('--> statement-breakpoint')),
  read(directory, context) {
    return directory.files.map((filePath) => {
      const file = context.read(filePath);
      return {
        id: path.basename(filePath).replace(/\.sql$/i, ''),
        layout: 'drizzle',
        directory: directory.dir,
        up: makeHalf('up', file, parseFileRange(file, 0, file.text.length, context), 'wrapped'),
        down: null,
        downExpected: false,
        files: [file],
      };
    });
  },
  writer: {
    // Drizzle's migrator applies every pending migration in one transaction: a later migration is
    // no later transaction, and nothing runs outside one. Only rewrites that stay in place are written.
    outsideTransaction: 'none',
    create: () => ({
      error:
        "Drizzle's migrator applies all pending migrations in one transaction, so a later migration is not a later transaction: deploy this one first, then add the next step with `drizzle-kit generate --custom` (or run it outside `drizzle-kit migrate`)",
    }),
    optOut: () => null,
  },
};
