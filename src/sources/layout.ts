// The seam between discovery and the readers: a directory of migration files goes in, ordered
// migrations (statements, halves, transaction modes) come out. One reader per layout.
import path from 'node:path';
import type { RunnerProject } from './runner-project.js';
import type { Migration, MigrationHalf, Section, SourceFile, Statement, TransactionMode } from '../engine/types.js';
import { fileSlice, type ParseOptions, parseSqlChunk } from './sql-statements.js';
import type { SourceKind } from '../discover/discover.js';
import type { MigrationWriter } from '../fix/writer.js';

export interface MigrationDirectory {
  /** The directory whose migrations run in order (for Prisma: the `migrations` folder). */
  dir: string;
  /** What its files are read as. */
  kind: SourceKind;
  /** Absolute paths of the migration files found under it, sorted. */
  files: string[];
}

export interface ReadContext {
  read(absPath: string): SourceFile;
  exists(absPath: string): boolean;
  parseOptions: ParseOptions;
  /** Config: the runner wraps each plain file in a transaction. */
  assumeInTransaction: boolean;
  /** Where the runner's settings for a migration directory are read (its config files, package.json scripts, migsafe's `runners`). */
  runnerProject(dir: string): RunnerProject;
}

export interface SqlLayout {
  /** Name shown in output and accepted by the `layout` config key. */
  name: string;
  /** The kind of files it reads (default: SQL). */
  kind?: SourceKind;
  /** Whether this layout owns the whole directory (by names, markers or side files). */
  claims(directory: MigrationDirectory, context: ReadContext): boolean;
  read(directory: MigrationDirectory, context: ReadContext): Migration[];
  /** read() returns migrations in the runner's order; otherwise they are sorted by id. */
  ordersItself?: boolean;
  /** How `migsafe fix` writes migrations in this layout (none: fix leaves its migrations alone). */
  writer?: MigrationWriter;
}

export function parseFileRange(
  file: SourceFile,
  start: number,
  end: number,
  context: ReadContext,
): Statement[] {
  return parseSqlChunk(fileSlice(file, start, end), context.parseOptions);
}

export function makeHalf(
  section: Section,
  file: SourceFile,
  statements: Statement[],
  transaction: TransactionMode,
  anchorOffset = 0,
): MigrationHalf {
  return { section, files: [file], statements, transaction, anchor: { file, offset: anchorOffset } };
}

const NUMERIC_ORDER = new Intl.Collator('en', { numeric: true });

/** Migration ids sort the way the runners order them: numeric parts as numbers. */
export function compareMigrationIds(a: string, b: string): number {
  return NUMERIC_ORDER.compare(a, b);
}

export function sortMigrations(migrations: Migration[]): Migration[] {
  return migrations.sort((a, b) => compareMigrationIds(a.id, b.id));
}

export function baseName(file: string): string {
  return path.basename(file);
}

/** A half's text split at marker comment lines (dbmate, goose, node-pg-migrate). */
export interface MarkedSection {
  section: Section;
  /** Offset of the marker line, where findings about the half are anchored. */
  markerOffset: number;
  markerLine: string;
  start: number;
  end: number;
}

export function splitByMarkers(
  text: string,
  markerOf: (line: string) => Section | null,
): MarkedSection[] {
  const sections: MarkedSection[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const section = markerOf(line.trim());
    if (section) {
      const current = sections[sections.length - 1];
      if (current) current.end = offset;
      sections.push({ section, markerOffset: offset, markerLine: line, start: offset + line.length + 1, end: text.length });
    }
    offset += line.length + 1;
  }
  const last = sections[sections.length - 1];
  if (last) last.start = Math.min(last.start, text.length);
  return sections;
}

/**
 * Builds a migration from one file with up/down marker sections. Statements before the first
 * marker belong to up, as the runners treat them.
 */
export function markedFileMigration(
  layout: string,
  directory: MigrationDirectory,
  file: SourceFile,
  sections: MarkedSection[],
  context: ReadContext,
  transactionOf: (section: MarkedSection) => TransactionMode,
): Migration {
  const up = sections.find((s) => s.section === 'up');
  const down = sections.find((s) => s.section === 'down');
  const upStart = up ? up.start : 0;
  const upEnd = up ? up.end : down ? down.markerOffset : file.text.length;
  const upHalf = makeHalf('up', file, parseFileRange(file, upStart, upEnd, context), up ? transactionOf(up) : 'wrapped', up?.markerOffset ?? 0);
  const downHalf = down
    ? makeHalf('down', file, parseFileRange(file, down.start, down.end, context), transactionOf(down), down.markerOffset)
    : null;
  return {
    id: stripSqlExtension(path.basename(file.path)),
    layout,
    directory: directory.dir,
    up: upHalf,
    down: downHalf,
    downExpected: true,
    files: [file],
  };
}

export function stripSqlExtension(name: string): string {
  return name.replace(/\.sql$/i, '');
}

type Problem = Pick<Statement, 'unreadable' | 'unanalyzable' | 'parseError'>;

/** A statement that stands for a problem at `offset` (to the end of its line), not for SQL. */
export function problemStatement(file: SourceFile, offset: number, problem: Problem): Statement {
  const lineEnd = file.text.indexOf('\n', offset);
  return { file, span: { start: offset, end: Math.max(offset, lineEnd < 0 ? file.text.length : lineEnd) }, text: '', ast: null, kind: '', origin: 'top', locate: () => offset, ...problem };
}

/** Adds a problem to a half's statements, in file order. */
export function addProblem(half: MigrationHalf, statement: Statement): void {
  half.statements.push(statement);
  half.statements.sort((a, b) => a.span.start - b.span.start);
}

/**
 * A migration that stands for a file that could not be read or lowered: one statement, reported
 * at `offset` (by unreadable-file, or as a parse error or unanalysable operation), so that the
 * file is visible in the report and the rest of its directory is still read.
 */
export function placeholderMigration(layout: string, directory: string, file: SourceFile, problem: Problem, offset = 0): Migration {
  const statement = problemStatement(file, offset, problem);
  return {
    id: path.basename(file.path).replace(/\.[^.]+$/, ''),
    layout,
    directory,
    up: makeHalf('up', file, [statement], 'none', offset),
    down: null,
    // Nothing is known of it: no rule about down halves applies.
    downExpected: false,
    files: [file],
  };
}

/** Why reading failed, for a message: a stack overflow is nesting, anything else its first line. */
export function readFailure(error: unknown): string {
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'it is nested too deeply';
  if (error instanceof TypeError) return `its shape is not one migsafe expects (${error.message})`;
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}
