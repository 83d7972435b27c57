import { defineRule } from '../src/engine/rule.js';
import type { Migration } from '../src/engine/types.js';

export default defineRule({
  id: 'alembic-revision-graph',
  severity: 'error',
  docs: {
    summary: 'An Alembic versions directory with more than one head, a down_revision naming no revision, a duplicate revision id, or a cycle.',
    why: `Alembic orders revisions by their down_revision links. Two revisions with the same down_revision
and no merge revision leave two heads: \`alembic upgrade head\` refuses to run ("Multiple head revisions
are present"). A down_revision that names no revision, or a cycle, breaks the chain for every
revision after it; two files with the same revision id make the graph ambiguous.`,
    safe: `Merge the heads with \`alembic merge heads -m "merge"\`, or point the newer revision's down_revision
at the current head:

~~~python
revision = "c3"
down_revision = ("a1", "b2")  # a merge revision joins both heads
~~~`,
    sources: ['https://www.postgresql.org/docs/current/ddl.html'],
    examples: {
      invalid: [
        {
          files: {
            'a1_base.py': 'revision = "a1"\ndown_revision = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n',
            'b2_left.py': 'revision = "b2"\ndown_revision = "a1"\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n',
            'c3_right.py': 'revision = "c3"\ndown_revision = "a1"\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n',
          },
        },
      ],
      valid: [
        {
          files: {
            'a1_base.py': 'revision = "a1"\ndown_revision = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n',
            'b2_left.py': 'revision = "b2"\ndown_revision = "a1"\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n',
            'c3_right.py': 'revision = "c3"\ndown_revision = "a1"\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n',
            'd4_merge.py': 'revision = "d4"\ndown_revision = ("b2", "c3")\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n',
          },
        },
      ],
    },
  },
  messages: {
    heads: {
      message: 'Revision {{id}} is a second head: {{others}} also ha{{verb}} no revision after {{them}}, so `alembic upgrade head` refuses to run.',
      help: 'Merge the heads (`alembic merge heads`), or set this revision\'s down_revision to the current head.',
    },
    missingParent: {
      message: 'down_revision of {{id}} names {{parent}}, which is no revision in this directory.',
      help: 'Point down_revision at an existing revision (or None for the first one).',
    },
    duplicate: {
      message: 'Revision id {{id}} is used by more than one file ({{files}}).',
      help: 'Give this revision a new id (`alembic revision` generates one).',
    },
    cycle: {
      message: 'Revisions {{cycle}} form a cycle through their down_revision links.',
      help: 'Break the cycle: one of these revisions must follow a revision outside it.',
    },
  },
  create: () => ({}),
  checkDirectory(migrations, context) {
    const revisions = migrations.filter((m) => m.revision);
    if (revisions.length === 0) return;
    const byId = new Map<string, Migration[]>();
    for (const m of revisions) byId.set(m.revision!.id, [...(byId.get(m.revision!.id) ?? []), m]);
    const at = (m: Migration) => ({ at: m.revision!.anchor, migration: m, section: 'up' as const });

    let broken = false;
    for (const [id, same] of byId) {
      for (const m of same.slice(1)) {
        context.report({ messageId: 'duplicate', data: { id, files: same.map((s) => s.files[0]!.relPath).join(', ') }, ...at(m) });
        broken = true;
      }
    }
    for (const m of revisions) {
      for (const parent of m.revision!.parents) {
        if (byId.has(parent)) continue;
        context.report({ messageId: 'missingParent', data: { id: m.revision!.id, parent }, ...at(m) });
        broken = true;
      }
    }
    // Heads are only meaningful in a graph whose links all resolve.
    const hasChild = new Set(revisions.flatMap((m) => m.revision!.parents));
    const heads = revisions.filter((m) => !hasChild.has(m.revision!.id)).sort((a, b) => a.id.localeCompare(b.id));
    for (const head of broken ? [] : heads.slice(1)) {
      const others = heads.filter((h) => h !== head).map((h) => h.revision!.id);
      context.report({ messageId: 'heads', data: { id: head.revision!.id, others: others.join(', '), verb: others.length === 1 ? 's' : 've', them: others.length === 1 ? 'it' : 'them' }, ...at(head) });
    }
    // Cycles: follow parent links; a revision reached again on the current path closes a cycle.
    const state = new Map<string, 'open' | 'done'>();
    const reported = new Set<string>();
    const visit = (m: Migration, path: Migration[]) => {
      const id = m.revision!.id;
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'open') {
        const cycle = path.slice(path.findIndex((p) => p.revision!.id === id));
        const key = cycle.map((c) => c.revision!.id).sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          context.report({ messageId: 'cycle', data: { cycle: cycle.map((c) => c.revision!.id).join(' → ') }, ...at(cycle[0]!) });
        }
        return;
      }
      state.set(id, 'open');
      for (const parent of m.revision!.parents) for (const p of byId.get(parent) ?? []) visit(p, [...path, m]);
      state.set(id, 'done');
    };
    for (const m of revisions) visit(m, []);
  },
});
