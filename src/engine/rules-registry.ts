// Every file in rules/ is a rule: adding one needs no edit anywhere else.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
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
    const files = ruleFiles();
    return checkedRules(files, await Promise.all(files.map((f) => import(pathToFileURL(path.join(rulesDirectory(), f)).href))));
  })();
  return loaded;
}

let loadedSync: RuleModule[] | null = null;

/**
 * The rules, loaded synchronously (the ESLint plugin has no top-level await, so that CommonJS
 * configs can require it): require() of the rule modules, ES modules without top-level await,
 * which Node loads synchronously since 20.19.
 */
export function loadRulesSync(): RuleModule[] {
  if (!loadedSync) {
    const files = ruleFiles();
    const require = createRequire(import.meta.url);
    loadedSync = checkedRules(files, files.map((f) => require(path.join(rulesDirectory(), f))));
  }
  return loadedSync;
}

function ruleFiles(): string[] {
  return readdirSync(rulesDirectory()).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')).sort();
}

function checkedRules(files: string[], modules: { default?: RuleModule }[]): RuleModule[] {
  const rules = modules.map((m, i) => {
    const rule = m.default;
    if (!rule?.id || typeof rule.create !== 'function') throw new Error(`rules/${files[i]} does not export a rule as default`);
    if (`${rule.id}` !== files[i]!.replace(/\.(js|ts)$/, '')) throw new Error(`rules/${files[i]} exports rule ${rule.id}: the file name must be the rule id`);
    return rule;
  });
  return rules.sort((a, b) => a.id.localeCompare(b.id));
}
