// node-pg-migrate SQL migrations: `-- Up Migration` and `-- Down Migration` sections. node-pg-migrate
// runs each migration in a transaction (unless run with --no-single-transaction handling per file).
// https://salsita.github.io/node-pg-migrate/migrations/sql
import { noteLines, numberedFiles, sqlLines } from '../fix/writer.js';
import { markedFileMigration, splitByMarkers, type SqlLayout } from './layout.js';

const MARKER = /^--\s*(up|down)\s+migration\b/i;

export const nodePgMigrateSqlLayout: SqlLayout = {
  name: 'node-pg-migrate',
  claims: (directory, context) => directory.files.some((file) => /^--\s*up\s+migration\b/im.test(context.read(file).text)),
  read(directory, context) {
    return directory.files.map((filePath) => {
      const file = context.read(filePath);
      const sections = splitByMarkers(file.text, (line) => {
        const match = MARKER.exec(line);
        return match ? (match[1]!.toLowerCase() as 'up' | 'down') : null;
      });
      return markedFileMigration('node-pg-migrate', directory, file, sections, context, () => 'wrapped');
    });
  },
  writer: {
    // A SQL migration always runs in node-pg-migrate's transaction: nothing is written outside one.
    outsideTransaction: 'none',
    create: (after, next, migrations) =>
      numberedFiles(after, next, migrations, (version, m) => ({
        [`${version}_${m.name}.sql`]: `-- Up Migration\n${noteLines(m.notes)}${sqlLines(m.up)}` + (m.down ? `\n-- Down Migration\n${sqlLines(m.down)}` : ''),
      })),
    optOut: () => null,
  },
};
