// One measured run in a fresh process: lint a directory and print figures as JSON.
import { lint } from '../dist/src/engine/lint.js';

const [dir] = process.argv.slice(2);
const started = performance.now();
const result = await lint({ paths: ['.'], cwd: dir, config: { config: {}, filepath: null, base: dir } });
const elapsed = performance.now() - started;
process.stdout.write(
  JSON.stringify({
    files: result.summary.files,
    migrations: result.summary.migrations,
    statements: result.summary.statements,
    findings: result.diagnostics.length,
    syntaxErrors: result.diagnostics.filter((d) => d.ruleId === 'syntax-error').length,
    internalErrors: result.errors.length,
    lintMs: Math.round(elapsed),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    layouts: result.layouts,
  }),
);
