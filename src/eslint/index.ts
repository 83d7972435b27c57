// migsafe as an ESLint plugin (flat config): one ESLint rule per migsafe rule, the `migsafe/sql`
// language for .sql files, and recommended configs. Every rule shares one analysis per file: the
// same pipeline as the CLI, with the context (layout, the down file, the config) found from the
// linted file's path.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { discover } from '../discover/discover.js';
import path from 'node:path';
import { loadModule } from 'libpg-query';
import { defaultCacheLocation } from '../engine/cache.js';
import { loadConfigSync } from '../engine/config.js';
import { lintSync } from '../engine/lint.js';
import { ruleMarkdown } from '../engine/rule-docs.js';
import { ruleDocsUrl } from '../engine/rule.js';
import { loadRulesSync } from '../engine/rules-registry.js';
import type { Diagnostic } from '../engine/types.js';
import type { MigrationDirectory } from '../sources/layout.js';
import { sqlLanguage } from './sql-language.js';

// ESLint rules are synchronous: load PostgreSQL's parser and the rules once, when the plugin loads.
// No top-level await: a CommonJS config must be able to require() the plugin. PostgreSQL's parser
// (WASM) loads in the background from here on; ESLint lints files only after loading the config
// and finding the files, by which time it is ready (`plugin.ready` resolves when it is).
let parserReady = false;
const ready = loadModule().then(() => {
  parserReady = true;
});
const allRules = loadRulesSync();
const migsafeRules = allRules.filter((rule) => !rule.observedBy);

interface ReportContext {
  filename: string;
  physicalFilename?: string;
  cwd: string;
  sourceCode: { text: string };
  report(descriptor: Record<string, unknown>): void;
}

const analyses = new WeakMap<object, Diagnostic[]>();

/** migsafe's findings for the file being linted, computed once and shared by every rule. */
function analyze(context: ReportContext): Diagnostic[] {
  const sourceCode = context.sourceCode;
  const cached = analyses.get(sourceCode);
  if (cached) return cached;
  const filename = path.resolve(context.cwd, context.physicalFilename ?? context.filename);
  if (!parserReady) {
    throw new Error("migsafe: PostgreSQL's parser is still loading; await the plugin's `ready` promise before linting in the same tick as importing it");
  }
  let diagnostics: Diagnostic[] = [];
  try {
    const fromDirectory = directoryFindings(filename, sourceCode.text, context.cwd);
    if (fromDirectory) {
      analyses.set(sourceCode, fromDirectory);
      return fromDirectory;
    }
    const result = lintSync(
      // ESLint reads every file as UTF-8: a file that is not (UTF-16, stray bytes, binary) reaches
      // us with U+FFFD or NULs in it; migsafe reads it from disk itself, decoding or reporting it.
      { paths: [filename], cwd: context.cwd, stdin: /[\ufffd\u0000]/.test(sourceCode.text) && existsSync(filename) ? undefined : { text: sourceCode.text, filename } },
      migsafeRules,
      loadConfigSync(path.dirname(filename)),
    );
    diagnostics = result.diagnostics.filter((d) => path.resolve(context.cwd, d.file) === filename);
  } catch (error) {
    // An unreadable config or path is the CLI's to report; the editor stays quiet rather than crash.
    if (process.env.MIGSAFE_DEBUG) console.error(error);
  }
  analyses.set(sourceCode, diagnostics);
  return diagnostics;
}

/**
 * The findings of a whole migration directory, computed once and kept while none of its files
 * changes (path, size, modification time): ESLint lints a directory's files one by one, and each
 * would otherwise replay the whole directory again (quadratic: 544 TypeORM migrations did not
 * finish in 10 minutes). Used when the text ESLint lints is the file on disk; an editor's unsaved
 * buffer is linted on its own.
 */
const directoryAnalyses = new Map<string, { signature: string; byFile: Map<string, Diagnostic[]> }>();

interface DirectoryState {
  directory: MigrationDirectory;
  /** The files with their size and modification time, in order. */
  signature: string;
}

function statOf(file: string): string {
  try {
    const stat = statSync(file);
    return `${stat.size}\u0000${stat.mtimeMs}`;
  } catch {
    return '-';
  }
}

function directoryState(filename: string, cwd: string): DirectoryState | null {
  const directory = discover([filename], { cwd }).directories[0];
  if (!directory) return null;
  return { directory, signature: directory.files.map((file) => `${file}\u0000${statOf(file)}`).join('\n') };
}

function directoryFindings(filename: string, text: string, cwd: string): Diagnostic[] | null {
  let onDisk: string;
  try {
    onDisk = readFileSync(filename, 'utf8');
  } catch {
    return null;
  }
  if (onDisk !== text && onDisk.replace(/^\ufeff/, '') !== text) return null;
  // The file's migration directory, as the CLI reads it for context (not the folders below it), and
  // the state of its files, looked at on every call: ESLint gives no sign of where one run ends, and
  // any of the files may have changed since the last one (a time window here once served stale
  // findings when an earlier migration changed between two runs).
  const state = directoryState(filename, cwd);
  if (!state) return null;
  const { directory, signature } = state;
  const files = directory.files;
  const key = `${directory.kind}\u0000${directory.dir}`;
  let cached = directoryAnalyses.get(key);
  if (!cached || cached.signature !== signature) {
    // Through migsafe's lint cache (node_modules/.cache/migsafe): the next ESLint run, or the editor
    // after a restart, reuses a directory nothing of which changed (MIGSAFE_NO_CACHE=1 turns it off).
    const cache = process.env.MIGSAFE_NO_CACHE ? undefined : defaultCacheLocation(cwd);
    const result = lintSync({ paths: files, cwd, cache }, migsafeRules, loadConfigSync(directory.dir));
    const byFile = new Map<string, Diagnostic[]>();
    for (const d of result.diagnostics) {
      const file = path.resolve(cwd, d.file);
      byFile.set(file, [...(byFile.get(file) ?? []), d]);
    }
    cached = { signature, byFile };
    directoryAnalyses.set(key, cached);
  }
  return cached.byFile.get(filename) ?? [];
}

/** Line/column (1-based) to an offset of the text. */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) offset = text.indexOf('\n', offset) + 1;
  return offset + column - 1;
}

interface Insertion {
  at: number;
  text: string;
}

/**
 * The mechanical rewrite for a non-concurrent index statement: CONCURRENTLY, plus the marker that
 * takes the migration out of its runner's transaction where the layout has one in the file.
 */
function concurrentlyInsertions(d: Diagnostic, text: string, keyword: RegExp): Insertion[] | null {
  const start = offsetOf(text, d.line, d.column);
  const match = keyword.exec(text.slice(start, start + 80));
  if (!match || match.index !== 0) return null;
  const insertions: Insertion[] = [{ at: start + match[0].length, text: ' CONCURRENTLY' }];
  if (d.layout === 'goose' && !/^--\s*\+goose\s+NO\s+TRANSACTION/im.test(text)) insertions.push({ at: 0, text: '-- +goose NO TRANSACTION\n' });
  if (d.layout === 'dbmate') {
    const marker = /^--\s*migrate:up\b(?!.*transaction:false).*$/m.exec(text);
    if (marker) insertions.push({ at: marker.index + marker[0].length, text: ' transaction:false' });
  }
  if (d.layout === 'atlas' && !/^--\s*atlas:txmode\s+none/im.test(text)) insertions.push({ at: 0, text: '-- atlas:txmode none\n' });
  if (d.layout === 'knex' && !/\bconfig\s*=\s*\{[^}]*transaction\s*:\s*false/.test(text)) insertions.push({ at: 0, text: 'exports.config = { transaction: false };\n' });
  return insertions;
}

function applyInsertions(text: string, insertions: Insertion[]): string {
  let out = text;
  for (const insertion of [...insertions].sort((a, b) => b.at - a.at)) out = out.slice(0, insertion.at) + insertion.text + out.slice(insertion.at);
  return out;
}

/** Findings that say the migration as a whole will not deploy as written. */
const FILE_FAILS = new Set(['transaction-opt-out-rejected', 'syntax-error']);

/** Every suggestion of a file applied at once, and what migsafe then reports on the file alone. */
const suggestionChecks = new WeakMap<object, { after: Diagnostic[]; shift: number } | null>();

function checkSuggestions(context: ReportContext, filename: string): { after: Diagnostic[]; shift: number } | null {
  const sourceCode = context.sourceCode;
  if (suggestionChecks.has(sourceCode)) return suggestionChecks.get(sourceCode)!;
  const text = sourceCode.text;
  const insertions = new Map<string, Insertion>();
  for (const d of analyze(context)) {
    const keyword = SUGGESTIONS[d.ruleId];
    for (const insertion of (keyword && concurrentlyInsertions(d, text, keyword)) || []) insertions.set(`${insertion.at}\u0000${insertion.text}`, insertion);
  }
  let check: { after: Diagnostic[]; shift: number } | null = null;
  try {
    // The file alone: whether it runs outside its transaction is the file's own matter (its layout,
    // markers and runner settings); re-reading its whole directory once per suggestion made ESLint's
    // cost grow with the square of the directory.
    const after = lintSync({ paths: [filename], cwd: context.cwd, stdin: { text: applyInsertions(text, [...insertions.values()]), filename }, withoutContext: true }, migsafeRules, loadConfigSync(path.dirname(filename)));
    const shift = [...insertions.values()].filter((i) => i.at === 0 && i.text.endsWith('\n')).length;
    check = { after: after.diagnostics.filter((x) => path.resolve(context.cwd, x.file) === filename), shift };
  } catch {
    check = null;
  }
  suggestionChecks.set(sourceCode, check);
  return check;
}

/**
 * The suggestion, offered only where migsafe accepts the migration it leads to: with the
 * suggestions applied, the finding is gone from its statement and nothing there (or in the file)
 * says the migration will now fail: CONCURRENTLY left in a transaction the layout cannot leave from
 * inside the file (golang-migrate beside other statements, TypeORM in mode "all", ...).
 */
function concurrentlySuggestion(d: Diagnostic, context: ReportContext, filename: string, keyword: RegExp) {
  const text = context.sourceCode.text;
  const insertions = concurrentlyInsertions(d, text, keyword);
  if (!insertions) return [];
  const check = checkSuggestions(context, filename);
  if (!check) return [];
  const line = d.line + check.shift;
  const failsNow = check.after.some((x) => (x.line === line && (x.ruleId === d.ruleId || x.ruleId === 'concurrently-in-transaction')) || FILE_FAILS.has(x.ruleId));
  if (failsNow) return [];
  return [
    {
      messageId: 'addConcurrently',
      fix(fixer: { insertTextAfterRange(range: [number, number], text: string): unknown }) {
        return insertions.map((insertion) => fixer.insertTextAfterRange([insertion.at, insertion.at], insertion.text));
      },
    },
  ];
}

const SUGGESTIONS: Record<string, RegExp> = {
  'require-concurrent-index': /^create\s+(unique\s+)?index\b/i,
  'require-concurrent-index-drop': /^drop\s+index\b/i,
};

export const rules = Object.fromEntries(
  migsafeRules.map((rule) => [
    rule.id,
    {
      meta: {
        type: 'problem' as const,
        docs: { description: rule.docs.summary, url: ruleDocsUrl(rule.id), recommended: true },
        messages: { finding: '{{message}}', addConcurrently: 'Use CONCURRENTLY (and run the migration outside a transaction).' },
        hasSuggestions: rule.id in SUGGESTIONS,
        schema: [],
        // Documentation for tools that show it (`migsafe explain` prints the same).
        migsafeDocs: ruleMarkdown(rule),
      },
      create(context: ReportContext) {
        const report = () => {
          for (const d of analyze(context)) {
            if (d.ruleId !== rule.id) continue;
            context.report({
              loc: { start: { line: d.line, column: d.column - 1 }, end: { line: d.endLine, column: d.endColumn - 1 } },
              messageId: 'finding',
              // The whole help, SQL included, on one line: an editor shows the message as one paragraph.
              data: { message: d.help ? `${d.message} ${d.help.split('\n').map((line) => line.trim()).filter(Boolean).join(' ')}` : d.message },
              ...(SUGGESTIONS[rule.id] ? { suggest: concurrentlySuggestion(d, context, path.resolve(context.cwd, context.physicalFilename ?? context.filename), SUGGESTIONS[rule.id]!) } : {}),
            });
          }
        };
        // `Document` for .sql files (migsafe/sql), `Program` for TS/JS.
        return { Document: report, Program: report };
      },
    },
  ]),
);

const severityOf = (severity: string) => (severity === 'error' ? 'error' : 'warn');
const recommendedRules = Object.fromEntries(migsafeRules.map((rule) => [`migsafe/${rule.id}`, severityOf(rule.severity)]));

/** Where TS/JS migrations usually live; adjust `files` to your layout. */
export const SCRIPT_MIGRATION_FILES = ['**/migrations/**/*.{js,cjs,mjs,ts,cts,mts}', '**/migration/**/*.{js,cjs,mjs,ts,cts,mts}', '**/alterations/**/*.{js,ts}'];

const plugin: {
  meta: { name: string; version: string };
  rules: typeof rules;
  languages: { sql: typeof sqlLanguage };
  configs: Record<string, unknown[]>;
  /** The globs `recommended` lints TS/JS migrations in: give a TypeScript parser the same ones. */
  scriptFiles: string[];
  /** Resolves when PostgreSQL's parser is loaded (for programmatic use right after importing). */
  ready: Promise<void>;
} = {
  meta: { name: 'migsafe', version: '0.1.0' },
  rules,
  languages: { sql: sqlLanguage },
  configs: {},
  scriptFiles: SCRIPT_MIGRATION_FILES,
  ready,
};

plugin.configs.recommended = [
  { name: 'migsafe/sql', files: ['**/*.sql'], plugins: { migsafe: plugin }, language: 'migsafe/sql', rules: recommendedRules },
  { name: 'migsafe/scripts', files: SCRIPT_MIGRATION_FILES, plugins: { migsafe: plugin }, rules: recommendedRules },
];
plugin.configs.sql = [plugin.configs.recommended[0]!];
plugin.configs.scripts = [plugin.configs.recommended[1]!];

export default plugin;
