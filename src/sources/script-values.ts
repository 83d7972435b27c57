// Static evaluation of the JavaScript/TypeScript expressions migrations pass to query builders and
// raw-SQL calls: literals, templates, concatenation, objects, arrays, and local constants. Nothing is
// executed; what cannot be known is an `unknown` value with the reason.
import type ts from 'typescript';
import { tsv } from './typescript-lazy.js';

export type JsValue =
  | { kind: 'str'; value: string; /** File offset of each character (and one past the end). */ map: number[]; node: ts.Node; holes: Map<string, string> }
  | { kind: 'num'; value: number; node: ts.Node }
  | { kind: 'bool'; value: boolean; node: ts.Node }
  | { kind: 'null'; node: ts.Node }
  | { kind: 'array'; items: JsValue[]; node: ts.Node }
  | { kind: 'object'; props: Map<string, JsValue>; node: ts.Node }
  | { kind: 'fn'; node: ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration | ts.FunctionDeclaration }
  | { kind: 'ref'; dotted: string; node: ts.Node }
  | { kind: 'unknown'; reason: string; node: ts.Node };

export type JsScope = Map<string, JsValue>;

export class ScriptEvaluator {
  constructor(readonly file: ts.SourceFile) {}

  text(node: ts.Node): string {
    return node.getText(this.file);
  }

  /** `a.b.c` for identifiers and property chains (`this.x` included). */
  dotted(node: ts.Node): string | null {
    if (tsv.isIdentifier(node)) return node.text;
    if (node.kind === tsv.SyntaxKind.ThisKeyword) return 'this';
    if (tsv.isPropertyAccessExpression(node)) {
      const base = this.dotted(node.expression);
      return base === null ? null : `${base}.${node.name.text}`;
    }
    if (tsv.isNonNullExpression(node) || tsv.isParenthesizedExpression(node) || tsv.isAsExpression(node)) return this.dotted(node.expression);
    return null;
  }

  evaluate(node: ts.Node | undefined, scope: JsScope): JsValue {
    if (!node) return { kind: 'unknown', reason: 'a missing argument', node: this.file };
    if (tsv.isParenthesizedExpression(node) || tsv.isAsExpression(node) || tsv.isNonNullExpression(node) || tsv.isSatisfiesExpression(node) || tsv.isTypeAssertionExpression(node)) {
      return this.evaluate(node.expression, scope);
    }
    if (tsv.isAwaitExpression(node)) return this.evaluate(node.expression, scope);
    if (tsv.isStringLiteral(node) || tsv.isNoSubstitutionTemplateLiteral(node)) return this.literal(node);
    if (tsv.isTemplateExpression(node)) return this.template(node, scope, false);
    if (tsv.isTaggedTemplateExpression(node) && /(^|\.)(sql|\$executeRaw|\$queryRaw)$/.test(this.dotted(node.tag) ?? '')) {
      // A tagged template's substitutions are bound parameters (values), not text.
      return tsv.isNoSubstitutionTemplateLiteral(node.template) ? this.literal(node.template) : this.template(node.template, scope, true);
    }
    if (tsv.isNumericLiteral(node)) return { kind: 'num', value: Number(node.text), node };
    if (tsv.isPrefixUnaryExpression(node) && node.operator === tsv.SyntaxKind.MinusToken && tsv.isNumericLiteral(node.operand)) return { kind: 'num', value: -Number(node.operand.text), node };
    if (node.kind === tsv.SyntaxKind.TrueKeyword) return { kind: 'bool', value: true, node };
    if (node.kind === tsv.SyntaxKind.FalseKeyword) return { kind: 'bool', value: false, node };
    if (node.kind === tsv.SyntaxKind.NullKeyword) return { kind: 'null', node };
    if (tsv.isIdentifier(node) && node.text === 'undefined') return { kind: 'null', node };
    if (tsv.isBinaryExpression(node) && node.operatorToken.kind === tsv.SyntaxKind.PlusToken) {
      const left = this.evaluate(node.left, scope);
      const right = this.evaluate(node.right, scope);
      if (left.kind === 'str' && right.kind === 'str') return joinStrings([left, right], node);
      return left.kind === 'unknown' ? left : right.kind === 'unknown' ? right : { kind: 'unknown', reason: 'a string built from non-strings', node };
    }
    if (tsv.isArrayLiteralExpression(node)) return { kind: 'array', items: node.elements.map((e) => this.evaluate(e, scope)), node };
    if (tsv.isObjectLiteralExpression(node)) {
      const props = new Map<string, JsValue>();
      for (const prop of node.properties) {
        const name = prop.name && (tsv.isIdentifier(prop.name) || tsv.isStringLiteral(prop.name) || tsv.isNumericLiteral(prop.name)) ? prop.name.text : null;
        if (!name) continue;
        if (tsv.isPropertyAssignment(prop)) props.set(name, this.evaluate(prop.initializer, scope));
        else if (tsv.isShorthandPropertyAssignment(prop)) props.set(name, this.evaluate(prop.name, scope));
        else if (tsv.isMethodDeclaration(prop)) props.set(name, { kind: 'fn', node: prop });
      }
      return { kind: 'object', props, node };
    }
    if (tsv.isArrowFunction(node) || tsv.isFunctionExpression(node)) return { kind: 'fn', node };
    if (tsv.isIdentifier(node)) return scope.get(node.text) ?? { kind: 'ref', dotted: node.text, node };
    const dotted = this.dotted(node);
    if (dotted) return scope.get(dotted) ?? { kind: 'ref', dotted, node };
    return { kind: 'unknown', reason: `a ${tsv.SyntaxKind[node.kind]} expression`, node };
  }

  /** A string or no-substitution template literal, decoded, with where each character stands. */
  literal(node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral): JsValue {
    const raw = this.text(node);
    const start = node.getStart(this.file);
    const decoded = decode(raw.slice(1, -1), start + 1);
    return { kind: 'str', value: decoded.value, map: [...decoded.map, start + raw.length - 1], node, holes: new Map() };
  }

  /**
   * A template with substitutions: a substitution known statically (a local constant, kysely's
   * `sql.raw('...')`, `sql.ref`/`sql.table`/slonik's `sql.identifier([...])`) is inlined; any other
   * becomes an identifier of the same length, which keeps the SQL parseable and the columns exact.
   */
  template(node: ts.TemplateExpression, scope: JsScope, tagged: boolean): JsValue {
    const parts: JsValue[] = [];
    const holes = new Map<string, string>();
    const head = node.head;
    const headStart = head.getStart(this.file);
    const headRaw = this.text(head); // `...${
    const headDecoded = decode(headRaw.slice(1, -2), headStart + 1);
    parts.push({ kind: 'str', value: headDecoded.value, map: [...headDecoded.map, headStart + headRaw.length - 2], node: head, holes });
    for (const span of node.templateSpans) {
      const holeStart = span.expression.getStart(this.file) - 2; // the `${`
      const literal = span.literal;
      const literalStart = literal.getStart(this.file);
      const holeLength = literalStart + 1 - holeStart; // through the closing `}`
      const inlined = this.substitution(span.expression, scope, tagged);
      if (inlined !== null) {
        parts.push({ kind: 'str', value: inlined, map: [...Array.from({ length: inlined.length }, () => holeStart), literalStart + 1], node: span.expression, holes });
      } else {
        const identifier = holeLength <= 1 ? 'x' : `x${'_'.repeat(holeLength - 1)}`;
        holes.set(identifier, this.file.text.slice(holeStart, holeStart + holeLength));
        parts.push({ kind: 'str', value: identifier, map: [...Array.from({ length: identifier.length }, (_, i) => holeStart + i), literalStart + 1], node: span.expression, holes });
      }
      const raw = this.text(literal); // `}...${` or `}...\``
      const tail = tsv.isTemplateTail(literal);
      const decoded = decode(raw.slice(1, tail ? -1 : -2), literalStart + 1);
      parts.push({ kind: 'str', value: decoded.value, map: [...decoded.map, literalStart + raw.length - (tail ? 1 : 2)], node: literal, holes });
    }
    const joined = joinStrings(parts as Extract<JsValue, { kind: 'str' }>[], node);
    if (joined.kind === 'str') joined.holes = holes;
    return joined;
  }

  private substitution(expression: ts.Expression, scope: JsScope, tagged: boolean): string | null {
    if (tagged && tsv.isCallExpression(expression)) {
      const callee = this.dotted(expression.expression) ?? '';
      const arg = expression.arguments[0] ? this.evaluate(expression.arguments[0], scope) : null;
      if (/(^|\.)sql\.raw$/.test(callee) && arg?.kind === 'str') return arg.value;
      if (/(^|\.)sql\.(ref|table|id)$/.test(callee) && arg?.kind === 'str') return arg.value.split('.').map((p) => `"${p}"`).join('.');
      if (/(^|\.)sql\.identifier$/.test(callee) && arg?.kind === 'array' && arg.items.every((i) => i.kind === 'str')) {
        return arg.items.map((i) => `"${(i as { value: string }).value}"`).join('.');
      }
    }
    const value = this.evaluate(expression, scope);
    if (value.kind === 'str' && !tagged) return value.value;
    if (value.kind === 'num' && !tagged) return String(value.value);
    return null;
  }
}

function joinStrings(parts: Extract<JsValue, { kind: 'str' }>[], node: ts.Node): JsValue {
  let value = '';
  const map: number[] = [];
  const holes = new Map<string, string>();
  for (const part of parts) {
    value += part.value;
    map.push(...part.map.slice(0, part.value.length));
    for (const [k, v] of part.holes) holes.set(k, v);
  }
  map.push(parts.length ? parts[parts.length - 1]!.map[parts[parts.length - 1]!.map.length - 1]! : node.end);
  return { kind: 'str', value, map, node, holes };
}

/** Decodes JS escapes in a literal's body, keeping the file offset of each decoded character. */
function decode(raw: string, offset: number): { value: string; map: number[] } {
  let value = '';
  const map: number[] = [];
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0', '\\': '\\', "'": "'", '"': '"', '`': '`', $: '$' };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\\' && i + 1 < raw.length) {
      const next = raw[i + 1]!;
      if (next === '\n') {
        i++;
        continue;
      }
      if (next in simple) {
        value += simple[next];
        map.push(offset + i);
        i++;
        continue;
      }
      const hex = next === 'x' ? /^[0-9a-fA-F]{2}/.exec(raw.slice(i + 2)) : next === 'u' ? /^[0-9a-fA-F]{4}/.exec(raw.slice(i + 2)) : null;
      if (hex) {
        value += String.fromCharCode(parseInt(hex[0], 16));
        map.push(offset + i);
        i += 1 + hex[0].length;
        continue;
      }
    }
    value += ch;
    map.push(offset + i);
  }
  return { value, map };
}

export function str(value: JsValue | undefined): string | null {
  return value?.kind === 'str' ? value.value : null;
}

export function bool(value: JsValue | undefined): boolean | null {
  return value?.kind === 'bool' ? value.value : null;
}

export function prop(value: JsValue | undefined, name: string): JsValue | undefined {
  return value?.kind === 'object' ? value.props.get(name) : undefined;
}

export function describe(value: JsValue | undefined): string {
  if (!value) return 'a missing argument';
  if (value.kind === 'unknown') return value.reason;
  if (value.kind === 'ref') return `${value.dotted}, not known statically`;
  return `a ${value.kind} value`;
}
