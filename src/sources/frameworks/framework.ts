// What a TS/JS migration framework is to migsafe: how its files are recognised, how its builder calls
// lower to PostgreSQL, how its runner decides transactions (observed by running it: see each
// framework's test), and what to tell a user to do about it. One module per framework in this
// folder, each beside its test; index.ts lists them.
import type ts from 'typescript';
import { tsv } from '../typescript-lazy.js';
import type { MigrationHalf, Section, TransactionMode } from '../../engine/types.js';
import type { StatementCollector } from '../lowered.js';
import type { RunnerProject } from '../runner-project.js';
import type { MigrationWriter } from '../../fix/writer.js';
import type { JsScope, JsValue, ScriptEvaluator } from '../script-values.js';

export type Framework = 'knex' | 'typeorm' | 'node-pg-migrate' | 'kysely' | 'sequelize' | 'mikroorm' | 'db-migrate' | 'slonik' | 'prisma' | 'unknown';

/** What a framework lowerer gets for one call. */
export interface LowerContext {
  ev: ScriptEvaluator;
  scope: JsScope;
  out: StatementCollector;
  /** The up/down function's first parameter (`knex`, `pgm`, `queryInterface`, `queryRunner`, `db`). */
  param: string;
  span(node: ts.Node): { start: number; end: number };
  /** Lowers the statements of a callback body (transactions, knex table builders). */
  walk(node: ts.Node, scope: JsScope): void;
  raw(value: JsValue, node: ts.Node): void;
  fail(node: ts.Node, reason: string): void;
}

export interface FrameworkLowerer {
  /** Handles the call and returns true, or returns false to let the raw-SQL walker try. */
  lower(call: ts.CallExpression, callee: string, ctx: LowerContext): boolean;
}

/** One migration file as read: where its halves are and what they belong to. */
export interface ScriptMigration {
  tree: ts.SourceFile;
  ev: ScriptEvaluator;
  text: string;
  /** The class (TypeORM, MikroORM) or object the halves belong to. */
  owner?: ts.Node;
  up: ts.Node;
}

/** How the runner runs one half, in the mode the project configures. */
export interface RunnerVerdict {
  transaction: TransactionMode;
  advice: NonNullable<MigrationHalf['runner']>;
}

/** The runner will not run the migration as written (an opt-out its mode forbids). */
export interface RunnerRejection {
  message: string;
  fix: string;
  node: ts.Node;
  /** Only when another migration runs before it in the same run. */
  afterOthersOnly?: boolean;
}

export interface ScriptFramework {
  name: Framework;
  /** The module specifier its migrations import. */
  imports?: RegExp;
  /** Recognises a migration that imports nothing of it, by the up function's parameter or its calls. */
  recognise?(migration: ScriptMigration, upParam: string): boolean;
  lowerer?: FrameworkLowerer;
  /** The runner settings that decide transactions, read from the project's own configuration. */
  settings?(project: RunnerProject): Record<string, unknown>;
  /** How the runner runs a half of this migration. */
  runs(migration: ScriptMigration, half: { section: Section; fn: ts.Node; param: string }, settings: Record<string, unknown>): RunnerVerdict;
  /** Whether the runner refuses (or never finishes) the migration as written. */
  rejects?(migration: ScriptMigration, settings: Record<string, unknown>): RunnerRejection | null;
  /** How `migsafe fix` writes this framework's migrations (none: fix leaves them alone). */
  writer?: MigrationWriter;
}

/** A verdict: wrapped or not, who wraps it, and the way out of it. */
export function verdict(wrapped: boolean, wrappedBy: string, outsideTransaction: string): RunnerVerdict {
  return { transaction: wrapped ? 'wrapped' : 'none', advice: { wrappedBy, outsideTransaction } };
}

/** The expression inside parentheses, `as` and `satisfies` (`false as const` is `false`). */
export function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (tsv.isParenthesizedExpression(current) || tsv.isAsExpression(current) || tsv.isSatisfiesExpression(current)) current = current.expression;
  return current;
}

/** A class member `name = value` (also `name = false as const`), or undefined. */
export function classProperty(owner: ts.Node | undefined, name: string): ts.PropertyDeclaration | undefined {
  if (!owner || !(tsv.isClassDeclaration(owner) || tsv.isClassExpression(owner))) return undefined;
  return owner.members.find((m): m is ts.PropertyDeclaration => tsv.isPropertyDeclaration(m) && !!m.name && tsv.isIdentifier(m.name) && m.name.text === name);
}

/** A boolean literal, through `as const`, `satisfies` and parentheses; null when it is anything else. */
export function booleanLiteral(node: ts.Expression | undefined): boolean | null {
  if (!node) return null;
  const current = unwrap(node);
  if (current.kind === tsv.SyntaxKind.TrueKeyword) return true;
  if (current.kind === tsv.SyntaxKind.FalseKeyword) return false;
  return null;
}
