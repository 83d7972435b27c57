// Table sizes, when the user gives them (`migsafe stats --database-url ... > .migsafe-stats.json`,
// or `tables` in the config): a finding that says a statement reads, rewrites or indexes every row
// of a table (its template's `effect`) then says how many rows that is, and one on a table smaller
// than `smallTableRows` is lowered to info: its lock is held for moments. Without statistics,
// findings are as they are. Applied after the per-directory work (and its cache), so statistics
// that change invalidate nothing.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config.js';
import type { LoadedConfig } from './config-settings.js';
import type { Finding, FindingEffect } from './types.js';

export interface TableStats {
  /** Estimated rows (pg_class.reltuples); null when PostgreSQL has no estimate yet. */
  rows: number | null;
  tableBytes?: number;
  indexBytes?: number;
}

/** What `migsafe stats` writes. */
export interface TableStatsFile {
  migsafe: 'table-stats';
  version: 1;
  collectedAt: string;
  server: string;
  database: string;
  /** By table name as migrations write it: `orders`, `billing.invoices` (public is left out). */
  tables: Record<string, TableStats>;
}

export interface LoadedTableStats {
  tables: Map<string, TableStats>;
  smallTableRows: number;
  /** Where they came from, for messages: `.migsafe-stats.json`, `the config`. */
  source: string;
}

export const DEFAULT_STATS_FILE = '.migsafe-stats.json';
export const DEFAULT_SMALL_TABLE_ROWS = 10_000;

/**
 * The statistics of a run: `--stats <file>`, else the config's `stats` file, else
 * .migsafe-stats.json beside the config (or in the working directory); the config's `tables`
 * override entries of the file. Null when there are none. A file named but missing or malformed
 * is a config error (exit 2).
 */
export function loadTableStats(loaded: LoadedConfig, cwd: string, explicit?: string): LoadedTableStats | null {
  const config = loaded.config;
  const named = statsFileOf(loaded, cwd, explicit);
  const file = named ?? [path.join(loaded.base, DEFAULT_STATS_FILE)].find((f) => existsSync(f)) ?? null;
  const tables = new Map<string, TableStats>();
  if (file) {
    const shown = path.relative(cwd, file) || file;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`cannot read table statistics ${shown}: ${(error as Error).message.split('\n')[0]}`);
    }
    const entries = (parsed as Partial<TableStatsFile> | null)?.tables;
    if ((parsed as Partial<TableStatsFile> | null)?.migsafe !== 'table-stats' || !entries || typeof entries !== 'object') {
      throw new ConfigError(`${shown} is not a table statistics file written by \`migsafe stats\``);
    }
    for (const [name, stats] of Object.entries(entries)) tables.set(name, checked(stats, `${shown}: tables.${name}`));
  }
  for (const [name, stats] of Object.entries(config.tables ?? {})) tables.set(name, checked(stats, `config: tables.${name}`));
  if (!tables.size) return null;
  const source = file && !config.tables ? path.relative(cwd, file) || file : file ? `${path.relative(cwd, file) || file} and the config` : 'the config';
  return { tables, smallTableRows: config.smallTableRows ?? DEFAULT_SMALL_TABLE_ROWS, source };
}

/** The statistics file a run is told of (--stats, the config's "stats"), or null: then .migsafe-stats.json beside the config, if there. */
function statsFileOf(loaded: LoadedConfig, cwd: string, explicit?: string): string | null {
  return explicit ? path.resolve(cwd, explicit) : loaded.config.stats ? path.resolve(loaded.base, loaded.config.stats) : null;
}

/** The file the statistics come from or would (for the whole-run cache). */
export function statsDependency(loaded: LoadedConfig, cwd: string, explicit?: string): string {
  return `file:${statsFileOf(loaded, cwd, explicit) ?? path.join(loaded.base, DEFAULT_STATS_FILE)}`;
}

function checked(stats: unknown, where: string): TableStats {
  const value = stats as Partial<TableStats> | null;
  const rows = value?.rows;
  if (!value || typeof value !== 'object' || !(rows === null || (typeof rows === 'number' && rows >= 0 && Number.isFinite(rows)))) {
    throw new ConfigError(`${where}: "rows" must be a number of rows (or null)`);
  }
  return { rows, ...(typeof value.tableBytes === 'number' ? { tableBytes: value.tableBytes } : {}), ...(typeof value.indexBytes === 'number' ? { indexBytes: value.indexBytes } : {}) };
}

const WORK: Record<FindingEffect['kind'], string> = {
  rewrite: 'rewritten',
  scan: 'read',
  'index-build': 'read into the new index',
  'index-rebuild': 'read into the rebuilt indexes',
};

/** Findings with the size of the table they are about; those on small tables lowered to info. */
export function applyTableStats(findings: Finding[], stats: LoadedTableStats | null): Finding[] {
  if (!stats) return findings;
  return findings.map((finding) => {
    const table = finding.effect && stats.tables.get(finding.effect.relation);
    if (!finding.effect || !table || table.rows === null) return finding;
    const size = `"${finding.effect.relation}" holds ~${formatCount(table.rows)} rows${table.tableBytes !== undefined ? ` (${formatBytes(table.tableBytes)})` : ''} by ${stats.source}`;
    if (table.rows < stats.smallTableRows) {
      return { ...finding, severity: 'info', message: `${finding.message} ${capitalise(size)}: the lock is held for moments, so this is only information.` };
    }
    return { ...finding, message: `${finding.message} ${capitalise(size)}: the lock is held while all of it is ${WORK[finding.effect.kind]}.` };
  });
}

const capitalise = (text: string) => (text.startsWith('"') ? text : text[0]!.toUpperCase() + text.slice(1));

/** 12, 1.2k, 40M, 3.1B. */
export function formatCount(n: number): string {
  for (const [unit, size] of [['B', 1e9], ['M', 1e6], ['k', 1e3]] as const) {
    if (n >= size) return `${Number((n / size).toPrecision(n >= size * 10 ? 3 : 2))}${unit}`;
  }
  return String(Math.round(n));
}

/** 16 kB, 12 GB (powers of 1024, as pg_size_pretty). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toPrecision(value >= 10 ? 3 : 2))} ${units[unit]}`;
}
