// Every file in rules/ is a rule: adding one needs no edit anywhere else.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RuleModule } from './rule.js';

let loaded: Promise<RuleModule[]> | null = null;

export function rulesDirectory(): string {
  // src/engine → rules (tests run the TypeScript); dist/src/engine → dist/rules (the build).
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../rules');
}

export function loadRules(): Promise<RuleModule[]> {
  loaded ??= (async () => {
    const dir = rulesDirectory();
    const files = readdirSync(dir).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')).sort();
    const modules = await Promise.all(files.map((f) => import(pathToFileURL(path.join(dir, f)).href)));
    const rules = modules.map((m, i) => {
      const rule = m.default as RuleModule | undefined;
      if (!rule?.id || typeof rule.create !== 'function') throw new Error(`rules/${files[i]} does not export a rule as default`);
      if (`${rule.id}` !== files[i]!.replace(/\.(js|ts)$/, '')) throw new Error(`rules/${files[i]} exports rule ${rule.id}: the file name must be the rule id`);
      return rule;
    });
    return rules.sort((a, b) => a.id.localeCompare(b.id));
  })();
  return loaded;
}
