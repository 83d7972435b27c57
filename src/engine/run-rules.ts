// Runs the rules over the migrations of one directory, in order, keeping the context each
// statement is judged in: the replayed catalog, the objects this migration created, the
// transaction the statement runs in, and whether lock_timeout is set.
import { Catalog } from './catalog.js';
import { constantString, funcName, qualifiedName, relationName, walk } from './ast.js';
import { blocksReadsOrWrites, tableLocks } from './postgres-facts.js';
import { assignTransactions } from './transactions.js';
import { wrappedReason } from './runner-hints.js';
import { showRewrite, UNPRINTABLE_REWRITE } from './rewrite.js';
import { fillTemplate, type MigrationContext, type RuleContext, type RuleListener, type RuleModule, type StatementContext, type StatementVisitor } from './rule.js';
import type { AstNode, Finding, Migration, MigrationHalf, Severity, Statement } from './types.js';

export interface EngineOptions {
  pgVersion: number;
  /** Effective severity per rule id; rules absent or 'off' do not run. */
  severities: Map<string, Severity | 'off'>;
  ruleOptions: Record<string, Record<string, unknown>>;
  /** The runner sets lock_timeout itself, so require-lock-timeout has nothing to ask. */
  lockTimeoutSetByRunner: boolean;
  /** Only migrations with one of these files are reported; the others are replayed for context. */
  isTarget: (migration: Migration) => boolean;
  /**
   * The targets are a change not deployed yet (--changed-since, --staged): what one of them
   * creates is new, not existing, for the targets after it.
   */
  targetsUndeployed?: boolean;
}

interface ActiveRule {
  module: RuleModule;
  severity: Severity;
  context: RuleContext;
  listener: RuleListener;
}

export interface EngineResult {
  findings: Finding[];
  /** Internal errors (a rule that threw): reported, and the run exits 2. */
  errors: string[];
}

export function runRules(migrations: Migration[], rules: RuleModule[], options: EngineOptions): EngineResult {
  const findings: Finding[] = [];
  const errors: string[] = [];
  let current: { migration: Migration; section: 'up' | 'down'; statement?: Statement; newObjects?: Set<string> } | null = null;
  const active: ActiveRule[] = [];
  for (const module of rules) {
    const severity = options.severities.get(module.id) ?? module.severity;
    if (severity === 'off') continue;
    const context: RuleContext = {
      ruleId: module.id,
      options: options.ruleOptions[module.id] ?? {},
      report(descriptor) {
        if (!current) return;
        // A directory-wide check reports about its migrations: only those being linted count.
        if (descriptor.migration && !options.isTarget(descriptor.migration)) return;
        const template = module.messages[descriptor.messageId];
        if (!template) throw new Error(`rule ${module.id} reported unknown messageId ${descriptor.messageId}`);
        const statement = descriptor.statement ?? current.statement;
        const at = descriptor.at;
        let file = at?.file ?? statement?.file;
        if (!file) file = current.migration.up.anchor.file;
        let start = at ? at.offset : statement ? statement.span.start : current.migration.up.anchor.offset;
        if (descriptor.node && statement && typeof descriptor.node.location === 'number' && descriptor.node.location >= 0) {
          start = statement.locate(descriptor.node.location);
        }
        if (descriptor.offset !== undefined) start = descriptor.offset;
        const end = statement && !at ? Math.max(statement.span.end, start) : lineEnd(file.text, start);
        const rewrite = descriptor.rewrite && { ...descriptor.rewrite, migrations: descriptor.rewrite.migrations.map((m) => ({ ...m, statements: m.statements.map((sql) => restorePlaceholders(sql, statement)) })) };
        const data = { ...descriptor.data, rewrite: rewrite ? showRewrite(rewrite) : UNPRINTABLE_REWRITE };
        const effectOn = template.effect && descriptor.data?.[template.effect.relation ?? 'table'];
        // A table this migration created and filled: its lock blocks no one else (it is not there for
        // them before COMMIT), but the work grows with the rows copied in. Said, and a warning at most.
        const onNewTable = effectOn !== undefined && current.newObjects?.has(String(effectOn));
        const newTableNote = onNewTable ? ` "${effectOn}" was created in this migration: no one else waits for its lock, but the work grows with every row copied into it.` : '';
        findings.push({
          ruleId: module.id,
          severity: onNewTable && severity === 'error' ? 'warning' : severity,
          message: restorePlaceholders(fillTemplate(template.message, data) + newTableNote, statement),
          help: template.help ? restorePlaceholders(fillTemplate(template.help, data), statement) : undefined,
          ...(rewrite ? { rewrite } : {}),
          file,
          span: { start, end },
          migration: (descriptor.migration ?? current.migration).id,
          layout: (descriptor.migration ?? current.migration).layout,
          section: descriptor.section ?? current.section,
          statementText: statement?.text,
          ...(template.effect && effectOn !== undefined ? { effect: { kind: template.effect.kind, relation: String(effectOn) } } : {}),
          statementSpan: statement && !at ? statement.span : { start, end },
        });
      },
    };
    active.push({ module, severity, context, listener: module.create(context) });
  }

  const call = (rule: ActiveRule, fn: () => void, where: string) => {
    try {
      fn();
    } catch (error) {
      errors.push(`rule ${rule.module.id} failed on ${where}: ${(error as Error).stack ?? error}`);
    }
  };

  const catalog = new Catalog();
  const undeployed = new Set<string>();
  for (const migration of migrations) {
    const report = options.isTarget(migration);
    // up changes the catalog for the migrations after it; down is judged against the state after
    // up, on a copy, because the next migration follows up, not down.
    const createdByUp = runHalf(migration, migration.up, catalog, report, undeployed);
    if (report && options.targetsUndeployed) for (const name of createdByUp) undeployed.add(name);
    // Objects up created are this migration's own in down too: dropping them is the rollback.
    if (migration.down && report) runHalf(migration, migration.down, catalog.layer(), true, createdByUp);
    if (report) {
      current = { migration, section: 'up' };
      const context: MigrationContext = { migration, pgVersion: options.pgVersion };
      for (const rule of active) {
        if (rule.module.checkMigration) call(rule, () => rule.module.checkMigration!(context, rule.context), migration.id);
      }
      current = null;
    }
  }
  if (migrations.some(options.isTarget)) {
    for (const rule of active) {
      if (!rule.module.checkDirectory) continue;
      current = { migration: migrations[0]!, section: 'up' };
      call(rule, () => rule.module.checkDirectory!(migrations, rule.context), migrations[0]!.directory);
      current = null;
    }
  }
  return { findings, errors };

  function runHalf(migration: Migration, half: MigrationHalf, catalog: Catalog, report: boolean, createdBefore: Set<string>): Set<string> {
    const newObjects = new Set(createdBefore);
    const topLevel = half.statements.filter((s) => s.origin === 'top').length;
    const transactionIds = assignTransactions(half, topLevel);
    let lockTimeoutSet = options.lockTimeoutSetByRunner;
    let lockTimeoutLocal = false;
    let timeZone: { value: string | null; local: boolean } = { value: null, local: false };
    let heldLocks = new Map<string, { mode: string; statement: Statement }>();
    let previousTransaction: number | null = null;
    half.statements.forEach((statement, index) => {
      const transactionId = transactionIds[index] ?? null;
      if (transactionId !== previousTransaction) {
        heldLocks = new Map();
        if (lockTimeoutLocal) {
          lockTimeoutSet = options.lockTimeoutSetByRunner;
          lockTimeoutLocal = false;
        }
        if (timeZone.local) timeZone = { value: null, local: false };
      }
      previousTransaction = transactionId;
      const ast = statement.ast;
      if (report) {
        const context: StatementContext = {
          migration,
          statement,
          section: half.section,
          half,
          index,
          catalog,
          pgVersion: options.pgVersion,
          inTransaction: transactionId !== null,
          transactionReason: transactionReasonOf(migration, half, statement, transactionId),
          transactionId,
          transactionIds,
          lockTimeoutSet,
          timeZone: timeZone.value,
          isNew: (name) => newObjects.has(name),
          isNewAndEmpty: (name) => newObjects.has(name) && !newObjects.has(`rows ${name}`),
          heldLocks,
        };
        current = { migration, section: half.section, statement, newObjects };
        const kind = ast ? statement.kind : statement.unreadable !== undefined ? 'Unreadable' : statement.unanalyzable !== undefined ? 'Unanalyzable' : 'ParseError';
        for (const rule of active) {
          if (half.section === 'down' && rule.module.checksDown === false) continue;
          const visitor = rule.listener[kind] as StatementVisitor | undefined;
          if (visitor) call(rule, () => visitor(ast ? ast[kind] : {}, context), `${statement.file.relPath}`);
          const any = rule.listener['*'] as StatementVisitor | undefined;
          if (any && ast) call(rule, () => any(ast, context), `${statement.file.relPath}`);
        }
        current = null;
      }
      if (!ast || statement.origin === 'function-body') return;
      const zone = ast.VariableSetStmt?.name === 'timezone' || ast.VariableSetStmt?.kind === 'VAR_RESET_ALL' ? ast.VariableSetStmt : null;
      if (zone) timeZone = { value: zone.kind === 'VAR_SET_VALUE' ? constantString(zone.args?.[0]) : null, local: !!zone.is_local };
      const setting = lockTimeoutChange(ast);
      if (setting) {
        lockTimeoutSet = setting.set || options.lockTimeoutSetByRunner;
        lockTimeoutLocal = setting.local;
      }
      if (transactionId !== null) {
        for (const lock of tableLocks(ast, catalog)) {
          if (blocksReadsOrWrites(lock.mode) && !heldLocks.has(lock.table)) heldLocks.set(lock.table, { mode: lock.mode, statement });
        }
      }
      recordNewObjects(ast, newObjects);
      catalog.apply(ast);
    });
    return newObjects;
  }
}

function transactionReasonOf(migration: Migration, half: MigrationHalf, statement: Statement, transactionId: number | null): string {
  if (transactionId === null) return '';
  if (statement.origin === 'do-block') return 'a DO block runs as one statement, inside a transaction';
  if (statement.origin === 'function-body') return 'a function body always runs inside a transaction';
  // Where the runner opens no transaction, only an explicit BEGIN can have opened this one.
  if (half.transaction === 'none') return 'it follows an explicit BEGIN';
  if (half.transaction === 'wrapped') return wrappedReason(migration, half);
  return 'the file is sent as one multi-statement query, which PostgreSQL runs as one implicit transaction';
}

/** SET [LOCAL] lock_timeout, RESET lock_timeout, or set_config('lock_timeout', ...). */
function lockTimeoutChange(ast: AstNode): { set: boolean; local: boolean } | null {
  const set = ast.VariableSetStmt;
  if (set) {
    if (set.name !== 'lock_timeout' && !(set.kind === 'VAR_RESET_ALL')) return null;
    if (set.kind === 'VAR_RESET' || set.kind === 'VAR_RESET_ALL' || set.kind === 'VAR_SET_DEFAULT') return { set: false, local: false };
    const value = constantString(set.args?.[0]);
    return { set: value !== null && !/^0(ms|s)?$/i.test(value.trim()), local: !!set.is_local };
  }
  if (!ast.SelectStmt) return null;
  let result: { set: boolean; local: boolean } | null = null;
  walk(ast, (type, value) => {
    if (type !== 'FuncCall' || funcName({ FuncCall: value }) !== 'set_config') return;
    const [name, val, isLocal] = value.args ?? [];
    if (constantString(name) !== 'lock_timeout') return;
    const text = constantString(val) ?? '';
    result = { set: !/^0(ms|s)?$/i.test(text.trim()), local: constantString(isLocal) === 'true' };
  });
  return result;
}

function recordNewObjects(ast: AstNode, newObjects: Set<string>): void {
  const node = ast.CreateStmt ?? ast.CreateTableAsStmt?.into ?? null;
  const filled = filledTable(ast);
  // A new table filled from a query or a file holds rows of unknown number: scanning or rewriting
  // it is no longer free (`rows <table>` marks it). A VALUES list's rows are in the file.
  if (filled && (newObjects.has(filled) || ast.CreateTableAsStmt)) newObjects.add(`rows ${filled}`);
  if (ast.CreateStmt) newObjects.add(relationName(ast.CreateStmt.relation));
  else if (node?.rel) newObjects.add(relationName(node.rel));
  else if (ast.IndexStmt?.idxname) newObjects.add(`index ${ast.IndexStmt.idxname}`);
  else if (ast.CreateEnumStmt) newObjects.add(`type ${qualifiedName(ast.CreateEnumStmt.typeName)}`);
  else if (ast.CreateDomainStmt) newObjects.add(`type ${qualifiedName(ast.CreateDomainStmt.domainname)}`);
  else if (ast.CreateSchemaStmt?.schemaname) newObjects.add(`schema ${ast.CreateSchemaStmt.schemaname}`);
  else if (ast.RenameStmt?.renameType === 'OBJECT_TABLE' && newObjects.has(relationName(ast.RenameStmt.relation))) {
    newObjects.add(ast.RenameStmt.newname);
  }
}

/** The table an INSERT ... SELECT, a COPY FROM or a CREATE TABLE AS (WITH DATA) fills with rows from elsewhere. */
function filledTable(ast: AstNode): string | null {
  if (ast.InsertStmt?.relation && ast.InsertStmt.selectStmt?.SelectStmt && !ast.InsertStmt.selectStmt.SelectStmt.valuesLists) return relationName(ast.InsertStmt.relation);
  if (ast.CopyStmt?.is_from && ast.CopyStmt.relation) return relationName(ast.CopyStmt.relation);
  if (ast.CreateTableAsStmt?.into?.rel && !ast.CreateTableAsStmt.into.skipData) return relationName(ast.CreateTableAsStmt.into.rel);
  return null;
}

/** Messages name objects as the migration spells them, template placeholders included. */
function restorePlaceholders(text: string, statement: Statement | undefined): string {
  if (!statement?.placeholders) return text;
  let out = text;
  for (const [identifier, original] of statement.placeholders) out = out.split(identifier).join(original);
  return out;
}

function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline;
}
