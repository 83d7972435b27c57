// npm run docs: writes docs/rules/<id>.md from each rule module (the same text as `migsafe explain`),
// the pages the ESLint rules' meta.docs.url and SARIF help point at. A test checks they are current.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ruleMarkdown } from '../dist/src/engine/rule-docs.js';
import { loadRules } from '../dist/src/engine/rules-registry.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'docs/rules');
mkdirSync(dir, { recursive: true });
const rules = await loadRules();
for (const rule of rules) writeFileSync(path.join(dir, `${rule.id}.md`), ruleMarkdown(rule));
console.log(`wrote ${rules.length} rule pages to docs/rules/`);
