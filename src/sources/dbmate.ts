// dbmate: `-- migrate:up` and `-- migrate:down` sections in one file; each runs in a transaction
// unless its marker line says `transaction:false`, and then the section is one multi-statement query. https://github.com/amacneil/dbmate#creating-migrations
import path from 'node:path';
import { noteLines, numberedFiles, sqlLines } from '../fix/writer.js';
import { markedFileMigration, splitByMarkers, type SqlLayout } from './layout.js';

const MARKER = /^--\s*migrate:(up|down)\b/i;

export const dbmateLayout: SqlLayout = {
  name: 'dbmate',
  claims: (directory, context) => directory.files.some((file) => /^--\s*migrate:up\b/im.test(context.read(file).text)),
  read(directory, context) {
    return directory.files.map((filePath) => {
      const file = context.read(filePath);
      const sections = splitByMarkers(file.text, (line) => {
        const match = MARKER.exec(line);
        return match ? (match[1]!.toLowerCase() as 'up' | 'down') : null;
      });
      // Observed (test/runners/sql-runners.test.ts): with transaction:false dbmate sends the section as
      // one query, so its statements still run as one implicit transaction.
      const migration = markedFileMigration('dbmate', directory, file, sections, context, (section) =>
        /transaction:\s*false/i.test(section.markerLine) ? 'implicit' : 'wrapped',
      );
      migration.id = path.basename(filePath).replace(/\.sql$/i, '');
      return migration;
    });
  },
  writer: {
    // transaction:false sends the section as one query: an implicit transaction with two statements.
    outsideTransaction: 'alone',
    create: (after, next, migrations) =>
      numberedFiles(after, next, migrations, (version, m) => {
        const marker = (outside: boolean) => (outside ? ' transaction:false' : '');
        return { [`${version}_${m.name}.sql`]: `-- migrate:up${marker(m.outsideTransaction)}\n${noteLines(m.notes)}${sqlLines(m.up)}` + (m.down ? `\n-- migrate:down${marker(m.downOutsideTransaction)}\n${sqlLines(m.down)}` : '') };
      }),
    optOut(migration) {
      if (migration.up.transaction !== 'wrapped') return [];
      const file = migration.up.anchor.file;
      const lineEnd = file.text.indexOf('\n', migration.up.anchor.offset);
      const end = lineEnd < 0 ? file.text.length : lineEnd;
      return [{ file: file.path, start: end, end, text: ' transaction:false' }];
    },
  },
};
