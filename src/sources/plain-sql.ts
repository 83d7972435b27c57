// Plain `.sql` files: one file is one migration, with no down. Statements are in a transaction only
// between an explicit BEGIN and COMMIT, unless the config says the runner wraps each file
// (`assumeInTransaction`).
import path from 'node:path';
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
};
