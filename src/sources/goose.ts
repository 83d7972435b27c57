// goose: `-- +goose Up` / `-- +goose Down` sections; goose wraps each migration in a transaction
// unless the file says `-- +goose NO TRANSACTION`. StatementBegin/StatementEnd only group lines
// into one statement, which PostgreSQL's parser does on its own for dollar-quoted bodies.
// https://pressly.github.io/goose/documentation/annotations/
import { noteLines, numberedFiles, sqlLines } from '../fix/writer.js';
import { markedFileMigration, splitByMarkers, type SqlLayout } from './layout.js';

const MARKER = /^--\s*\+goose\s+(up|down)\b/i;

/** Statements as goose reads them: one with semicolons inside (a DO block) between StatementBegin and StatementEnd. */
function gooseLines(statements: string[]): string {
  return statements.map((sql) => (sql.includes(';') ? `-- +goose StatementBegin\n${sql};\n-- +goose StatementEnd\n` : sqlLines([sql]))).join('');
}

export const gooseLayout: SqlLayout = {
  name: 'goose',
  claims: (directory, context) => directory.files.some((file) => /^--\s*\+goose\s+up\b/im.test(context.read(file).text)),
  read(directory, context) {
    return directory.files.map((filePath) => {
      const file = context.read(filePath);
      const noTransaction = /^--\s*\+goose\s+NO\s+TRANSACTION\b/im.test(file.text);
      const sections = splitByMarkers(file.text, (line) => {
        const match = MARKER.exec(line);
        return match ? (match[1]!.toLowerCase() as 'up' | 'down') : null;
      });
      return markedFileMigration('goose', directory, file, sections, context, () => (noTransaction ? 'none' : 'wrapped'));
    });
  },
  writer: {
    outsideTransaction: 'marker',
    create: (after, next, migrations) =>
      numberedFiles(after, next, migrations, (version, m) => ({
        [`${version}_${m.name}.sql`]:
          `${m.outsideTransaction || m.downOutsideTransaction ? '-- +goose NO TRANSACTION\n' : ''}-- +goose Up\n${noteLines(m.notes)}${gooseLines(m.up)}` + (m.down ? `\n-- +goose Down\n${gooseLines(m.down)}` : ''),
      })),
    optOut(migration) {
      const file = migration.up.files[0]!;
      if (migration.up.transaction === 'none') return [];
      return [{ file: file.path, start: 0, end: 0, text: '-- +goose NO TRANSACTION\n' }];
    },
  },
};
