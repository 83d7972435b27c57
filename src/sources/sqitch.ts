// sqitch: `deploy/<change>.sql`, `revert/<change>.sql`, `verify/<change>.sql`, ordered by
// sqitch.plan. sqitch runs each script through psql and opens no transaction itself: scripts say
// BEGIN/COMMIT. https://sqitch.org/docs/manual/sqitchtutorial/
import path from 'node:path';
import { readFileSync } from 'node:fs';
import type { Migration } from '../engine/types.js';
import { makeHalf, parseFileRange, type SqlLayout } from './layout.js';

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
    const order = planOrder(directory.dir, context.exists);
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
};

/** Change names in sqitch.plan order: one change per line, `%` pragmas and `@` tags skipped. */
function planOrder(dir: string, exists: (p: string) => boolean): Map<string, number> {
  const plan = path.join(dir, 'sqitch.plan');
  const order = new Map<string, number>();
  if (!exists(plan)) return order;
  for (const line of readFileSync(plan, 'utf8').split('\n')) {
    const name = line.trim().split(/\s+/)[0];
    if (!name || name.startsWith('%') || name.startsWith('@') || name.startsWith('#')) continue;
    if (!order.has(name)) order.set(name, order.size);
  }
  return order;
}
