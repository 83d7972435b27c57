// Plain `.sql` files: one file is one migration, with no down. Statements are in a transaction only
// between an explicit BEGIN and COMMIT, unless the config says the runner wraps each file
// (`assumeInTransaction`).
import path from 'node:path';
import { noteLines, numberedFiles, sqlLines } from '../fix/writer.js';
import { makeHalf, parseFileRange, type SqlLayout } from './layout.js';

export const plainSqlLayout: SqlLayout = {
  name: 'plain',
  claims: () => true,
  read(directory, context) {
    return directory.files.map((filePath) => {
      const file = context.read(filePath);
      return {
        id: path.basename(filePath).replace(/\.sql$/i, ''),
        layout: 'plain',
        directory: directory.dir,
        up: makeHalf('up', file, parseFileRange(file, 0, file.text.length, context), context.assumeInTransaction ? 'wrapped' : 'none'),
        down: null,
        downExpected: false,
        files: [file],
      };
    });
  },
  writer: {
    // Run by psql or a script: each statement on its own, unless the file says BEGIN (or the config
    // says the runner wraps each file, and then nothing can run outside a transaction).
    outsideTransaction: 'marker',
    create(after, next, migrations) {
      if (after.up.transaction === 'wrapped' && migrations.some((m) => m.outsideTransaction)) {
        return { error: 'the config says the runner wraps each file in a transaction (assumeInTransaction): run this statement outside it, by hand' };
      }
      return numberedFiles(after, next, migrations, (version, m) => ({ [`${version}_${m.name}.sql`]: noteLines(m.notes) + sqlLines(m.up) }));
    },
    optOut: (migration) => (migration.up.transaction === 'none' ? [] : null),
  },
};
