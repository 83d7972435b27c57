// The lint cache (`--cache`, as ESLint's): per migration directory, the findings and counts of the
// last run, kept with everything that produced them, so that a run over an unchanged directory
// parses nothing. A directory is the unit because a migration's findings depend on every migration
// before it (the replayed schema), on side files (Flyway .conf, Diesel metadata.toml) and on runner
// config found outside it (a TypeORM DataSource, package.json scripts).
//
// Correct by construction: the entry's name is a hash of migsafe's own build, the working directory,
// the directory's file list, the targets and every setting that reaches the rules; the entry lists
// each file, listing and existence check the reading made (its dependencies) with a fingerprint,
// and is used only when every one of them is unchanged. A corrupt, foreign or stale entry is a miss
// and is rewritten; a cache that cannot be written is skipped, never an error.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding, SourceFile } from './types.js';
import type { LayoutCounts } from './lint-directories.js';

const FORMAT = 1;

/**
 * Where the cache lives when `--cache` is given without `--cache-location`: node_modules/.cache/migsafe
 * in a Node project (where tools keep their caches, and git ignores them); elsewhere (a Go or Python
 * repository running the pre-commit hook) the user's cache folder, one per working directory, so
 * that no node_modules appears in their tree.
 */
export function defaultCacheLocation(cwd: string): string {
  if (existsSync(path.join(cwd, 'node_modules'))) return path.join(cwd, 'node_modules', '.cache', 'migsafe');
  const base = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(base, 'migsafe', hash(path.resolve(cwd)).slice(0, 16));
}

const hash = (text: string) => createHash('sha1').update(text).digest('hex');

/** A source file as the readers see it: its decoded text, and why it is unreadable, if it is. */
function sourceFingerprint(file: SourceFile): string {
  return file.unreadable && file.text === '' ? '-' : hash(file.text + (file.unreadable ? `\u0000${file.unreadable.message}` : ''));
}

/**
 * What the reading of one directory looked at, each with a fingerprint of what it saw: a file's text,
 * a folder's names, whether a path exists.
 */
export class Dependencies {
  readonly seen = new Map<string, string>();

  file(absPath: string, text: string | null): void {
    this.seen.set(`file:${absPath}`, text === null ? '-' : hash(text));
  }

  dir(absPath: string, names: string[] | null): void {
    this.seen.set(`dir:${absPath}`, names === null ? '-' : hash([...names].sort().join('\n')));
  }

  /** A migration or side file as a source reads it (decoded text, and why it is unreadable). */
  source(file: SourceFile): void {
    // Sources read a file many times (each layout's claim, then its reader): fingerprint it once.
    if (this.seen.has(`source:${file.path}`)) return;
    this.seen.set(`source:${file.path}`, sourceFingerprint(file));
  }

  exists(absPath: string, exists: boolean): void {
    this.seen.set(`exists:${absPath}`, exists ? '1' : '0');
  }
}

/**
 * The fingerprint a dependency has now, read as the reading read it: sources through the run's
 * reader (replaced contents included), runner config files and listings from disk.
 */
function fingerprintNow(key: string, contents: Record<string, string>, source: (absPath: string) => SourceFile): string {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const absPath = key.slice(colon + 1);
  if (kind === 'exists') return absPath in contents || existsSync(absPath) ? '1' : '0';
  if (kind === 'dir') {
    try {
      return hash(readdirSync(absPath).sort().join('\n'));
    } catch {
      return '-';
    }
  }
  if (kind === 'source') return sourceFingerprint(source(absPath));
  try {
    return hash(readFileSync(absPath, 'utf8'));
  } catch {
    return '-';
  }
}

/** A finding as stored: its file by path. */
type StoredFinding = Omit<Finding, 'file'> & { file: string };

/** What one directory's lint produced, for the run to add up. */
export interface DirectoryOutcome {
  findings: Finding[];
  migrations: number;
  statements: number;
  unanalyzable: number;
  layouts: Record<string, LayoutCounts>;
  migrationFiles: SourceFile[];
  /** Target files read, migration or not. */
  examined: string[];
  /** What reading the directory looked at (Dependencies keys), for the whole-run cache; not stored. */
  dependencies?: string[];
}

interface Entry {
  format: number;
  dependencies: [string, string][];
  outcome: Omit<DirectoryOutcome, 'findings' | 'migrationFiles'> & { findings: StoredFinding[]; migrationFiles: string[] };
}

let buildIdentity: string | null = null;

/**
 * migsafe's own code: the build's identity (written by scripts/build.js from every file it emits),
 * or, running from the TypeScript sources, a hash of them.
 */
export function buildId(): string {
  if (buildIdentity) return buildIdentity;
  const here = path.dirname(fileURLToPath(import.meta.url));
  try {
    buildIdentity = String(JSON.parse(readFileSync(path.resolve(here, '../../build-id.json'), 'utf8')).id);
  } catch {
    const root = path.resolve(here, '../..');
    const parts: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.(ts|js)$/.test(entry.name)) parts.push(`${full}\n${readFileSync(full, 'utf8')}`);
      }
    };
    for (const dir of ['src', 'rules']) if (existsSync(path.join(root, dir))) walk(path.join(root, dir));
    buildIdentity = hash(parts.join('\n'));
  }
  return buildIdentity;
}

export class LintCache {
  private writable = true;

  constructor(readonly location: string) {}

  /** The entry's file name: a hash of everything the outcome depends on besides its dependencies. */
  keyOf(parts: unknown): string {
    return hash(JSON.stringify([FORMAT, buildId(), parts]));
  }

  private fileOf(key: string): string {
    return path.join(this.location, `${key}.json`);
  }

  /**
   * The stored outcome, if every dependency still has the fingerprint it had; the files it names are
   * read through `source` (which keeps them for the report).
   */
  get(key: string, contents: Record<string, string>, source: (absPath: string) => SourceFile): DirectoryOutcome | null {
    let entry: Entry;
    try {
      entry = JSON.parse(readFileSync(this.fileOf(key), 'utf8')) as Entry;
      if (entry.format !== FORMAT || !Array.isArray(entry.dependencies) || !entry.outcome || !Array.isArray(entry.outcome.findings)) return null;
    } catch {
      return null; // absent, unreadable, corrupt or foreign: a miss
    }
    for (const [dependency, fingerprint] of entry.dependencies) {
      if (fingerprintNow(dependency, contents, source) !== fingerprint) return null;
    }
    const { outcome } = entry;
    return {
      ...outcome,
      dependencies: entry.dependencies.map(([key]) => key),
      findings: outcome.findings.map((finding) => ({ ...finding, file: source(finding.file) })),
      migrationFiles: outcome.migrationFiles.map(source),
    };
  }

  set(key: string, dependencies: Dependencies, outcome: DirectoryOutcome): void {
    if (!this.writable) return;
    const entry: Entry = {
      format: FORMAT,
      dependencies: [...dependencies.seen],
      outcome: {
        ...outcome,
        dependencies: undefined,
        findings: outcome.findings.map((finding) => ({ ...finding, file: finding.file.path })),
        migrationFiles: outcome.migrationFiles.map((file) => file.path),
      },
    };
    try {
      mkdirSync(this.location, { recursive: true });
      // Written whole, then renamed over the old one: a run that stops half-way leaves no torn entry.
      const temporary = `${this.fileOf(key)}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(entry));
      renameSync(temporary, this.fileOf(key));
    } catch {
      this.writable = false; // a read-only or full disk: lint on without caching
    }
  }
}

/** Whether a path can hold the cache (a folder, or nothing yet). */
export function usableLocation(location: string): boolean {
  try {
    return statSync(location).isDirectory();
  } catch {
    return true;
  }
}
