// goose: `-- +goose Up` / `-- +goose Down` sections; goose wraps each migration in a transaction
// unless the file says `-- +goose NO TRANSACTION`. StatementBegin/StatementEnd only group lines
// into one statement, which PostgreSQL's parser does on its own for dollar-quoted bodies.
// https://pressly.github.io/goose/documentation/annotations/
import { markedFileMigration, splitByMarkers, type SqlLayout } from './layout.js';

const MARKER = /^--\s*\+goose\s+(up|down)\b/i;

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
};
