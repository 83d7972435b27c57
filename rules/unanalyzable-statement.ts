import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  id: 'unanalyzable-statement',
  severity: 'info',
  docs: {
    summary: 'A migration operation whose SQL migsafe cannot know without running the code.',
    why: `migsafe reads Alembic (and other code) migrations statically and never runs them. SQL built at run
time (an f-string, a variable assigned from a function call, a helper imported from another module)
or an operation migsafe does not lower cannot be checked: none of the other rules can see it. This
finding marks the gap so that coverage is visible, not silently assumed.`,
    safe: `Write the SQL as a literal string (\`op.execute("ALTER TABLE ...")\`), use the \`op.*\` operation
directly, or define the helper in the same revision file, where migsafe follows it:

~~~python
def upgrade():
    op.execute("ALTER TABLE users ADD COLUMN bio text")
~~~`,
    sources: ['https://www.postgresql.org/docs/current/sql-commands.html'],
    examples: {
      invalid: [
        {
          files: {
            'a1_add_bio.py': 'revision = "a1"\ndown_revision = None\n\ndef upgrade():\n    column = "bio"\n    op.execute(f"ALTER TABLE users ADD COLUMN {column} text")\n\ndef downgrade():\n    op.drop_column("users", "bio")\n',
          },
        },
      ],
      valid: [
        {
          files: {
            'a1_add_bio.py': 'revision = "a1"\ndown_revision = None\n\ndef upgrade():\n    op.execute("ALTER TABLE users ADD COLUMN bio text")\n\ndef downgrade():\n    op.drop_column("users", "bio")\n',
          },
        },
      ],
    },
  },
  messages: {
    unanalyzable: {
      message: 'migsafe cannot see the SQL of this operation ({{reason}}), so no rule checked it.',
      help: 'Write the SQL as a literal string or use the op.* operation directly, so it can be checked.',
    },
  },
  create(context) {
    return {
      Unanalyzable(_node, ctx) {
        context.report({ messageId: 'unanalyzable', data: { reason: ctx.statement.unanalyzable ?? 'unknown' } });
      },
    };
  },
});
