// Resolved settings for one migration directory: the config, its matching overrides, then the
// CLI. Kept apart from config loading (cosmiconfig, ajv) so worker threads do not load those.
import path from 'node:path';
import { picomatch } from '../discover/picomatch-lazy.js';
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
  runners?: RunnerSettings;
}

/** Runner settings migsafe cannot read from the project (or reads wrongly): they win over what it reads. */
export type RunnerSettings = Record<string, Record<string, unknown> | undefined>;

export interface MigsafeConfig {
  pgVersion?: number;
  /** Baseline file, relative to the config file. */
  baseline?: string;
  rules?: Record<string, RuleSetting>;
  include?: string[];
  exclude?: string[];
  layout?: string;
  assumeInTransaction?: boolean;
  lockTimeoutSetByRunner?: boolean;
  placeholders?: string[];
  runners?: RunnerSettings;
  overrides?: ConfigOverride[];
  /** Table statistics file (`migsafe stats`), relative to the config file. Default: .migsafe-stats.json there, if present. */
  stats?: string;
  /** Table sizes given by hand (they override the statistics file's). */
  tables?: Record<string, { rows: number | null; tableBytes?: number; indexBytes?: number }>;
  /** Below this many rows a table's scan or rewrite is reported as info (default 10,000). */
  smallTableRows?: number;
}

export interface LoadedConfig {
  config: MigsafeConfig;
  /** The config file, or null when none was found. */
  filepath: string | null;
  /** Directory that globs in the config are relative to. */
  base: string;
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
  runners: RunnerSettings;
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
    runners: { ...config.runners },
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
    const matches = picomatch()(override.files, { dot: true });
    if (!matches(`${rel}/x.sql`) && !matches(rel) && !matches(`${rel}/x/migration.sql`)) continue;
    if (override.layout) settings.layout = override.layout;
    if (override.assumeInTransaction !== undefined) settings.assumeInTransaction = override.assumeInTransaction;
    if (override.lockTimeoutSetByRunner !== undefined) settings.lockTimeoutSetByRunner = override.lockTimeoutSetByRunner;
    if (override.pgVersion !== undefined) settings.pgVersion = override.pgVersion;
    for (const [runner, values] of Object.entries(override.runners ?? {})) settings.runners[runner] = { ...settings.runners[runner], ...values };
    applyRules(override.rules);
  }
  if (cli.pgVersion !== undefined) settings.pgVersion = cli.pgVersion;
  for (const [id, severity] of Object.entries(cli.rules ?? {})) settings.severities.set(id, severity);
  return settings;
}

export const DEFAULT_PLACEHOLDERS = ['\\{\\{[^}]*\\}\\}'];
