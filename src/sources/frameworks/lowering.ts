// What every framework's lowering shares: reading values migsafe needs statically, reporting what it
// cannot read at the call, and the shapes of builder chains and defaults.
import type ts from 'typescript';
import { tsv } from '../typescript-lazy.js';
import type { LowerContext } from './framework.js';
import { quoteIdent, quoteLiteral } from '../lowered.js';
import { str, type JsValue } from '../script-values.js';

export const ident = quoteIdent;
export const literal = quoteLiteral;

export class Unlowerable extends Error {}

export function need(value: JsValue | undefined, what: string): string {
  const text = str(value);
  if (text === null) throw new Unlowerable(`the ${what} is not known statically`);
  return text;
}

/** Runs a lowering step, turning what cannot be known into an unanalysable finding at the call. */
export function attempt(ctx: LowerContext, node: ts.Node, step: () => void): true {
  try {
    step();
  } catch (error) {
    if (error instanceof Unlowerable) ctx.fail(node, error.message);
    else throw error;
  }
  return true;
}

export function isSqlTemplate(node: ts.Node): boolean {
  return tsv.isTaggedTemplateExpression(node) || (!!node.parent && tsv.isTaggedTemplateExpression(node.parent));
}

/** A default value given as JS: a string is a literal, `knex.fn.now()`/`sql\`now()\``/`knex.raw('x')` raw SQL. */
export function defaultSql(value: JsValue | undefined, ctx: LowerContext): string {
  if (!value) throw new Unlowerable('a default migsafe cannot read');
  // `sql\`now()\`` (Kysely, slonik) is raw SQL; a plain string is a literal.
  if (value.kind === 'str') return isSqlTemplate(value.node) ? value.value : literal(value.value);
  if (value.kind === 'num') return String(value.value);
  if (value.kind === 'bool') return String(value.value);
  if (value.kind === 'null') return 'NULL';
  if (value.kind === 'ref' && /fn\.now$/.test(value.dotted)) return 'now()';
  const node = value.node;
  if (tsv.isCallExpression(node)) {
    const callee = ctx.ev.dotted(node.expression) ?? '';
    if (/fn\.now$/.test(callee)) return 'now()';
    // knex.fn.uuid() is gen_random_uuid() on PostgreSQL; Sequelize.fn('name', ...) a function call.
    if (/fn\.uuid$/.test(callee)) return 'gen_random_uuid()';
    if (/(^|\.)fn$/.test(callee) && node.arguments[0]) {
      const name = ctx.ev.evaluate(node.arguments[0], ctx.scope);
      if (name.kind === 'str') return `${name.value}()`;
    }
    if (/(^|\.)(raw|literal)$/.test(callee) && node.arguments[0]) {
      const inner = ctx.ev.evaluate(node.arguments[0], ctx.scope);
      if (inner.kind === 'str') return inner.value;
    }
    if (/(^|\.)sql\.(raw|lit)$/.test(callee) && node.arguments[0]) return defaultSql(ctx.ev.evaluate(node.arguments[0], ctx.scope), ctx);
  }
  if (value.kind === 'object' || value.kind === 'array') return literal('{}');
  throw new Unlowerable('a default migsafe cannot read');
}

/** The chain of calls `a.b(x).c(y).d()` from the root, as [method, args] pairs. */
export function callChain(node: ts.Expression): { root: ts.Expression; calls: { name: string; args: readonly ts.Expression[]; node: ts.CallExpression }[] } {
  const calls: { name: string; args: readonly ts.Expression[]; node: ts.CallExpression }[] = [];
  let current: ts.Expression = node;
  while (tsv.isCallExpression(current) && tsv.isPropertyAccessExpression(current.expression)) {
    calls.unshift({ name: current.expression.name.text, args: current.arguments, node: current });
    current = current.expression.expression;
  }
  return { root: current, calls };
}

/** One call of a chain `a.b(x).c(y)`. */
export type ChainCall = ReturnType<typeof callChain>['calls'][number];
