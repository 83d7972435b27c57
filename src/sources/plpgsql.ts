// Statements inside DO blocks and PL/pgSQL function bodies, found with PostgreSQL's own PL/pgSQL
// parser and mapped back to where they stand in the file. A DO block runs its statements during the
// migration; a function body only when called, so those are marked `function-body`.
import { parsePlPgSQLSync, parseSync } from 'libpg-query';
import type { AstNode, Statement, StatementOrigin } from '../engine/types.js';
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
  collectExecSql(tree, (query, lineno) => {
    let queryIndex = -1;
    if (bodyIndex >= 0) {
      const lineStart = bodyLineStarts[Math.max(0, lineno - 1)] ?? 0;
      queryIndex = body.indexOf(query, lineStart);
      if (queryIndex < 0) queryIndex = body.indexOf(query);
    }
    const base = bodyIndex >= 0 && queryIndex >= 0 ? bodyIndex + queryIndex : -1;
    const toFileOffset = (i: number) =>
      base < 0 ? outer.span.start : Math.min(outer.span.start + base + i, outer.span.end);
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
        span: { start: toFileOffset(start), end: toFileOffset(end) },
        text: sql.slice(start, end).trim(),
        ast,
        kind: Object.keys(ast)[0] ?? '',
        origin,
        locate: (byteLocation) => toFileOffset(Math.max(0, byteLocation)),
      });
    }
  });
  return found;
}

function collectExecSql(node: unknown, visit: (query: string, lineno: number) => void): void {
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
  for (const value of Object.values(record)) collectExecSql(value, visit);
}
