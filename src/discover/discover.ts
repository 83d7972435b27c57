// Paths, directories and globs → migration directories. A file named on the command line is
// reported; the rest of its migration directory is read too, for context (the down file, the
// layout, the tables earlier migrations created).
import { statSync } from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import picomatch from 'picomatch';
import type { MigrationDirectory } from '../sources/layout.js';

const IGNORE = ['**/node_modules/**', '**/.git/**', '**/__pycache__/**', '**/.venv/**', '**/venv/**', '**/.tox/**', '**/dist/**', '**/build/**', '**/coverage/**'];

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

const MIGRATION_GLOB = '**/*.{sql,py,ts,mts,cts,js,mjs,cjs}';

export class UsageError extends Error {}

export interface Discovery {
  directories: MigrationDirectory[];
  /** Files whose migrations are reported (absolute paths). */
  targets: Set<string>;
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
}

/** Files a migsafe source reads; other files named on the command line are passed over. */
export function isMigrationFile(file: string): boolean {
  return sourceKindOf(file) !== null;
}

export function discover(paths: string[], options: DiscoverOptions): Discovery {
  const { cwd } = options;
  const targets = new Set<string>();
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
      // onlyFiles: a directory whose name ends in .sql is not a migration file.
      for (const file of fg.sync(MIGRATION_GLOB, { cwd: absolute, absolute: true, onlyFiles: true, ignore: IGNORE, dot: false })) {
        targets.add(path.normalize(file));
      }
    } else if (fg.isDynamicPattern(given)) {
      for (const file of fg.sync(given, { cwd, absolute: true, onlyFiles: true, ignore: IGNORE })) {
        if (isMigrationFile(file)) targets.add(path.normalize(file));
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
      const complete = !filtered && walked.some((root) => (dir + path.sep).startsWith(root));
      groups.set(key, { dir, kind, files: new Set(complete ? [] : contextFiles(dir, kind)) });
    }
    groups.get(key)!.files.add(target);
  }
  const directories = [...groups.values()]
    .map(({ dir, kind, files }) => ({ dir, kind, files: [...files].sort() }))
    .sort((a, b) => a.dir.localeCompare(b.dir) || a.kind.localeCompare(b.kind));
  return { directories, targets };
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
  const include = options.include?.length ? picomatch(options.include, { dot: true }) : null;
  const exclude = options.exclude?.length ? picomatch(options.exclude, { dot: true }) : null;
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
function contextFiles(dir: string, kind: SourceKind): string[] {
  if (kind !== 'sql') {
    return fg
      .sync(kind === 'python' ? '*.py' : '*.{ts,mts,cts,js,mjs,cjs}', { cwd: dir, absolute: true, onlyFiles: true })
      .map((file) => path.normalize(file))
      .filter((file) => sourceKindOf(file) === kind);
  }
  const patterns = ['*.sql', '*/migration.sql', '*/up.sql', '*/down.sql', 'deploy/**/*.sql', 'revert/**/*.sql'];
  return fg
    .sync(patterns, { cwd: dir, absolute: true, onlyFiles: true, ignore: IGNORE })
    .map((file) => path.normalize(file))
    .filter((file) => migrationDirectoryOf(file) === dir || file.includes(`${path.sep}deploy${path.sep}`) || file.includes(`${path.sep}revert${path.sep}`));
}
