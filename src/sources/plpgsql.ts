// Statements inside DO blocks and PL/pgSQL function bodies, found with PostgreSQL's own PL/pgSQL
// parser and mapped back to where they stand in the file. A DO block runs its statements during the
// migration; a function body only when called, so those are marked `function-body`.
import { parsePlPgSQLSync, parseSync } from 'libpg-query';
import type { AstNode, Statement, StatementOrigin } from '../engine/types.js';
import { quoteLiteral, quoteName } from './lowered.js';
import { dollarQuote, fillPlaceholders, type ParseOptions } from './sql-statements.js';

export function expandProceduralBodies(statement: Statement, options: ParseOptions): Statement[] {
  const ast = statement.ast;
  if (!ast) return [];
  if (ast.DoStmt) {
    const args: AstNode[] = ast.DoStmt.args ?? [];
    const body = defElemString(args, 'as');
    const language = defElemString(args, 'language') ?? 'plpgsql';
    if (body === undefined || language.toLowerCase() !== 'plpgsql') return [];
    const tag = dollarQuote(body);
    return embeddedStatements(statement, body, `CREATE FUNCTION migsafe_do() RETURNS void LANGUAGE plpgsql AS ${tag}${body}${tag}`, 'do-block', options);
  }
  if (ast.CreateFunctionStmt) {
    const fn = ast.CreateFunctionStmt;
    const language = defElemString(fn.options ?? [], 'language');
    const body = defElemString(fn.options ?? [], 'as');
    if (body === undefined || language?.toLowerCase() !== 'plpgsql') return [];
    return embeddedStatements(statement, body, statement.text, 'function-body', options);
  }
  return [];
}

function defElemString(elems: AstNode[], name: string): string | undefined {
  for (const elem of elems) {
    const def = elem.DefElem;
    if (def?.defname !== name) continue;
    const arg = def.arg;
    if (arg?.String) return arg.String.sval ?? '';
    if (arg?.List) return arg.List.items?.[0]?.String?.sval;
  }
  return undefined;
}

function embeddedStatements(
  outer: Statement,
  body: string,
  functionSql: string,
  origin: StatementOrigin,
  options: ParseOptions,
): Statement[] {
  let tree: AstNode;
  try {
    tree = parsePlPgSQLSync(functionSql) as AstNode;
  } catch {
    // PostgreSQL checks function bodies only when check_function_bodies is on; not our finding.
    return [];
  }
  // Where the body starts inside the statement text; a body written as a quoted string with
  // doubled quotes is not found verbatim, and its statements are then reported at the statement.
  const bodyIndex = outer.text.indexOf(body);
  const bodyLineStarts = [0];
  for (let i = 0; i < body.length; i++) if (body.charCodeAt(i) === 10) bodyLineStarts.push(i + 1);

  const found: Statement[] = [];
  collectExecSql(tree, (query, lineno, dynamic) => {
    if (dynamic) {
      // EXECUTE runs the SQL a string expression gives. A string known from the text (a literal,
      // literals joined with ||, format() or quote_ident() of literals) is the statement itself;
      // one built from variables is invisible here, and said so in a DO block, which runs now.
      const known = staticString(query);
      const at = Math.min(locateIn(query, lineno) ?? outer.span.start, outer.span.end);
      if (known === null) {
        if (origin !== 'do-block') return;
        found.push({
          file: outer.file,
          span: { start: at, end: Math.min(at + query.length, outer.span.end) },
          text: `EXECUTE ${query}`,
          ast: null,
          kind: '',
          origin,
          locate: () => at,
          unanalyzable: 'EXECUTE of SQL built at run time in a DO block',
        });
        return;
      }
      // Offsets inside the string are not the file's (quotes are doubled, format() fills it in): its statements stand at the EXECUTE's expression.
      pushStatements(known, () => at, { start: at, end: Math.min(at + query.length, outer.span.end) });
      return;
    }
    const base = locateIn(query, lineno);
    const toFileOffset = (i: number) => (base === null ? outer.span.start : Math.min(base + i, outer.span.end));
    pushStatements(query, toFileOffset);
  });
  return found;

  /** Where a query of the body starts in the file; null when the body is not there verbatim. */
  function locateIn(query: string, lineno: number): number | null {
    if (bodyIndex < 0) return null;
    const lineStart = bodyLineStarts[Math.max(0, lineno - 1)] ?? 0;
    let queryIndex = body.indexOf(query, lineStart);
    if (queryIndex < 0) queryIndex = body.indexOf(query);
    return queryIndex < 0 ? null : outer.span.start + bodyIndex + queryIndex;
  }

  function pushStatements(query: string, toFileOffset: (i: number) => number, fixedSpan?: { start: number; end: number }): void {
    const sql = fillPlaceholders(query, options.placeholders ?? []);
    let stmts: AstNode[];
    try {
      stmts = parseSync(sql).stmts ?? [];
    } catch {
      return;
    }
    for (const raw of stmts) {
      const ast = raw.stmt as AstNode;
      const start = raw.stmt_location ?? 0;
      const end = raw.stmt_len ? start + raw.stmt_len : sql.length;
      // PL/pgSQL queries are ASCII in practice; offsets are treated as characters.
      found.push({
        file: outer.file,
        span: fixedSpan ?? { start: toFileOffset(start), end: toFileOffset(end) },
        text: sql.slice(start, end).trim(),
        ast,
        kind: Object.keys(ast)[0] ?? '',
        origin,
        locate: (byteLocation) => toFileOffset(Math.max(0, byteLocation)),
        // The body was filled like the statement around it: messages name objects as written.
        ...(outer.placeholders ? { placeholders: outer.placeholders } : {}),
      });
    }
  }
}

/**
 * The value of a PL/pgSQL string expression when the text alone gives it: a literal, literals
 * joined with ||, and format(), quote_ident(), quote_literal() of such; null otherwise.
 * https://www.postgresql.org/docs/current/plpgsql-statements.html#PLPGSQL-STATEMENTS-EXECUTING-DYN
 */
export function staticString(expression: string): string | null {
  let value: AstNode | undefined;
  try {
    value = (parseSync(`SELECT ${expression}`).stmts?.[0]?.stmt as AstNode | undefined)?.SelectStmt?.targetList?.[0]?.ResTarget?.val;
  } catch {
    return null;
  }
  return evaluate(value);
}

function evaluate(node: AstNode | undefined): string | null {
  if (!node) return null;
  if (node.A_Const) return typeof node.A_Const.sval?.sval === 'string' ? node.A_Const.sval.sval : node.A_Const.ival ? String(node.A_Const.ival.ival ?? 0) : null;
  if (node.TypeCast) return evaluate(node.TypeCast.arg);
  if (node.A_Expr?.kind === 'AEXPR_OP' && node.A_Expr.name?.[0]?.String?.sval === '||') {
    const left = evaluate(node.A_Expr.lexpr);
    const right = evaluate(node.A_Expr.rexpr);
    return left === null || right === null ? null : left + right;
  }
  if (node.FuncCall) {
    const name = (node.FuncCall.funcname ?? []).map((n: AstNode) => n.String?.sval).pop();
    const args = (node.FuncCall.args ?? []).map(evaluate);
    if (args.some((a: string | null) => a === null)) return null;
    if (name === 'quote_ident' && args.length === 1) return quoteIdent(args[0]);
    if (name === 'quote_literal' && args.length === 1) return quoteLiteral(args[0]);
    if (name === 'format' && args.length >= 1) return format(args[0], args.slice(1));
  }
  return null;
}

/** quote_ident(): quoted only where it has to be. */
function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteName(name);
}

/** format()'s %s, %I, %L and %% (positional %n$ too); null for what it does not know. */
function format(template: string, args: string[]): string | null {
  let next = 0;
  let failed = false;
  const out = template.replace(/%(?:(\d+)\$)?([sIL%])/g, (_, position: string | undefined, kind: string) => {
    if (kind === '%') return '%';
    const index = position ? Number(position) - 1 : next++;
    const arg = args[index];
    if (arg === undefined) {
      failed = true;
      return '';
    }
    return kind === 'I' ? quoteIdent(arg) : kind === 'L' ? quoteLiteral(arg) : arg;
  });
  return failed ? null : out;
}

function collectExecSql(node: unknown, visit: (query: string, lineno: number, dynamic?: boolean) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) collectExecSql(item, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const record = node as AstNode;
  const exec = record.PLpgSQL_stmt_execsql;
  if (exec) {
    const query = exec.sqlstmt?.PLpgSQL_expr?.query;
    if (typeof query === 'string') visit(query, exec.lineno ?? 1);
    return;
  }
  const dynamic = record.PLpgSQL_stmt_dynexecute;
  if (dynamic) {
    const query = dynamic.query?.PLpgSQL_expr?.query;
    if (typeof query === 'string') visit(query, dynamic.lineno ?? 1, true);
    return;
  }
  for (const value of Object.values(record)) collectExecSql(value, visit);
}
