// Which migration files a change touches, for `--changed-since REF` and `--staged`.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { isMigrationFile, UsageError } from './discover.js';

function git(cwd: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim().split('\n')[0];
    throw new UsageError(`git ${args.join(' ')} failed: ${stderr || (error as Error).message}`);
  }
}

function names(output: string): string[] {
  return output.split('\0').filter(Boolean);
}

export interface ChangedFiles {
  /** Absolute paths of added or modified files. */
  files: string[];
  /** For --staged: the staged text of each file (what will be committed), by absolute path. */
  contents: Map<string, string>;
}

/**
 * Files added or modified since `ref` (`git diff --diff-filter=AM REF...HEAD`), plus uncommitted
 * ones (staged, unstaged and untracked, not ignored).
 */
export function changedSince(cwd: string, ref: string): ChangedFiles {
  const top = git(cwd, ['rev-parse', '--show-toplevel']).trim();
  git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  const committed = names(git(top, ['diff', '--name-only', '--diff-filter=AM', '-z', `${ref}...HEAD`]));
  const uncommitted = names(git(top, ['diff', '--name-only', '--diff-filter=AM', '-z', 'HEAD']));
  const untracked = names(git(top, ['ls-files', '--others', '--exclude-standard', '-z']));
  const files = [...new Set([...committed, ...uncommitted, ...untracked])].map((f) => path.join(top, f));
  return { files, contents: new Map() };
}

/** Files added or modified in the index, with their staged text (pre-commit). */
export function stagedFiles(cwd: string): ChangedFiles {
  const top = git(cwd, ['rev-parse', '--show-toplevel']).trim();
  const staged = names(git(top, ['diff', '--cached', '--name-only', '--diff-filter=AM', '-z']));
  const contents = new Map<string, string>();
  // Only migration files are read (a staged submodule or binary file has no text to show).
  for (const file of staged) if (isMigrationFile(file)) contents.set(path.join(top, file), git(top, ['show', `:${file}`]));
  return { files: staged.map((f) => path.join(top, f)), contents };
}

/**
 * Of these files (absolute paths), the ones git tracks and that are unchanged since HEAD: migrations
 * that are most likely deployed already. Empty outside a git repository.
 */
/** The top folder of the git work tree around cwd, or null outside one (or without git). */
export function gitTop(cwd: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function committedUnchanged(cwd: string, files: string[]): Set<string> {
  let top: string;
  try {
    top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return new Set();
  }
  const tracked = new Set(names(git(top, ['ls-files', '-z'])).map((f) => path.join(top, f)));
  const changed = new Set(names(git(top, ['diff', '--name-only', '-z', 'HEAD'])).map((f) => path.join(top, f)));
  return new Set(files.filter((file) => tracked.has(file) && !changed.has(file)));
}
