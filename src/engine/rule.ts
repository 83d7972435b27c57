// What a rule module is, and what it sees. A rule file in rules/ exports `defineRule({...})`: its
// id, default severity, documentation (whose examples are run as tests) and `create`, which returns
// visitors keyed by statement node type. The engine owns traversal, the migration context,
// configuration, suppressions and reporting.
import type { Catalog } from './catalog.js';
import type { AstNode, EffectKind, Migration, MigrationHalf, Rewrite, Section, Severity, Statement } from './types.js';

export interface RuleExample {
  /** SQL of one migration (read as a plain SQL file unless `layout` says otherwise). */
  sql?: string;
  /** Or a migration directory given file by file (Alembic revisions, ...): name → text. */
  files?: Record<string, string>;
  /** A down half, for rules about rollbacks. */
  down?: string;
  /** `wrapped` to read it as a migration the runner runs in a transaction. */
  transaction?: 'wrapped' | 'none';
  /** Earlier migrations of the same directory, replayed first (tables that already exist). */
  before?: string[];
  pgVersion?: number;
}

export interface RuleDocs {
  /** One line: what the rule flags. */
  summary: string;
  /** The lock, the rewrite or the failure, in Markdown. */
  why: string;
  /** The safe alternative, in Markdown with SQL. */
  safe: string;
  /** PostgreSQL documentation pages that back the claims above. */
  sources: string[];
  examples: { invalid: RuleExample[]; valid: RuleExample[] };
}

export interface MessageTemplate {
  message: string;
  help?: string;
  /**
   * What the message says PostgreSQL does to a relation, for the truth test that checks the claim
   * on PostgreSQL (test/truth-effects.test.ts) and for table statistics (a row count in the text).
   * `relation` names the data field that holds the relation (default `table`).
   */
  effect?: { kind: EffectKind; relation?: string };
}



export interface StatementContext {
  migration: Migration;
  statement: Statement;
  section: Section;
  half: MigrationHalf;
  /** Position of the statement in half.statements. */
  index: number;
  /** The schema as replayed up to (not including) this statement. */
  catalog: Catalog;
  pgVersion: number;
  inTransaction: boolean;
  /** Why the statement is in a transaction, e.g. "goose runs each migration in a transaction". */
  transactionReason: string;
  /** Identifies the transaction the statement runs in (null outside one). */
  transactionId: number | null;
  /** The transaction each statement of the half runs in, by index. */
  transactionIds: (number | null)[];
  lockTimeoutSet: boolean;
  /** The session TimeZone a SET earlier in this half gave (null: the server's, not known here). */
  timeZone: string | null;
  /** True for a table (or `index name`, `type name`, `schema name`) created earlier in this same migration. */
  isNew(name: string): boolean;
  /**
   * isNew, and not filled since by INSERT ... SELECT, COPY FROM or CREATE TABLE AS: a scan or rewrite
   * of it reads no rows. A filled new table is as costly to scan as an existing one.
   */
  isNewAndEmpty(name: string): boolean;
  /** Strong locks taken earlier in the current transaction: table → the statement that took it. */
  heldLocks: Map<string, { mode: string; statement: Statement }>;
}

export interface ReportDescriptor {
  messageId: string;
  data?: Record<string, string | number>;
  /** A node with a `location`, to start the finding there rather than at the statement start. */
  node?: AstNode;
  /** A file offset inside the statement to start the finding at. */
  offset?: number;
  /** The half the finding is about, when reporting from checkMigration. */
  section?: Section;
  /** The migration the finding is about, when reporting from checkDirectory. */
  migration?: Migration;
  /** Report on a statement other than the current one (or where there is none). */
  statement?: Statement;
  /** Report at an offset of a file, for findings about a half or a file. */
  at?: { file: Statement['file']; offset: number };
  /** The safe rewrite (src/engine/rewrite.ts builds it from the AST); `{{rewrite}}` in help shows it. */
  rewrite?: Rewrite;
}

export interface MigrationContext {
  migration: Migration;
  pgVersion: number;
}

export type StatementVisitor = (node: AstNode, context: StatementContext) => void;

/**
 * Visitors keyed by statement node type (`IndexStmt(node, ctx)`, given the node inside the wrapper),
 * `'*'` for every parsed statement (given the wrapper, `{ IndexStmt: {...} }`), `ParseError` for
 * statements that did not parse, `Unanalyzable` for operations that could not be lowered to SQL.
 */
export interface RuleListener {
  [statementKind: string]: StatementVisitor | undefined;
}

export interface RuleContext {
  readonly ruleId: string;
  readonly options: Record<string, unknown>;
  report(descriptor: ReportDescriptor): void;
}

export interface RuleModule {
  id: string;
  severity: Severity;
  docs: RuleDocs;
  messages: Record<string, MessageTemplate>;
  /** Destructive-change rules leave down halves alone: dropping what up created is the point. */
  checksDown?: boolean;
  /**
   * `migsafe fix` writes this rule's rewrite into the migrations: it does what the statement meant
   * to do, safely (a rewrite that changes what the data ends up as is advice, not a fix).
   */
  fixable?: boolean;
  create(context: RuleContext): RuleListener;
  /** Checks about a migration as a whole (its halves, its files), once per migration. */
  checkMigration?: (migration: MigrationContext, context: RuleContext) => void;
  /** Reported by `migsafe trace` or `migsafe verify` from what PostgreSQL did, not by lint. */
  observedBy?: 'trace' | 'verify';
  /** Checks about a directory's migrations together (a revision graph), once per directory. */
  checkDirectory?: (migrations: Migration[], context: RuleContext) => void;
}

export function defineRule(rule: RuleModule): RuleModule {
  return rule;
}

export function fillTemplate(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => (key in data ? String(data[key]) : whole));
}

/** A rule whose findings come from running migrations (trace, verify): id, severity and docs. */
export function defineObservedRule(rule: Pick<RuleModule, 'id' | 'severity' | 'docs'> & { observedBy: 'trace' | 'verify'; help: string }): RuleModule {
  return {
    id: rule.id,
    severity: rule.severity,
    docs: rule.docs,
    observedBy: rule.observedBy,
    messages: { default: { message: '{{message}}', help: rule.help } },
    create: () => ({}),
  };
}

/** Where a rule's page is published: docs/rules/<id>.md of the package (`npm run docs` writes it). */
export function ruleDocsUrl(ruleId: string): string {
  return `https://unpkg.com/migsafe@0.1.0/docs/rules/${ruleId}.md`;
}
