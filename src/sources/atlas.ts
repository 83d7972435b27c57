// Atlas versioned migrations: `<version>_<name>.sql` beside `atlas.sum`. Atlas runs each file in
// its own transaction by default (--tx-mode file); `-- atlas:txmode none` turns that off for a
// file. There are no down files. https://atlasgo.io/versioned/apply#transaction-configuration
import path from 'node:path';
import { makeHalf, parseFileRange, type SqlLayout } from './layout.js';

export const atlasLayout: SqlLayout = {
  name: 'atlas',
  claims: (directory, context) =>
    context.exists(path.join(directory.dir, 'atlas.sum')) ||
    directory.files.some((file) => /^--\s*atlas:txmode\b/im.test(context.read(file).text)),
  read(directory, context) {
    return directory.files.map((filePath) => {
      const file = context.read(filePath);
      const noTransaction = /^--\s*atlas:txmode\s+none\b/im.test(file.text);
      return {
        id: path.basename(filePath).replace(/\.sql$/i, ''),
        layout: 'atlas',
        directory: directory.dir,
        up: makeHalf('up', file, parseFileRange(file, 0, file.text.length, context), noTransaction ? 'none' : 'wrapped'),
        down: null,
        downExpected: false,
        files: [file],
      };
    });
  },
};
