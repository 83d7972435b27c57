// Configuration: found by walking up from the working directory (cosmiconfig), validated against
// the published JSON Schema (schema/migsafe.config.schema.json), and resolved per migration
// directory (overrides by glob).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { CosmiconfigResult } from 'cosmiconfig';
import type { Ajv, ErrorObject } from 'ajv';

// cosmiconfig and ajv cost more start-up than a one-file lint does: loaded only when a config file exists.
const require = createRequire(import.meta.url);
import type { MigsafeConfig } from './config-settings.js';

export type { MigsafeConfig, RuleSetting, SeverityName, ConfigOverride, DirectorySettings } from './config-settings.js';
export { DEFAULT_PLACEHOLDERS, settingsFor } from './config-settings.js';

export class ConfigError extends Error {}

export type { LoadedConfig } from './config-settings.js';
import type { LoadedConfig } from './config-settings.js';

const SEARCH_PLACES = [
  'package.json',
  'migsafe.config.json',
  'migsafe.config.js',
  'migsafe.config.mjs',
  'migsafe.config.cjs',
  'migsafe.config.ts',
];

/**
 * Whether cosmiconfig could find anything from `searchFrom`: a config file or a package.json that
 * mentions "migsafe" in this folder or one above it, or a global config folder. When not, there is
 * no config, and cosmiconfig need not be loaded at all.
 */
function configMayExist(searchFrom: string): boolean {
  for (const file of searchPlaces(searchFrom)) {
    if (!existsSync(file)) continue;
    if (path.basename(file) !== 'package.json') return true;
    try {
      if (readFileSync(file, 'utf8').includes('"migsafe"')) return true;
    } catch {
      return true; // let cosmiconfig say what is wrong with it
    }
  }
  return existsSync(globalConfigDir());
}

/** Every place a config can be, from `searchFrom` up to the root, nearest first. */
function searchPlaces(searchFrom: string): string[] {
  const places: string[] = [];
  for (let dir = path.resolve(searchFrom); ; dir = path.dirname(dir)) {
    for (const place of SEARCH_PLACES) places.push(path.join(dir, place));
    if (path.dirname(dir) === dir) return places;
  }
}

/** cosmiconfig's global config folder for migsafe. */
function globalConfigDir(): string {
  return path.join(process.env.XDG_CONFIG_HOME || path.join(homedir(), '.config'), 'migsafe');
}

/**
 * What finding the config looked at, for the whole-run cache (run-cache.ts): every search place
 * from `searchFrom` up, the global config folder, and the file loaded. Null for a JS or TS config,
 * whose imports no one can list.
 */
export function configDependencies(loaded: LoadedConfig, searchFrom: string, explicitPath?: string): string[] | null {
  if (loaded.filepath && !loaded.filepath.endsWith('.json')) return null;
  return [
    ...(explicitPath ? [`file:${path.resolve(searchFrom, explicitPath)}`] : []),
    ...searchPlaces(searchFrom).map((file) => `file:${file}`),
    `exists:${globalConfigDir()}`,
  ];
}

export async function loadConfig(cwd: string, explicitPath?: string): Promise<LoadedConfig> {
  if (!explicitPath && !configMayExist(cwd)) return { config: {}, filepath: null, base: cwd };
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig('migsafe', { searchPlaces: SEARCH_PLACES, searchStrategy: 'global', cache: false, ignoreEmptySearchPlaces: false });
  let result: CosmiconfigResult;
  try {
    result = explicitPath ? await explorer.load(path.resolve(cwd, explicitPath)) : await explorer.search(cwd);
  } catch (error) {
    throw configReadError(error, cwd, explicitPath);
  }
  return loadedFrom(result, cwd);
}

/** loadConfig, synchronously (ESLint rules), searching up from `searchFrom`. */
export function loadConfigSync(searchFrom: string, explicitPath?: string): LoadedConfig {
  if (!explicitPath && !configMayExist(searchFrom)) return { config: {}, filepath: null, base: searchFrom };
  const { cosmiconfigSync } = require('cosmiconfig') as typeof import('cosmiconfig');
  const explorer = cosmiconfigSync('migsafe', {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: 'global',
    cache: true,
    ignoreEmptySearchPlaces: false,
    // Node 20.19+ can require() an ES module without top-level await; cosmiconfig's sync explorer
    // has no loader for .mjs of its own.
    loaders: { '.mjs': (filepath: string) => createRequire(filepath)(filepath) },
  });
  let result: CosmiconfigResult;
  try {
    result = explicitPath ? explorer.load(path.resolve(searchFrom, explicitPath)) : explorer.search(searchFrom);
  } catch (error) {
    throw configReadError(error, searchFrom, explicitPath);
  }
  return loadedFrom(result, searchFrom);
}

/**
 * A config file that does not load: what and where in one line. cosmiconfig's JSON errors put the
 * reason after a code frame ("JSON Error in FILE:", frame, "Expected ... at position 13"), and YAML's
 * and JavaScript's have it on their first line.
 */
function configReadError(error: unknown, cwd: string, explicitPath?: string): ConfigError {
  const message = String((error as Error)?.message ?? error);
  const file = /^(?:JSON|YAML) Error in (.*?):/.exec(message)?.[1];
  const reason = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^(>|\|)|^\d+ \||Error in /.test(line))[0]
    ?.replace(/ while parsing .*$/, '');
  const where = file ? path.relative(cwd, file) || file : explicitPath;
  return new ConfigError(`cannot read config${where ? ` ${where}` : ''}: ${reason ?? message.split('\n')[0]}`);
}

/** The config cosmiconfig found (or the empty one), validated. */
function loadedFrom(result: CosmiconfigResult, searchFrom: string): LoadedConfig {
  // An empty migsafe.config.* is a mistake, not "no config": package.json without a "migsafe" key is never a result.
  if (result?.isEmpty) throw new ConfigError(`invalid config ${path.relative(searchFrom, result.filepath) || result.filepath}: the file is empty (write {} for the defaults)`);
  if (!result) {
    return { config: {}, filepath: null, base: searchFrom };
  }
  const config = (result.config?.default ?? result.config) as MigsafeConfig;
  validateConfig(config, path.relative(searchFrom, result.filepath) || result.filepath);
  return { config, filepath: result.filepath, base: path.dirname(result.filepath) };
}

let validator: ReturnType<Ajv['compile']> | null = null;

export function validateConfig(config: unknown, where: string): asserts config is MigsafeConfig {
  if (!validator) {
    const schema = JSON.parse(readFileSync(configSchemaPath(), 'utf8'));
    const { Ajv: AjvClass } = require('ajv') as { Ajv: typeof Ajv };
    validator = new AjvClass({ allErrors: false, strict: false }).compile(schema);
  }
  if (!validator(config)) {
    throw new ConfigError(`invalid config ${where}: ${describeError(validator.errors?.[0])}`);
  }
  for (const placeholder of (config as MigsafeConfig).placeholders ?? []) {
    try {
      new RegExp(placeholder);
    } catch {
      throw new ConfigError(`invalid config ${where}: placeholders: ${JSON.stringify(placeholder)} is not a regular expression`);
    }
  }
}

export function configSchemaPath(): string {
  // src/engine (tests) and dist/src/engine (built) both sit two or three levels below the package.
  const here = path.dirname(fileURLToPath(import.meta.url));
  const fromSource = path.resolve(here, '../../schema/migsafe.config.schema.json');
  const fromDist = path.resolve(here, '../../../schema/migsafe.config.schema.json');
  return here.includes(`${path.sep}dist${path.sep}`) ? fromDist : fromSource;
}

function describeError(error: ErrorObject | undefined): string {
  if (!error) return 'does not match the schema';
  const key = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return `unknown key "${key ? `${key}.` : ''}${extra}"`;
  }
  if (error.keyword === 'enum') {
    return `"${key}" must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  }
  return `"${key || '(root)'}" ${error.message ?? 'is invalid'}`;
}

