import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  id: 'syntax-error',
  severity: 'error',
  docs: {
    summary: 'A statement PostgreSQL cannot parse.',
    why: `migsafe parses with PostgreSQL's own parser (libpg-query, PostgreSQL 18). A statement it cannot
parse will fail when the migration runs, or is templated SQL that migsafe cannot see through. The
statements around it are still linted.`,
    safe: `Fix the statement. For templated SQL (Go templates, \`\${var}\`), add a placeholder pattern to the
config so migsafe replaces it with an identifier before parsing:

~~~json
{ "placeholders": ["\\\\{\\\\{[^}]*\\\\}\\\\}", "\\\\$\\\\{[^}]*\\\\}"] }
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-syntax.html'],
    examples: {
      invalid: [{ sql: 'ALTER TABLE users ADD COLUMN;' }],
      valid: [{ sql: 'ALTER TABLE users ADD COLUMN bio text;' }],
    },
  },
  messages: {
    parse: {
      message: 'PostgreSQL cannot parse this statement: {{error}}.',
      help: 'Fix the SQL; if it is templated, configure "placeholders" so migsafe can read it.',
    },
    python: {
      message: 'Python cannot parse this revision here: {{error}}.',
      help: 'Fix the Python syntax (an unclosed bracket or string, a stray indent).',
    },
    typescript: {
      message: 'TypeScript/JavaScript cannot parse this file here: {{error}}.',
      help: 'Fix the syntax (an unclosed bracket, string or template): the migration runner cannot load the file either.',
    },
  },
  create(context) {
    return {
      ParseError(_node, ctx) {
        const error = ctx.statement.parseError;
        context.report({ messageId: error?.language ?? 'parse', offset: error?.offset, data: { error: error?.message ?? 'syntax error' } });
      },
    };
  },
});
