// Configuration: found by walking up from the working directory (cosmiconfig), validated against
// the published JSON Schema (schema/migsafe.config.schema.json), and resolved per migration
// directory (overrides by glob).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cosmiconfig } from 'cosmiconfig';
import { Ajv, type ErrorObject } from 'ajv';
import picomatch from 'picomatch';
import type { Severity } from './types.js';

export type SeverityName = 'error' | 'warning' | 'warn' | 'info' | 'off';
export type RuleSetting = SeverityName | [SeverityName, Record<string, unknown>?];

export interface ConfigOverride {
  files: string[];
  layout?: string;
  assumeInTransaction?: boolean;
  lockTimeoutSetByRunner?: boolean;
  pgVersion?: number;
  rules?: Record<string, RuleSetting>;
}

export interface MigsafeConfig {
  pgVersion?: number;
  rules?: Record<string, RuleSetting>;
  include?: string[];
  exclude?: string[];
  layout?: string;
  assumeInTransaction?: boolean;
  lockTimeoutSetByRunner?: boolean;
  placeholders?: string[];
  overrides?: ConfigOverride[];
}

export class ConfigError extends Error {}

export interface LoadedConfig {
  config: MigsafeConfig;
  /** The config file, or null when none was found. */
  filepath: string | null;
  /** Directory that globs in the config are relative to. */
  base: string;
}

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
  let result;
  try {
    result = explicitPath ? await explorer.load(path.resolve(cwd, explicitPath)) : await explorer.search(cwd);
  } catch (error) {
    throw new ConfigError(`cannot read config${explicitPath ? ` ${explicitPath}` : ''}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!result || result.isEmpty) {
    return { config: {}, filepath: result?.filepath ?? null, base: result ? path.dirname(result.filepath) : cwd };
  }
  const config = (result.config?.default ?? result.config) as MigsafeConfig;
  validateConfig(config, path.relative(cwd, result.filepath) || result.filepath);
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

export function normaliseSeverity(name: SeverityName): Severity | 'off' {
  return name === 'warn' ? 'warning' : name;
}

export interface DirectorySettings {
  pgVersion: number;
  layout?: string;
  assumeInTransaction: boolean;
  lockTimeoutSetByRunner: boolean;
  severities: Map<string, Severity | 'off'>;
  ruleOptions: Record<string, Record<string, unknown>>;
}

/** The settings for one migration directory: the config, its matching overrides, then the CLI. */
export function settingsFor(
  loaded: LoadedConfig,
  dir: string,
  cli: { pgVersion?: number; rules?: Record<string, Severity | 'off'> },
): DirectorySettings {
  const { config } = loaded;
  const settings: DirectorySettings = {
    pgVersion: config.pgVersion ?? 15,
    layout: config.layout,
    assumeInTransaction: config.assumeInTransaction ?? false,
    lockTimeoutSetByRunner: config.lockTimeoutSetByRunner ?? false,
    severities: new Map(),
    ruleOptions: {},
  };
  const applyRules = (rules: Record<string, RuleSetting> | undefined) => {
    for (const [id, setting] of Object.entries(rules ?? {})) {
      const [severity, options] = Array.isArray(setting) ? setting : [setting];
      settings.severities.set(id, normaliseSeverity(severity));
      if (options) settings.ruleOptions[id] = options;
    }
  };
  applyRules(config.rules);
  const rel = path.relative(loaded.base, dir).split(path.sep).join('/') || '.';
  for (const override of config.overrides ?? []) {
    // An override glob names files; a directory matches when a file directly in it would.
    const matches = picomatch(override.files, { dot: true });
    if (!matches(`${rel}/x.sql`) && !matches(rel) && !matches(`${rel}/x/migration.sql`)) continue;
    if (override.layout) settings.layout = override.layout;
    if (override.assumeInTransaction !== undefined) settings.assumeInTransaction = override.assumeInTransaction;
    if (override.lockTimeoutSetByRunner !== undefined) settings.lockTimeoutSetByRunner = override.lockTimeoutSetByRunner;
    if (override.pgVersion !== undefined) settings.pgVersion = override.pgVersion;
    applyRules(override.rules);
  }
  if (cli.pgVersion !== undefined) settings.pgVersion = cli.pgVersion;
  for (const [id, severity] of Object.entries(cli.rules ?? {})) settings.severities.set(id, severity);
  return settings;
}

export const DEFAULT_PLACEHOLDERS = ['\\{\\{[^}]*\\}\\}'];
