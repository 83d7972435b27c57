import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  id: 'drop-database',
  severity: 'error',
  docs: {
    summary: 'DROP DATABASE in a migration: every table, row and object of a whole database, gone at once.',
    why: `A migration runs against one database and is applied to every environment, production included.
DROP DATABASE removes a whole database (all its schemas and data) with no undo, and it cannot run in
a transaction block, so a runner that wraps migrations fails on it after the statements before it.`,
    safe: `Keep database creation and removal out of schema migrations: provision and retire databases in
infrastructure code, where it is reviewed as such. A test database is dropped by the test setup.`,
    sources: ['https://www.postgresql.org/docs/current/sql-dropdatabase.html'],
    examples: {
      invalid: [{ sql: 'DROP DATABASE analytics;' }],
      valid: [{ sql: 'CREATE TABLE scratch (id int);' }],
    },
  },
  messages: {
    drop: {
      message: 'DROP DATABASE "{{name}}" removes a whole database, with every table and row in it, in every environment this migration reaches.',
      help: 'Retire databases in infrastructure code, not in a schema migration.',
    },
  },
  create(context) {
    return {
      DropdbStmt(node) {
        context.report({ messageId: 'drop', data: { name: node.dbname } });
      },
    };
  },
});
