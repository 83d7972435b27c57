// The data that flows through the pipeline: discover → sources → engine → rules → report.

export type Severity = 'error' | 'warning' | 'info';
export type SeveritySetting = Severity | 'warn' | 'off';
export type Section = 'up' | 'down';

/** A libpg-query AST node: `{ IndexStmt: {...} }` wrappers and their bare payloads. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AstNode = Record<string, any>;

/** A file read from disk, with a line index to turn offsets into 1-based line/column. */
export interface SourceFile {
  /** Absolute path. */
  path: string;
  /** Relative to the working directory, forward slashes. */
  relPath: string;
  text: string;
  lineStarts: number[];
  /** The file could not be read as text (I/O error, binary, not UTF-8): why, and where. */
  unreadable?: { message: string; offset: number };
}

/** A half-open range of UTF-16 offsets into SourceFile.text. */
export interface Span {
  start: number;
  end: number;
}

/**
 * How the runner executes a half:
 * - `wrapped`: the runner opens a transaction around it (goose, dbmate, Flyway, ...).
 * - `implicit`: the half is sent as one multi-statement query, which PostgreSQL runs as one
 *   implicit transaction when it holds more than one statement (golang-migrate, Prisma).
 * - `none`: each statement autocommits unless the SQL itself says BEGIN.
 */
export type TransactionMode = 'wrapped' | 'implicit' | 'none';

/** Where a statement came from: the migration text itself, or the body of a DO block or function. */
export type StatementOrigin = 'top' | 'do-block' | 'function-body';

export interface Statement {
  file: SourceFile;
  span: Span;
  /** The SQL text as PostgreSQL sees it. */
  text: string;
  /** The node inside the RawStmt wrapper (`{ IndexStmt: {...} }`); null when it did not parse. */
  ast: AstNode | null;
  /** The node type (`IndexStmt`), or '' when it did not parse. */
  kind: string;
  origin: StatementOrigin;
  /** Maps an AST `location` (a byte offset into the parsed text) to a file offset. */
  locate: (byteLocation: number) => number;
  /** Why the text does not parse; `language` is set for a syntax error of the code around the SQL. */
  parseError?: { message: string; offset: number; language?: 'python' | 'typescript' };
  /** Template placeholders replaced before parsing: filled identifier → the original text. */
  placeholders?: Map<string, string>;
  /**
   * A migration operation that could not be turned into SQL statically (SQL built at run time, a
   * helper imported from elsewhere): why. Such a statement has no AST.
   */
  unanalyzable?: string;
  /** The file this statement stands for could not be read as text: why (reported by unreadable-file). */
  unreadable?: string;
  /** The runner runs this statement outside its transaction (Alembic's autocommit_block). */
  outsideTransaction?: boolean;
}

export interface MigrationHalf {
  section: Section;
  /** The files this half was read from (one for most layouts). */
  files: SourceFile[];
  statements: Statement[];
  transaction: TransactionMode;
  /** The half's marker or file start, where findings about the half as a whole are reported. */
  anchor: { file: SourceFile; offset: number };
  /** The half only raises: the migration is deliberately irreversible. */
  irreversible?: boolean;
  /**
   * What the runner (TS/JS frameworks, in the mode the project configures) does to this half: who
   * opens its transaction, and how a statement is run outside it there. Layouts without it use the
   * wording of runner-hints.ts.
   */
  runner?: { wrappedBy: string; outsideTransaction: string; settings?: Record<string, unknown> };
}

export interface Migration {
  /** e.g. `0002_add_index` (file or folder name without the layout's suffixes). */
  id: string;
  layout: string;
  directory: string;
  up: MigrationHalf;
  down: MigrationHalf | null;
  /** Whether this layout has down migrations at all (Prisma has none by design). */
  downExpected: boolean;
  files: SourceFile[];
  /** The runner refuses the migration as written, or never finishes it (an opt-out its mode forbids). */
  runnerRejects?: {
    message: string;
    fix: string;
    at: { file: SourceFile; offset: number };
    /** Only when another migration runs before it in the same run (not the directory's first). */
    afterOthersOnly?: boolean;
  };
  /** For revision-graph layouts (Alembic): this revision and the ones it follows. */
  revision?: { id: string; parents: string[]; anchor: { file: SourceFile; offset: number } };
}

/**
 * The safe rewrite of a finding's statement, as SQL built from the statement's own AST (quoting,
 * schema, types and options kept): the migrations to write, in order. A migration marked
 * `outsideTransaction` must run without a transaction (CONCURRENTLY).
 */
export interface Rewrite {
  /**
   * `apart`: the first migration may not share the flagged statement's transaction (a VALIDATE after
   * the lock that added it); later migrations are always apart.
   */
  migrations: { statements: string[]; outsideTransaction?: boolean; apart?: boolean; note?: string }[];
  /**
   * An expand/contract plan the application must move through between its steps (a rename, a type
   * change): what it is for. `migsafe fix` writes it to a proposal file, never into migrations.
   */
  proposal?: string;
  /**
   * What stays of the flagged statement where it was: its other subcommands (a string), nothing
   * (null). Absent: the rewrite stands for the whole statement (`migsafe fix` then fixes only a
   * statement with one subcommand).
   */
  residual?: string | null;
  /** Why `migsafe fix` cannot write this rewrite as it is (it needs what only the user knows). */
  manual?: string;
  /**
   * `down`: the statements belong in this migration's down half, not in new migrations: first,
   * before what the down does (which may drop what they drop, or rebuild an object of the same name).
   */
  addTo?: 'down';
}

/** rewrite: a new file for the table (and its indexes); scan: every row read under the statement's lock; index-build / index-rebuild: an index built from every row. */
export type EffectKind = 'rewrite' | 'scan' | 'index-build' | 'index-rebuild';

export interface FindingEffect {
  kind: EffectKind;
  relation: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  help?: string;
  rewrite?: Rewrite;
  file: SourceFile;
  span: Span;
  migration?: string;
  section?: Section;
  /** The migration's layout or framework (`goose`, `knex`, ...), for runner-specific fixes. */
  layout?: string;
  /** Text of the statement, for fingerprints that survive unrelated line moves. */
  statementText?: string;
  /** What the finding says PostgreSQL does to which relation (its template's effect). */
  effect?: FindingEffect;
  /** The whole statement, which suppression comments attach to. */
  statementSpan: Span;
}

export interface Diagnostic {
  ruleId: string;
  severity: Severity;
  message: string;
  help?: string;
  rewrite?: Rewrite;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  migration?: string;
  section?: Section;
  layout?: string;
  statementText?: string;
  effect?: FindingEffect;
  /** The file text, for reporters that print a code frame. */
  source?: SourceFile;
}

/** What `migsafe trace` observed after one statement. */
export interface TracedStatement {
  file: string;
  line: number;
  migration: string;
  statement: string;
  /** Relation locks held right after the statement (in its transaction). */
  locks: { relation: string; mode: string }[];
  /** Whether those locks stay held after the statement (it runs in a transaction). */
  heldAfter: boolean;
  /** Tables and indexes that existed before and were rewritten by the statement. */
  rewrites: string[];
  /** Constraints the statement added or validated, and whether they are validated now. */
  constraints: { name: string; validated: boolean }[];
  lockTimeout: string;
}
