// The JSON output: a public contract (README "JSON output"), pinned by tests. Version it when a
// field changes meaning; adding fields is allowed.
import type { Reporter } from './reporter.js';

export const reportJson: Reporter = (result) => {
  const output = {
    version: 1,
    findings: result.diagnostics.map((d) => ({
      ruleId: d.ruleId,
      severity: d.severity,
      message: d.message,
      help: d.help ?? null,
      // The safe rewrite as SQL, migration by migration, where the rule builds one.
      ...(d.rewrite ? { rewrite: d.rewrite } : {}),
      file: d.file,
      line: d.line,
      column: d.column,
      endLine: d.endLine,
      endColumn: d.endColumn,
      migration: d.migration ?? null,
      section: d.section ?? null,
    })),
    summary: {
      files: result.summary.files,
      migrations: result.summary.migrations,
      statements: result.summary.statements,
      unanalyzable: result.summary.unanalyzable,
      errors: result.summary.errors,
      warnings: result.summary.warnings,
      infos: result.summary.infos,
      ...(result.summary.baseline ? { baseline: result.summary.baseline } : {}),
    },
    ...(result.database ? { database: result.database } : {}),
    ...(result.observed ? { observed: result.observed } : {}),
    ...(result.trace ? { trace: result.trace } : {}),
  };
  return `${JSON.stringify(output, null, 2)}\n`;
};
