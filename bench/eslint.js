// One ESLint run in a fresh process, as a user's eslint.config with the plugin's recommended config
// and typescript-eslint's parser for TS/JS migrations (README "ESLint"): lints the files given and
// prints the number of problems and peak memory as JSON. MIGSAFE_NO_CACHE=1 runs it without
// migsafe's cache, as a first run would.
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import migsafe from '../dist/src/eslint/index.js';

const [dir, ...files] = process.argv.slice(2);
const cwd = path.resolve(dir);
await migsafe.ready;
const eslint = new ESLint({
  cwd,
  overrideConfigFile: true,
  // The recommended script rules on every TS/JS file given (the corpus keeps migrations in folders
  // such as SchemaMigrations/, outside the default globs), read with typescript-eslint's parser.
  overrideConfig: [...migsafe.configs.recommended, { ...migsafe.configs.scripts[0], files: ['**/*.ts', '**/*.js'], languageOptions: { parser: tseslint.parser } }],
});
const results = await eslint.lintFiles(files);
process.stdout.write(
  JSON.stringify({
    problems: results.reduce((sum, r) => sum + r.messages.length, 0),
    fatal: results.reduce((sum, r) => sum + r.messages.filter((m) => m.fatal).length, 0),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
