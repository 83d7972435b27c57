// Atlas versioned migrations: `<version>_<name>.sql` beside `atlas.sum`. Atlas runs each file in
// its own transaction by default (--tx-mode file); `-- atlas:txmode none` turns that off for a
// file. There are no down files. https://atlasgo.io/versioned/apply#transaction-configuration
import path from 'node:path';
import { createHash } from 'node:crypto';
import { noteLines, numberedFiles, sqlLines } from '../fix/writer.js';
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
  writer: {
    // With `-- atlas:txmode none` Atlas runs the file's statements one by one.
    outsideTransaction: 'marker',
    create: (after, next, migrations) =>
      numberedFiles(after, next, migrations, (version, m) => ({ [`${version}_${m.name}.sql`]: `${m.outsideTransaction ? '-- atlas:txmode none\n' : ''}${noteLines(m.notes)}${sqlLines(m.up)}` })),
    optOut(migration) {
      if (migration.up.transaction === 'none') return [];
      return [{ file: migration.up.files[0]!.path, start: 0, end: 0, text: '-- atlas:txmode none\n' }];
    },
    finish(directory, files, read) {
      const sumFile = path.join(directory, 'atlas.sum');
      if (read(sumFile) === null) return {};
      const migrations = files.filter((file) => path.dirname(file) === directory && file.endsWith('.sql')).sort();
      return { [sumFile]: atlasSum(migrations.map((file) => ({ name: path.basename(file), text: read(file) ?? '' }))) };
    },
  },
};

/**
 * atlas.sum: each file's hash covers its name and text and every file before it (one running
 * SHA-256), and the first line hashes the names and hashes. Checked against an atlas.sum Atlas wrote
 * (test/fix.test.ts); Atlas refuses a directory whose sum does not match.
 */
export function atlasSum(files: { name: string; text: string }[]): string {
  const running = createHash('sha256');
  const lines = files.map(({ name, text }) => {
    running.update(name);
    running.update(text);
    return { name, hash: running.copy().digest('base64') };
  });
  const total = createHash('sha256');
  for (const { name, hash } of lines) total.update(name).update(hash);
  return `h1:${total.digest('base64')}\n${lines.map(({ name, hash }) => `${name} h1:${hash}\n`).join('')}`;
}
