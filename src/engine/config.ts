// Configuration: found by walking up from the working directory (cosmiconfig), validated against
// the published JSON Schema (schema/migsafe.config.schema.json), and resolved per migration
// directory (overrides by glob).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { cosmiconfig, cosmiconfigSync, type CosmiconfigResult } from 'cosmiconfig';
import { Ajv, type ErrorObject } from 'ajv';
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

export async function loadConfig(cwd: string, explicitPath?: string): Promise<LoadedConfig> {
  const explorer = cosmiconfig('migsafe', { searchPlaces: SEARCH_PLACES, searchStrategy: 'global', cache: false });
  let result: CosmiconfigResult;
  try {
    result = explicitPath ? await explorer.load(path.resolve(cwd, explicitPath)) : await explorer.search(cwd);
  } catch (error) {
    throw new ConfigError(`cannot read config${explicitPath ? ` ${explicitPath}` : ''}: ${(error as Error).message.split('\n')[0]}`);
  }
  return loadedFrom(result, cwd);
}

/** loadConfig, synchronously (ESLint rules), searching up from `searchFrom`. */
export function loadConfigSync(searchFrom: string, explicitPath?: string): LoadedConfig {
  const explorer = cosmiconfigSync('migsafe', {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: 'global',
    cache: true,
    // Node 20.19+ can require() an ES module without top-level await; cosmiconfig's sync explorer
    // has no loader for .mjs of its own.
    loaders: { '.mjs': (filepath: string) => createRequire(filepath)(filepath) },
  });
  let result: CosmiconfigResult;
  try {
    result = explicitPath ? explorer.load(path.resolve(searchFrom, explicitPath)) : explorer.search(searchFrom);
  } catch (error) {
    throw new ConfigError(`cannot read config${explicitPath ? ` ${explicitPath}` : ''}: ${(error as Error).message.split('\n')[0]}`);
  }
  return loadedFrom(result, searchFrom);
}

/** The config cosmiconfig found (or the empty one), validated. */
function loadedFrom(result: CosmiconfigResult, searchFrom: string): LoadedConfig {
  if (!result || result.isEmpty) {
    return { config: {}, filepath: result?.filepath ?? null, base: result ? path.dirname(result.filepath) : searchFrom };
  }
  const config = (result.config?.default ?? result.config) as MigsafeConfig;
  validateConfig(config, path.relative(searchFrom, result.filepath) || result.filepath);
  return { config, filepath: result.filepath, base: path.dirname(result.filepath) };
}

let validator: ReturnType<Ajv['compile']> | null = null;

export function validateConfig(config: unknown, where: string): asserts config is MigsafeConfig {
  if (!validator) {
    const schema = JSON.parse(readFileSync(configSchemaPath(), 'utf8'));
    validator = new Ajv({ allErrors: false, strict: false }).compile(schema);
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

