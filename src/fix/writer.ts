// How `migsafe fix` writes migrations in a layout: the files of a new migration, named and numbered
// as the directory does, and the edit that makes an existing migration run outside a transaction.
// Each layout that fix can write keeps its writer beside its reader (src/sources/<layout>.ts).
import path from 'node:path';
import type { AstNode, Migration, MigrationHalf, Statement } from '../engine/types.js';
import { compareMigrationIds } from '../sources/layout.js';

export interface NewMigration {
  /** What it does, for its file name (snake_case, no version). */
  name: string;
  /** Its statements, each without the semicolon. */
  up: string[];
  /** What undoes it; null when the directory keeps no down migrations. */
  down: string[] | null;
  outsideTransaction: boolean;
  /** The down has a statement that refuses a transaction block (DROP INDEX CONCURRENTLY). */
  downOutsideTransaction: boolean;
  /** Comment lines above the up statements (without `-- `). */
  notes: string[];
}

/** The files a writer may read (as fix has them so far) and change besides its new ones. */
export interface WriterFiles {
  read(file: string): string | null;
  /** Not committed (or named on the command line): fix may change it. */
  mayChange(file: string): boolean;
}

/** A change to a file: the text from `start` to `end` (offsets into its text) becomes `text`. */
export interface TextEdit {
  file: string;
  start: number;
  end: number;
  text: string;
}

export interface MigrationWriter {
  /**
   * How the runner runs a statement outside a transaction: `alone` in a migration (it sends a file
   * as one query, an implicit transaction with more than one statement), or by a `marker` in the
   * file, after which each statement runs on its own; or not at all (`none`).
   */
  outsideTransaction: 'alone' | 'marker' | 'none';
  /**
   * The files (absolute path → text) of new migrations that run after `after` and before `next`
   * (null: after the last), in order, and any side file they change (sqitch.plan, read through
   * `read`, as fix has it so far); or why they cannot be numbered there.
   */
  create(after: Migration, next: Migration | null, migrations: NewMigration[], files: WriterFiles): Record<string, string> | { error: string };
  /** The edits that make a migration run outside a transaction ([] when it already does; null when the layout cannot). */
  optOut(migration: Migration): TextEdit[] | null;  /**
   * The runner reverts this directory's migrations in a transaction whatever they say (TypeORM in
   * mode "each"): downs are written without CONCURRENTLY.
   */
  downsInTransaction?(migration: Migration): boolean;
  /**
   * Side files that follow the directory's final contents (Atlas's atlas.sum): given the directory,
   * its migration files (on disk and new) and the reader of fix's texts; run after every fix.
   */
  finish?(directory: string, files: string[], read: (file: string) => string | null): Record<string, string>;
  /** How statements of an existing migration are edited (default: as SQL text). */
  editor?: StatementEditor;
}

/** Replaces (or, with no statements, removes) a statement of a migration, and adds to a half. */
export interface StatementEditor {
  replace(statement: Statement, statements: (AstNode | string)[], notes: string[], half: MigrationHalf): TextEdit | { error: string };
  /** `start`: before the half's first statement that is not a SET (a lock_timeout stays first). */
  insert(migration: Migration, half: MigrationHalf, statements: AstNode[], where: 'start' | 'end'): TextEdit | { error: string };
  /** Replaces a statement by statements run outside the transaction, in a block of their own (Alembic's autocommit_block). */
  replaceOutsideTransaction?(statement: Statement, statements: (AstNode | string)[], notes: string[], half: MigrationHalf): TextEdit | { error: string };
}

/** The half's first statement that is not a SET (what is added to its start goes before it). */
export function firstAfterSets(half: MigrationHalf): Statement | null {
  return half.statements.find((s) => s.origin === 'top' && !s.ast?.VariableSetStmt) ?? null;
}

/**
 * The version a migration id starts with: `000012` of `000012_add_index`, `2024-01-01-000000` of
 * Diesel's `2024-01-01-000000_create_users`; null when it starts with none.
 */
export function versionOf(id: string): string | null {
  return /^\d[\d-]*\d|^\d/.exec(id)?.[0] ?? null;
}

/**
 * `count` versions after `after`'s, below `next`'s: its last group of digits counted up, zero-padded
 * as the directory pads them (a timestamp gets the next seconds). An error when there is no room.
 */
export function versionsBetween(after: Migration, next: Migration | null, count: number, version: (id: string) => string | null = versionOf): string[] | { error: string } {
  const from = version(after.id);
  if (from === null) return { error: `migsafe cannot number a migration after "${after.id}": its name does not start with a version` };
  const limit = next ? version(next.id) : null;
  const [, head, digits] = /^(.*?)(\d+)$/.exec(from)!;
  const versions: string[] = [];
  for (let i = 1; i <= count; i++) {
    const value = head! + (BigInt(digits!) + BigInt(i)).toString().padStart(digits!.length, '0');
    if (limit !== null && compareMigrationIds(value, limit) >= 0) {
      return { error: `no free version between ${after.id} and ${next!.id} for ${count} new migration${count === 1 ? '' : 's'}: fix the last migration, or renumber the ones after it` };
    }
    versions.push(value);
  }
  return versions;
}

/** The statements of a half as file text: each on its own line(s), with its semicolon. */
export function sqlLines(statements: string[]): string {
  return statements.map((sql) => `${sql};\n`).join('');
}

export function noteLines(notes: string[]): string {
  return notes.map((note) => `-- ${note}\n`).join('');
}

/** New single-file migrations `<version>_<name><suffix>` beside `after`, with the text `textOf` gives. */
export function numberedFiles(
  after: Migration,
  next: Migration | null,
  migrations: NewMigration[],
  fileOf: (version: string, migration: NewMigration) => Record<string, string>,
  version?: (id: string) => string | null,
): Record<string, string> | { error: string } {
  const versions = versionsBetween(after, next, migrations.length, version);
  if (!Array.isArray(versions)) return versions;
  const files: Record<string, string> = {};
  migrations.forEach((migration, i) => {
    for (const [name, text] of Object.entries(fileOf(versions[i]!, migration))) files[path.join(after.directory, name)] = text;
  });
  return files;
}
