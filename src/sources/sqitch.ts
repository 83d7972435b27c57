// sqitch: `deploy/<change>.sql`, `revert/<change>.sql`, `verify/<change>.sql`, ordered by
// sqitch.plan. sqitch runs each script through psql and opens no transaction itself: scripts say
// BEGIN/COMMIT. https://sqitch.org/docs/manual/sqitchtutorial/
import path from 'node:path';
import type { Migration } from '../engine/types.js';
import { noteLines, sqlLines } from '../fix/writer.js';
import { makeHalf, parseFileRange, type ReadContext, type SqlLayout } from './layout.js';

const SCRIPT_DIRS = new Set(['deploy', 'revert', 'verify']);

export const sqitchLayout: SqlLayout = {
  name: 'sqitch',
  ordersItself: true,
  claims: (directory, context) =>
    context.exists(path.join(directory.dir, 'sqitch.plan')) ||
    directory.files.some((file) => SCRIPT_DIRS.has(path.basename(path.dirname(file)))),
  read(directory, context) {
    const changes = new Map<string, { deploy?: string; revert?: string }>();
    for (const file of directory.files) {
      const kind = path.basename(path.dirname(file));
      if (kind === 'verify') continue; // verify scripts run SELECTs after deploy; nothing to lint
      const change = path.relative(path.join(directory.dir, kind), file).replace(/\.sql$/i, '');
      const entry = changes.get(change) ?? {};
      if (kind === 'revert') entry.revert = file;
      else entry.deploy = file;
      changes.set(change, entry);
    }
    const order = planOrder(directory.dir, context);
    const migrations: Migration[] = [];
    for (const [change, entry] of changes) {
      const deployFile = context.read(entry.deploy ?? entry.revert!);
      const up = makeHalf('up', deployFile, entry.deploy ? parseFileRange(deployFile, 0, deployFile.text.length, context) : [], 'none');
      const revertFile = entry.revert ? context.read(entry.revert) : null;
      const down = revertFile
        ? makeHalf('down', revertFile, parseFileRange(revertFile, 0, revertFile.text.length, context), 'none')
        : null;
      migrations.push({
        id: change,
        layout: 'sqitch',
        directory: directory.dir,
        up,
        down,
        downExpected: true,
        files: revertFile ? [deployFile, revertFile] : [deployFile],
      });
    }
    if (order.size > 0) {
      const rank = (id: string) => order.get(id) ?? Number.MAX_SAFE_INTEGER;
      migrations.sort((a, b) => rank(a.id) - rank(b.id));
    }
    return migrations;
  },
  writer: {
    // psql runs a script statement by statement: BEGIN/COMMIT in the script make its transaction.
    outsideTransaction: 'marker',
    create(after, _next, migrations, { read }) {
      const planFile = path.join(after.directory, 'sqitch.plan');
      const plan = read(planFile);
      if (plan === null) return { error: 'migsafe fix found no sqitch.plan to add the new changes to' };
      const lines = plan.split('\n');
      const at = lines.findIndex((line) => line.trim().split(/\s+/)[0] === after.id);
      if (at < 0) return { error: `sqitch.plan does not list the change ${after.id}` };
      // `change [dependencies] timestamp planner <email> # note`: the new changes get the same planner.
      const planner = /^\S+(?:\s+\[[^\]]*\])?\s+\S+\s+(.+?<[^>]*>)/.exec(lines[at]!.trim())?.[1] ?? 'migsafe <migsafe@localhost>';
      const taken = new Set(lines.map((line) => line.trim().split(/\s+/)[0]));
      const files: Record<string, string> = {};
      const added: string[] = [];
      let previous = after.id;
      for (const m of migrations) {
        let name = m.name;
        for (let i = 2; taken.has(name); i++) name = `${m.name}_${i}`;
        taken.add(name);
        const wrap = (statements: string[], outside: boolean) => (outside ? sqlLines(statements) : `BEGIN;\n\n${sqlLines(statements)}\nCOMMIT;\n`);
        files[path.join(after.directory, 'deploy', `${name}.sql`)] = `-- Deploy ${name}\n${noteLines(m.notes)}${wrap(m.up, m.outsideTransaction)}`;
        if (m.down) files[path.join(after.directory, 'revert', `${name}.sql`)] = `-- Revert ${name}\n${wrap(m.down, m.downOutsideTransaction)}`;
        added.push(`${name} [${previous}] ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} ${planner} # written by migsafe fix after ${after.id}`);
        previous = name;
      }
      lines.splice(at + 1, 0, ...added);
      files[planFile] = lines.join('\n');
      return files;
    },
    optOut: (migration) => (migration.up.statements.some((s) => s.ast?.TransactionStmt) ? null : []),
  },
};

/** Change names in sqitch.plan order: one change per line, `%` pragmas and `@` tags skipped. */
function planOrder(dir: string, context: ReadContext): Map<string, number> {
  const plan = path.join(dir, 'sqitch.plan');
  const order = new Map<string, number>();
  if (!context.exists(plan)) return order;
  for (const line of context.read(plan).text.split('\n')) {
    const name = line.trim().split(/\s+/)[0];
    if (!name || name.startsWith('%') || name.startsWith('@') || name.startsWith('#')) continue;
    if (!order.has(name)) order.set(name, order.size);
  }
  return order;
}
