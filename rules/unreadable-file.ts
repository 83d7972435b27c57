import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  id: 'unreadable-file',
  severity: 'error',
  docs: {
    summary: 'A migration file migsafe could not read as text: gone, no permission, binary, or not UTF-8.',
    why: `A file that cannot be read is a migration no rule checked. migsafe reports it, at the file (or at
the first byte that is not UTF-8), and lints the rest of the directory. PostgreSQL receives migration
text in the client encoding, UTF-8 nearly everywhere: bytes that are not valid UTF-8 fail with
"invalid byte sequence for encoding UTF8". UTF-16 with a byte-order mark is decoded and read normally.`,
    safe: 'Make the file readable, and save it as UTF-8 text.',
    sources: ['https://www.postgresql.org/docs/current/multibyte.html'],
    examples: {
      invalid: [{ files: { '0001_data.py': 'revision = "a1"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' } }],
      valid: [{ files: { '0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n' } }],
    },
  },
  messages: {
    unreadable: {
      message: '{{reason}}.',
      help: 'Make the file readable, and save it as UTF-8 text, so that migsafe can check it.',
    },
  },
  create(context) {
    return {
      Unreadable(_node, ctx) {
        context.report({ messageId: 'unreadable', data: { reason: ctx.statement.unreadable ?? 'migsafe could not read this file' } });
      },
    };
  },
});
