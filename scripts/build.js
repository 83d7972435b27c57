// Builds dist/ from src/ and rules/ with TypeScript's own transpiler, file by file: no type-check
// (npm test does that), no @types, nothing printed. It runs as the `prepare` script wherever the
// package is built from source (a git URL, pre-commit's install), where only the runtime
// dependencies may be present: typescript is one of them.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist');
const options = {
  target: ts.ScriptTarget.ES2022,
  // The package is "type": "module": every file is an ES module (tsc's NodeNext says the same).
  module: ts.ModuleKind.ES2022,
  esModuleInterop: true,
  sourceMap: true,
};

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    // Tests kept beside their module (src/sources/frameworks/*.test.ts) are not part of the package.
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

rmSync(out, { recursive: true, force: true });
let failed = 0;
// The build's identity, from every file it emits: the lint cache keys its entries with it, so that
// any change to migsafe's code (a rule, a reader) invalidates what an older build stored.
const identity = createHash('sha1');
for (const file of [...sources(path.join(root, 'src')), ...sources(path.join(root, 'rules'))]) {
  const rel = path.relative(root, file);
  const target = path.join(out, rel.replace(/\.ts$/, '.js'));
  const result = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: rel, reportDiagnostics: true });
  for (const diagnostic of result.diagnostics ?? []) {
    failed++;
    process.stderr.write(`${rel}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}\n`);
  }
  identity.update(rel).update('\0').update(result.outputText).update('\0');
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, result.outputText.replace(/\/\/# sourceMappingURL=.*$/m, `//# sourceMappingURL=${path.basename(target)}.map`));
  if (result.sourceMapText) writeFileSync(`${target}.map`, result.sourceMapText);
}
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
writeFileSync(path.join(out, 'build-id.json'), `${JSON.stringify({ version, id: `${version}+${identity.digest('hex').slice(0, 16)}` })}\n`);
if (failed) process.exit(1);
