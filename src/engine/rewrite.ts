// Safe rewrites as SQL, built from the flagged statement's own AST and printed by pgsql-deparser (the
// deparser written for libpg-query's AST): quoted identifiers, schemas, types with modifiers
// (timestamp(3)), FK actions, partial-index WHERE, INCLUDE and USING stay as the migration wrote
// them, which text templates lost. Each builder copies the nodes it changes.
import { Deparser, QuoteUtils } from 'pgsql-deparser';
import type { AstNode, Rewrite } from './types.js';
import { quoteLiteral } from '../sources/lowered.js';

/** One statement as SQL, on one line, without the semicolon. */
export function sqlOf(statement: AstNode): string {
  // RESTRICT is the default of every DROP: the deparser spells it out, the migrations do not.
  // SET x = v, as migrations write it, rather than the deparser's SET x TO v.
  return Deparser.deparse(statement as never, { pretty: false })
    .trim()
    .replace(/;$/, '')
    .replace(/(?<!ON (?:DELETE|UPDATE)) RESTRICT(?=,|$)/g, '')
    .replace(/^SET ((?:LOCAL |SESSION )?\w+) TO /, 'SET $1 = ');
}

/** A deep copy of an AST node, to change without touching the statement rules see. */
export function copy<T>(node: T): T {
  return structuredClone(node);
}

/** `ALTER TABLE <relation> <cmds>` as an AST, for the commands given. */
export function alterTable(relation: AstNode, cmds: AstNode[], missingOk = false): AstNode {
  return { AlterTableStmt: { relation: copy(relation), cmds: cmds.map((cmd) => ({ AlterTableCmd: cmd })), objtype: 'OBJECT_TABLE', ...(missingOk ? { missing_ok: true } : {}) } };
}

/** `ALTER TABLE <relation> VALIDATE CONSTRAINT <name>`. */
export function validateConstraint(relation: AstNode, name: string): AstNode {
  return alterTable(relation, [{ subtype: 'AT_ValidateConstraint', name, behavior: 'DROP_RESTRICT' }]);
}

/** `ALTER TABLE <relation> ALTER COLUMN <column> SET NOT NULL`. */
export function setNotNull(relation: AstNode, column: string): AstNode {
  return alterTable(relation, [{ subtype: 'AT_SetNotNull', name: column, behavior: 'DROP_RESTRICT' }]);
}

/** `ALTER TABLE <relation> DROP CONSTRAINT <name>`. */
export function dropConstraint(relation: AstNode, name: string): AstNode {
  return alterTable(relation, [dropConstraintCmd(name)]);
}

/** The `DROP CONSTRAINT <name>` subcommand. */
export function dropConstraintCmd(name: string): AstNode {
  return { subtype: 'AT_DropConstraint', name, behavior: 'DROP_RESTRICT' };
}

/** The `ADD CONSTRAINT <name> CHECK (<expression>) NOT VALID` subcommand. */
export function checkNotValidCmd(name: string, expression: AstNode): AstNode {
  return { subtype: 'AT_AddConstraint', def: { Constraint: { contype: 'CONSTR_CHECK', conname: name, raw_expr: copy(expression), is_enforced: true, skip_validation: true } }, behavior: 'DROP_RESTRICT' };
}

/** `ALTER TABLE <relation> ADD CONSTRAINT <name> CHECK (<column> IS NOT NULL) NOT VALID`. */
export function notNullCheck(relation: AstNode, column: string, name: string): AstNode {
  return alterTable(relation, [notNullCheckCmd(column, name)]);
}

/** The `ADD CONSTRAINT <name> CHECK (<column> IS NOT NULL) NOT VALID` subcommand. */
export function notNullCheckCmd(column: string, name: string): AstNode {
  return checkNotValidCmd(name, { NullTest: { arg: { ColumnRef: { fields: [{ String: { sval: column } }] } }, nulltesttype: 'IS_NOT_NULL' } });
}

/** `SET lock_timeout = '<value>'`. */
export function setLockTimeout(value = '5s'): AstNode {
  return { VariableSetStmt: { kind: 'VAR_SET_VALUE', name: 'lock_timeout', args: [{ A_Const: { sval: { sval: value } } }] } };
}

/**
 * A rewrite of one migration per group of statements, in order; undefined where the deparser
 * cannot print one of them (the help then says so, and the finding stands).
 */
export function rewriteOf(...migrations: (RewriteMigration | null)[]): Rewrite | undefined {
  try {
    return {
      migrations: migrations
        .filter((m): m is RewriteMigration => !!m)
        .map((m) => ({ statements: m.statements.map(sqlOf), ...(m.outsideTransaction ? { outsideTransaction: true } : {}), ...(m.apart ? { apart: true } : {}) })),
    };
  } catch {
    return undefined;
  }
}

interface RewriteMigration {
  statements: AstNode[];
  outsideTransaction?: boolean;
  apart?: boolean;
}

/**
 * A rewrite of some of a statement's parts (one subcommand of an ALTER TABLE, one index of a DROP):
 * what stays of the statement is `rest` (null: nothing), for `migsafe fix` to leave in its place.
 */
export function leaving(rewrite: Rewrite | undefined, rest: AstNode | null): Rewrite | undefined {
  if (!rewrite) return undefined;
  if (!rest) return { ...rewrite, residual: null };
  const printed = printable(rest);
  return printed === null ? rewrite : { ...rewrite, residual: printed };
}

/** The ALTER TABLE without the given subcommands (null when none is left). */
export function withoutCommands(statement: AstNode, cmds: AstNode[]): AstNode | null {
  const rest = (statement.cmds ?? []).filter((item: AstNode) => !cmds.includes(item.AlterTableCmd));
  // Only printed: a new statement object over the same nodes, none of them changed (no deep copy,
  // which cost a fifth of a second over the corpus).
  return rest.length ? { AlterTableStmt: { ...statement, cmds: rest } } : null;
}

/** What `{{rewrite}}` reads when no rewrite could be printed. */
export const UNPRINTABLE_REWRITE = '(migsafe could not print the rewritten SQL for this statement: see the rule\'s docs)';

/** How a rewrite reads in help text: its SQL, with a line between migrations. */
export function showRewrite(rewrite: Rewrite): string {
  return rewrite.migrations
    .map((migration, i) => {
      const when = migration.note ? `, ${migration.note}` : '';
      const heading = i === 0 && !migration.apart ? (migration.note ? `-- ${migration.note}:\n  ` : '') : `-- ${i === 0 ? 'in a later migration' : 'then, in a later migration'}${migration.outsideTransaction ? ' (outside a transaction)' : ''}${when}:\n  `;
      return heading + migration.statements.map((sql) => `${sql};`.replace(/\n/g, '\n  ')).join('\n  ');
    })
    .join('\n  ');
}

const indexElem = (name: string) => ({ IndexElem: { name, ordering: 'SORTBY_DEFAULT', nulls_ordering: 'SORTBY_NULLS_DEFAULT' } });

/** `CREATE UNIQUE INDEX CONCURRENTLY <name> ON <relation> (<columns>) [INCLUDE (...)] [NULLS NOT DISTINCT]`. */
export function uniqueIndexConcurrently(relation: AstNode, name: string, columns: string[], including: string[] = [], nullsNotDistinct = false): AstNode {
  return {
    IndexStmt: {
      idxname: name,
      relation: copy(relation),
      accessMethod: 'btree',
      indexParams: columns.map(indexElem),
      ...(including.length ? { indexIncludingParams: including.map(indexElem) } : {}),
      unique: true,
      ...(nullsNotDistinct ? { nulls_not_distinct: true } : {}),
      concurrent: true,
    },
  };
}

/** `ALTER TABLE <relation> ADD CONSTRAINT <name> UNIQUE|PRIMARY KEY USING INDEX <name>`. */
export function constraintUsingIndex(relation: AstNode, contype: 'CONSTR_UNIQUE' | 'CONSTR_PRIMARY', name: string): AstNode {
  return alterTable(relation, [{ subtype: 'AT_AddConstraint', def: { Constraint: { contype, conname: name, indexname: name } }, behavior: 'DROP_RESTRICT' }]);
}

/** `ALTER TABLE <relation> ALTER COLUMN <column> SET DEFAULT <expression>`. */
export function setDefault(relation: AstNode, column: string, expression: AstNode): AstNode {
  return alterTable(relation, [setDefaultCmd(column, expression)]);
}

/** The `ALTER COLUMN <column> SET DEFAULT <expression>` subcommand. */
export function setDefaultCmd(column: string, expression: AstNode): AstNode {
  return { subtype: 'AT_ColumnDefault', name: column, def: copy(expression), behavior: 'DROP_RESTRICT' };
}

/** `CREATE VIEW <view> AS SELECT * FROM <table>`. */
export function selectAllView(view: AstNode, table: AstNode): AstNode {
  return {
    ViewStmt: {
      view: copy(view),
      query: { SelectStmt: { targetList: [{ ResTarget: { val: { ColumnRef: { fields: [{ A_Star: {} }] } } } }], fromClause: [{ RangeVar: copy(table) }], limitOption: 'LIMIT_OPTION_DEFAULT', op: 'SETOP_NONE' } },
      withCheckOption: 'NO_CHECK_OPTION',
    },
  };
}

/** The first column an expression refers to (PostgreSQL names an unnamed CHECK after it). */
export function firstColumnOf(expression: unknown): string | null {
  if (!expression || typeof expression !== 'object') return null;
  const ref = (expression as AstNode).ColumnRef;
  if (ref) {
    const last = ref.fields?.[ref.fields.length - 1];
    return last?.String?.sval ?? null;
  }
  for (const value of Object.values(expression as AstNode)) {
    const found = firstColumnOf(value);
    if (found) return found;
  }
  return null;
}

/** The statement as SQL, or null where the deparser cannot print it. */
export function printable(statement: AstNode): string | null {
  try {
    return sqlOf(statement);
  } catch {
    return null;
  }
}

/** An expression as SQL (printed inside a SELECT, which the deparser prints whole). */
export function expressionSql(expression: AstNode): string {
  return sqlOf({ SelectStmt: { targetList: [{ ResTarget: { val: copy(expression) } }], limitOption: 'LIMIT_OPTION_DEFAULT', op: 'SETOP_NONE' } }).replace(/^SELECT /, '');
}

/**
 * A DO block that fills `column` of every existing row from `value`, `batchSize` rows at a time in
 * the order of the primary key `key`, committing after each batch (so each batch holds its row locks
 * briefly, and a run stopped half way picks up where it left: rows already filled are passed over).
 * Its COMMITs need a DO that runs alone, outside any transaction block (observed on PostgreSQL 15:
 * "invalid transaction termination" in a transaction, or beside another statement in one query).
 * https://www.postgresql.org/docs/current/plpgsql-transactions.html
 */
export function batchedBackfill(relation: AstNode, column: string, key: string, value: AstNode, options: { batchSize: number; lockTimeout: string }): AstNode {
  const table = [relation.schemaname, relation.relname].filter(Boolean).map((n: string) => quoteIdentifier(n)).join('.');
  const [k, c] = [quoteIdentifier(key), quoteIdentifier(column)];
  const body = `
DECLARE
  batch_size constant integer := ${Math.max(1, Math.floor(options.batchSize))};
  last_key ${table}.${k}%TYPE;
  batch_last ${table}.${k}%TYPE;
BEGIN
  PERFORM set_config('lock_timeout', ${quoteLiteral(options.lockTimeout)}, false);
  LOOP
    WITH batch AS (
      SELECT ${k} FROM ${table} WHERE (last_key IS NULL OR ${k} > last_key) AND ${c} IS NULL ORDER BY ${k} LIMIT batch_size
    ), filled AS (
      UPDATE ${table} AS t SET ${c} = ${expressionSql(value)} FROM batch WHERE t.${k} = batch.${k} RETURNING t.${k}
    )
    SELECT ${k} INTO batch_last FROM filled ORDER BY ${k} DESC LIMIT 1;
    EXIT WHEN NOT FOUND;
    last_key := batch_last;
    COMMIT;
  END LOOP;
END
`;
  return { DoStmt: { args: [{ DefElem: { defname: 'as', arg: { String: { sval: body } }, defaction: 'DEFELEM_UNSPEC' } }] } };
}

/** A name as SQL, quoted as the deparser quotes it: where it is not lower case, or is a keyword (`"user"`). */
function quoteIdentifier(name: string): string {
  return QuoteUtils.quoteIdentifier(name);
}

export interface ExpandOptions {
  /** The table's one-column primary key, to backfill by (none: the backfill is left to the user). */
  key: string | null;
  notNull: boolean;
  pgVersion: number;
  batchSize: number;
  lockTimeout: string;
}

/** A trigger that keeps `to` written from the row (and, for a rename, `from` from `to`) while both exist. */
function syncTrigger(relation: AstNode, name: string, body: string, pgVersion: number): string[] {
  const table = [relation.schemaname, relation.relname].filter(Boolean).map((n: string) => quoteIdentifier(n)).join('.');
  const fn = [relation.schemaname, name].filter(Boolean).map((n: string) => quoteIdentifier(n)).join('.');
  return [
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n${body}  RETURN NEW;\nEND\n$$`,
    `CREATE TRIGGER ${quoteIdentifier(name)} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE ${pgVersion >= 11 ? 'FUNCTION' : 'PROCEDURE'} ${fn}()`,
  ];
}

function dropSyncTrigger(relation: AstNode, name: string): string[] {
  const table = [relation.schemaname, relation.relname].filter(Boolean).map((n: string) => quoteIdentifier(n)).join('.');
  const fn = [relation.schemaname, name].filter(Boolean).map((n: string) => quoteIdentifier(n)).join('.');
  return [`DROP TRIGGER ${quoteIdentifier(name)} ON ${table}`, `DROP FUNCTION ${fn}()`];
}

const columnRef = (name: string): AstNode => ({ ColumnRef: { fields: [{ String: { sval: name } }] } });

/** The NOT NULL steps for a column filled by a backfill: a CHECK NOT VALID now, VALIDATE and SET NOT NULL after. */
function notNullSteps(relation: AstNode, column: string): { now: string[]; after: string[] } {
  const check = `${relation.relname}_${column}_not_null_check`.slice(0, 63);
  return { now: [sqlOf(notNullCheck(relation, column, check))], after: [sqlOf(validateConstraint(relation, check)), sqlOf(setNotNull(relation, column))] };
}

/**
 * Renaming a column without breaking the running application (expand and contract): the new column
 * kept equal to the old by a trigger in both directions, a batched backfill, then, once the
 * application reads and writes only the new name, the old column dropped.
 */
export function renameColumnPlan(relation: AstNode, from: string, to: string, type: string, options: ExpandOptions): Rewrite {
  const table = [relation.schemaname, relation.relname].filter(Boolean).map((n: string) => quoteIdentifier(n)).join('.');
  const trigger = `${relation.relname}_${from}_${to}_sync`.slice(0, 63);
  const [f, t] = [quoteIdentifier(from), quoteIdentifier(to)];
  const body = `  IF TG_OP = 'INSERT' THEN\n    NEW.${t} := COALESCE(NEW.${t}, NEW.${f});\n    NEW.${f} := COALESCE(NEW.${f}, NEW.${t});\n  ELSIF NEW.${f} IS DISTINCT FROM OLD.${f} THEN\n    NEW.${t} := NEW.${f};\n  ELSIF NEW.${t} IS DISTINCT FROM OLD.${t} THEN\n    NEW.${f} := NEW.${t};\n  END IF;\n`;
  const notNull = options.notNull ? notNullSteps(relation, to) : { now: [], after: [] };
  return {
    proposal: `rename "${from}" to "${to}" on ${table} while the running application still uses "${from}"`,
    migrations: [
      { note: 'expand, deployed before the application changes', statements: [`ALTER TABLE ${table} ADD COLUMN ${t} ${type}`, ...syncTrigger(relation, trigger, body, options.pgVersion), ...notNull.now] },
      options.key
        ? { note: 'fill the rows written before the trigger', outsideTransaction: true, statements: [sqlOf(batchedBackfill(relation, to, options.key, columnRef(from), options))] }
        : { note: `fill the rows written before the trigger (${table} has no one-column primary key to batch by: write UPDATEs in batches by hand)`, statements: [] },
      ...(notNull.after.length ? [{ note: 'after the backfill', statements: notNull.after }] : []),
      { note: `contract, once the application reads and writes only "${to}"`, statements: [...dropSyncTrigger(relation, trigger), `ALTER TABLE ${table} DROP COLUMN ${f}`] },
    ].filter((m) => m.statements.length || m.note),
  };
}

/**
 * Changing a column's type without rewriting the table under its lock: a new column of the new type
 * kept written by a trigger, a batched backfill, then the two swapped by name in one brief step, and
 * the old one dropped.
 */
export function changeTypePlan(relation: AstNode, column: string, type: string, value: AstNode, options: ExpandOptions): Rewrite {
  const table = [relation.schemaname, relation.relname].filter(Boolean).map((n: string) => quoteIdentifier(n)).join('.');
  const next = `${column}_new`.slice(0, 63);
  const old = `${column}_old`.slice(0, 63);
  const trigger = `${relation.relname}_${column}_to_${next}`.slice(0, 63);
  const [c, n] = [quoteIdentifier(column), quoteIdentifier(next)];
  // The value as the trigger computes it, from NEW.
  const fromNew = expressionSql(onNewRow(value, column));
  const notNull = options.notNull ? notNullSteps(relation, next) : { now: [], after: [] };
  return {
    proposal: `change the type of "${column}" on ${table} to ${type} without rewriting the table under an ACCESS EXCLUSIVE lock`,
    migrations: [
      { note: 'expand', statements: [`ALTER TABLE ${table} ADD COLUMN ${n} ${type}`, ...syncTrigger(relation, trigger, `  NEW.${n} := ${fromNew};\n`, options.pgVersion), ...notNull.now] },
      options.key
        ? { note: 'fill the rows written before the trigger', outsideTransaction: true, statements: [sqlOf(batchedBackfill(relation, next, options.key, value, options))] }
        : { note: `fill the rows written before the trigger (${table} has no one-column primary key to batch by: write UPDATEs in batches by hand)`, statements: [] },
      ...(notNull.after.length ? [{ note: 'after the backfill', statements: notNull.after }] : []),
      {
        note: `swap, after the backfill, once indexes and constraints on "${column}" exist on "${next}" too (a brief ACCESS EXCLUSIVE lock; prepared statements of the application may need a reconnect)`,
        statements: [...dropSyncTrigger(relation, trigger), `ALTER TABLE ${table} RENAME COLUMN ${c} TO ${quoteIdentifier(old)}`, `ALTER TABLE ${table} RENAME COLUMN ${n} TO ${c}`],
      },
      { note: 'contract, once the swap is deployed', statements: [`ALTER TABLE ${table} DROP COLUMN ${quoteIdentifier(old)}`] },
    ].filter((m) => m.statements.length || m.note),
  };
}

/** The expression with the column read from the row a trigger is writing (`new.<column>`). */
function onNewRow(expression: AstNode, column: string): AstNode {
  const out = copy(expression);
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const ref = (node as AstNode).ColumnRef;
    if (ref?.fields?.length === 1 && ref.fields[0]?.String?.sval === column) {
      ref.fields = [{ String: { sval: 'new' } }, { String: { sval: column } }];
      return;
    }
    for (const value of Object.values(node as AstNode)) visit(value);
  };
  visit(out);
  return out;
}

/** A type name as SQL (`varchar(20)`, `bigint`, `my_schema.my_type[]`). */
export function typeSql(typeName: AstNode): string {
  return expressionSql({ TypeCast: { arg: { A_Const: { isnull: true } }, typeName: copy(typeName) } }).replace(/^CAST\(NULL AS (.*)\)$/s, '$1');
}
