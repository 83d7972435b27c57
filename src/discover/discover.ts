// Paths, directories and globs → migration directories. A file named on the command line is
// reported; the rest of its migration directory is read too, for context (the down file, the
// layout, the tables earlier migrations created).
import { readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { picomatch } from './picomatch-lazy.js';
import type { MigrationDirectory } from '../sources/layout.js';

/** Folders that never hold a project's migrations (dependencies, caches, build output). */
const IGNORED_FOLDERS = new Set(['node_modules', '.git', '__pycache__', '.venv', 'venv', '.tox', 'dist', 'build', 'coverage']);

/** What a file is read as: SQL, Python (Alembic revisions), or TypeScript/JavaScript. */
export type SourceKind = 'sql' | 'python' | 'script';

export function sourceKindOf(file: string): SourceKind | null {
  if (/\.sql$/i.test(file)) return 'sql';
  if (/\.py$/i.test(file)) return 'python';
  // Declarations, tests and configs are not migrations.
  if (/\.(d\.[cm]?ts|test\.[cm]?[jt]sx?|spec\.[cm]?[jt]sx?)$|(^|[\\/])[\w.-]*\.config\.[cm]?[jt]s$/i.test(file)) return null;
  if (/\.[cm]?[jt]s$/i.test(file)) return 'script';
  return null;
}

export class UsageError extends Error {}

export interface Discovery {
  directories: MigrationDirectory[];
  /** Files whose migrations are reported (absolute paths). */
  targets: Set<string>;
  /** Directories that could not be listed, with why (the rest is still linted; the run exits 2). */
  unreadable: string[];
  /** Every folder listed to find them (for the whole-run cache). */
  listed: string[];
}

export interface DiscoverOptions {
  cwd: string;
  /** Globs relative to `base` that a target must match (all, when empty). */
  include?: string[];
  exclude?: string[];
  /** The directory include/exclude globs are relative to (the config file's). */
  base?: string;
  /** Files known to exist without being on disk (stdin). */
  extraFiles?: string[];
  /** An empty path list means no files (a change with no migration), not the current directory. */
  allowEmpty?: boolean;
  /** The targets alone, without the rest of their directories as context (a quick check of one file). */
  withoutContext?: boolean;
}

/** Files a migsafe source reads; other files named on the command line are passed over. */
export function isMigrationFile(file: string): boolean {
  return sourceKindOf(file) !== null;
}

export function discover(paths: string[], options: DiscoverOptions): Discovery {
  const { cwd } = options;
  const targets = new Set<string>();
  const walker = new Walker(cwd);
  // Directories walked whole: their migration directories need no second look for context.
  const walked: string[] = [];
  for (const given of paths.length || options.allowEmpty ? paths : ['.']) {
    const absolute = path.resolve(cwd, given);
    const kind = fileKind(absolute);
    if (kind === 'file') {
      // pre-commit and lint-staged pass every matching file; only migrations are ours to read.
      if (isMigrationFile(absolute)) targets.add(absolute);
    } else if (kind === 'dir') {
      walked.push(absolute + path.sep);
      for (const file of walker.files(absolute, Infinity)) if (isMigrationFile(file)) targets.add(file);
    } else if (picomatch().scan(given).isGlob) {
      // A glob: its static base walked, the pattern matched against paths below it.
      const { base, glob } = picomatch().scan(given);
      const root = path.resolve(cwd, base || '.');
      const matches = picomatch()(glob, { dot: false });
      for (const file of walker.files(root, Infinity)) {
        if (isMigrationFile(file) && matches(path.relative(root, file).split(path.sep).join('/'))) targets.add(file);
      }
    } else if (options.extraFiles?.includes(absolute)) {
      targets.add(absolute);
    } else {
      throw new UsageError(`no such file or directory: ${given}`);
    }
  }
  for (const extra of options.extraFiles ?? []) targets.add(extra);
  const filtered = filterTargets(targets, options);

  // One migration directory per folder and kind of file: SQL and Python migrations never mix.
  const groups = new Map<string, { dir: string; kind: SourceKind; files: Set<string> }>();
  for (const target of targets) {
    const kind = sourceKindOf(target)!;
    const dir = migrationDirectoryOf(target);
    const key = `${kind}\u0000${dir}`;
    if (!groups.has(key)) {
      const complete = options.withoutContext || (!filtered && walked.some((root) => (dir + path.sep).startsWith(root)));
      groups.set(key, { dir, kind, files: new Set(complete ? [] : contextFiles(walker, dir, kind)) });
    }
    groups.get(key)!.files.add(target);
  }
  const directories = [...groups.values()]
    .map(({ dir, kind, files }) => ({ dir, kind, files: [...files].sort() }))
    .sort((a, b) => a.dir.localeCompare(b.dir) || a.kind.localeCompare(b.kind));
  return { directories, targets, unreadable: walker.unreadable, listed: walker.listed() };
}

/**
 * Lists files below a directory with readdir: each real directory once (a symlink back to a folder
 * already walked, or a cycle of them, is not followed again), ignored and hidden folders skipped,
 * and a folder that cannot be listed noted instead of ending the run. File names are taken as they
 * are (no glob escaping: a `\\` or `[` in a name is just a character).
 */
class Walker {
  readonly unreadable: string[] = [];
  private readonly listings = new Map<string, Dirent[] | null>();

  constructor(private readonly cwd: string) {}

  /** Every folder it listed (or tried to). */
  listed(): string[] {
    return [...this.listings.keys()];
  }

  /** Files below `dir`, `depth` folders deep at most (0: only its own files), sorted. */
  files(dir: string, depth: number): string[] {
    const out: string[] = [];
    const visit = (current: string, left: number, visited: Set<string>) => {
      let real: string;
      try {
        // The native call: one system call, where the JavaScript one lstats every part of the path.
        real = realpathSync.native(current);
      } catch {
        return;
      }
      if (visited.has(real)) return;
      visited.add(real);
      for (const entry of this.list(current)) {
        // Hidden files and folders (.eslintrc.js, .github/) are not migrations, as with globs.
        if (entry.name.startsWith('.')) continue;
        const full = path.join(current, entry.name);
        const kind = entry.isSymbolicLink() ? fileKind(full) : entry.isFile() ? 'file' : entry.isDirectory() ? 'dir' : null;
        if (kind === 'file') out.push(full);
        else if (kind === 'dir' && left > 0 && !IGNORED_FOLDERS.has(entry.name)) visit(full, left - 1, visited);
      }
    };
    visit(dir, depth, new Set());
    return out.sort();
  }

  private list(dir: string): Dirent[] {
    let entries = this.listings.get(dir);
    if (entries === undefined) {
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const rel = path.relative(this.cwd, dir) || '.';
        // Listed once (the listing is kept), so said once.
        this.unreadable.push(`cannot read the directory ${rel}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (error as Error).message}`);
        entries = null;
      }
      this.listings.set(dir, entries);
    }
    return entries ?? [];
  }
}

function fileKind(absolute: string): 'file' | 'dir' | null {
  try {
    const stat = statSync(absolute);
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : null;
  } catch {
    return null;
  }
}

/** Applies the config's include/exclude globs; says whether any were given. */
function filterTargets(targets: Set<string>, options: DiscoverOptions): boolean {
  const base = options.base ?? options.cwd;
  const include = options.include?.length ? picomatch()(options.include, { dot: true }) : null;
  const exclude = options.exclude?.length ? picomatch()(options.exclude, { dot: true }) : null;
  if (!include && !exclude) return false;
  for (const target of [...targets]) {
    const rel = path.relative(base, target).split(path.sep).join('/');
    if ((include && !include(rel)) || (exclude && exclude(rel))) targets.delete(target);
  }
  return true;
}

/**
 * The directory whose migrations run in one sequence. Layouts with a folder per migration
 * (Prisma's `<ts>_name/migration.sql`, Diesel's `<ts>_name/up.sql`) and sqitch's
 * `deploy/`/`revert/` folders are grouped one level up.
 */
export function migrationDirectoryOf(file: string): string {
  const parent = path.dirname(file);
  if (sourceKindOf(file) !== 'sql') return parent;
  const name = path.basename(file).toLowerCase();
  if (name === 'migration.sql' || name === 'up.sql' || name === 'down.sql') return path.dirname(parent);
  if (['deploy', 'revert', 'verify'].includes(path.basename(parent))) return path.dirname(parent);
  return parent;
}

/** The migration files of a directory, found the same way for every target in it. */
function contextFiles(walker: Walker, dir: string, kind: SourceKind): string[] {
  const own = walker.files(dir, 0).filter((file) => sourceKindOf(file) === kind);
  if (kind !== 'sql') return own;
  // SQL: also a folder per migration (Prisma, Diesel) and sqitch's deploy/revert trees.
  const perMigration = walker.files(dir, 1).filter((file) => path.dirname(path.dirname(file)) === dir && ['migration.sql', 'up.sql', 'down.sql'].includes(path.basename(file).toLowerCase()));
  const sqitch = ['deploy', 'revert'].flatMap((folder) => walker.files(path.join(dir, folder), Infinity).filter((file) => sourceKindOf(file) === 'sql'));
  return [...new Set([...own, ...perMigration, ...sqitch])];
}
