// The programmatic API: what the CLI, the ESLint plugin and trace/verify are built on.
export { lint, lintSync, type LintRequest, type LintResult, type LintSummary } from './engine/lint.js';
export { loadConfig, loadConfigSync, type MigsafeConfig } from './engine/config.js';
export { loadRules } from './engine/rules-registry.js';
export { defineRule, type RuleModule } from './engine/rule.js';
export type { Diagnostic, Severity } from './engine/types.js';
export { reporters } from './report/index.js';
