// Static evaluation of the Python expressions Alembic migrations pass to `op.*`: literals, lists,
// calls like `sa.Column(...)`, and names bound to constants. Nothing is executed; what cannot be
// known is an `unknown` value with the reason.
import type { SyntaxNode } from '@lezer/common';

export type PyValue =
  | { kind: 'str'; value: string; /** File offset of each character of value (and one past the end). */ map: number[]; node: SyntaxNode }
  | { kind: 'num'; value: number; node: SyntaxNode }
  | { kind: 'bool'; value: boolean; node: SyntaxNode }
  | { kind: 'none'; node: SyntaxNode }
  | { kind: 'list'; items: PyValue[]; node: SyntaxNode }
  | { kind: 'call'; callee: string; args: PyValue[]; kwargs: Map<string, PyValue>; node: SyntaxNode; spread: boolean }
  | { kind: 'name'; dotted: string; node: SyntaxNode }
  | { kind: 'unknown'; reason: string; node: SyntaxNode };

export type Scope = Map<string, PyValue>;

export class PythonEvaluator {
  constructor(private readonly source: string) {}

  text(node: SyntaxNode): string {
    return this.source.slice(node.from, node.to);
  }

  /** `a.b.c` for a name or member chain; null for anything else (calls, subscripts). */
  dottedName(node: SyntaxNode): string | null {
    if (node.name === 'VariableName') return this.text(node);
    if (node.name === 'MemberExpression') {
      const object = node.firstChild;
      const property = node.lastChild;
      if (!object || property?.name !== 'PropertyName') return null;
      const base = this.dottedName(object);
      return base === null ? null : `${base}.${this.text(property)}`;
    }
    return null;
  }

  evaluate(node: SyntaxNode | null, scope: Scope): PyValue {
    if (!node) return { kind: 'unknown', reason: 'missing argument', node: node! };
    switch (node.name) {
      case 'String':
        return this.string(node);
      case 'ContinuedString':
      case 'BinaryExpression':
        return this.concatenation(node, scope);
      case 'FormatString':
        return node.getChild('FormatReplacement')
          ? { kind: 'unknown', reason: 'an f-string is built at run time', node }
          : this.string(node);
      case 'Number':
        return { kind: 'num', value: Number(this.text(node).replace(/_/g, '')), node };
      case 'UnaryExpression': {
        const operand = node.lastChild ? this.evaluate(node.lastChild, scope) : null;
        if (operand?.kind === 'num' && this.text(node).trim().startsWith('-')) return { kind: 'num', value: -operand.value, node };
        return { kind: 'unknown', reason: 'an expression', node };
      }
      case 'Boolean':
        return { kind: 'bool', value: this.text(node) === 'True', node };
      case 'None':
        return { kind: 'none', node };
      case 'ArrayExpression':
      case 'TupleExpression':
      case 'SetExpression':
        return { kind: 'list', items: this.children(node).map((c) => this.evaluate(c, scope)), node };
      case 'ParenthesizedExpression': {
        const inner = this.children(node);
        return inner.length === 1 ? this.evaluate(inner[0]!, scope) : { kind: 'list', items: inner.map((c) => this.evaluate(c, scope)), node };
      }
      case 'VariableName': {
        const bound = scope.get(this.text(node));
        return bound ?? { kind: 'name', dotted: this.text(node), node };
      }
      case 'MemberExpression': {
        const dotted = this.dottedName(node);
        return dotted ? { kind: 'name', dotted, node } : { kind: 'unknown', reason: 'a subscript or computed member', node };
      }
      case 'CallExpression':
        return this.call(node, scope);
      default:
        return { kind: 'unknown', reason: `a ${node.name} expression`, node };
    }
  }

  /** The expression children of a bracketed node (skipping punctuation). */
  children(node: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (!/^[()[\]{},]$/.test(child.name) && child.name !== 'Comment') out.push(child);
    }
    return out;
  }

  private call(node: SyntaxNode, scope: Scope): PyValue {
    const calleeNode = node.firstChild!;
    let callee = this.dottedName(calleeNode);
    const argList = node.getChild('ArgList');
    const args: PyValue[] = [];
    const kwargs = new Map<string, PyValue>();
    let spread = false;
    if (argList) {
      const parts = this.children(argList);
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!;
        if (part.name === 'VariableName' && parts[i + 1]?.name === 'AssignOp') {
          kwargs.set(this.text(part), this.evaluate(parts[i + 2] ?? null, scope));
          i += 2;
        } else if (part.name === '*' || part.name === '**' || this.text(part) === '*' || this.text(part) === '**') {
          spread = true;
          i++;
        } else {
          args.push(this.evaluate(part, scope));
        }
      }
    }
    if (callee === null && calleeNode.name === 'MemberExpression') {
      // `sa.Enum(...).create(...)`: name the call after its method, keeping the receiver as args[-1].
      const property = calleeNode.lastChild;
      const receiver = calleeNode.firstChild ? this.evaluate(calleeNode.firstChild, scope) : null;
      if (property?.name === 'PropertyName' && receiver) {
        return { kind: 'call', callee: `<value>.${this.text(property)}`, args: [...args, receiver], kwargs, node, spread };
      }
    }
    callee ??= '<expression>';
    // A receiver bound to a value (`status = postgresql.ENUM(...)`; `status.create(...)`).
    const head = callee.split('.')[0]!;
    const bound = scope.get(head);
    if (bound && callee.includes('.') && bound.kind === 'call') {
      return { kind: 'call', callee: `<value>.${callee.slice(head.length + 1)}`, args: [...args, bound], kwargs, node, spread };
    }
    // op.f("name") marks a name as already following the naming convention: it is the name.
    // op.f("name") (also batch_op.f) marks a name as already following the naming convention: it is the name.
    if (/\.f$/.test(callee) && args.length === 1 && args[0]?.kind === 'str') return args[0];
    return { kind: 'call', callee, args, kwargs, node, spread };
  }

  private concatenation(node: SyntaxNode, scope: Scope): PyValue {
    const parts = node.name === 'ContinuedString' ? this.children(node) : [node.firstChild, node.lastChild].filter(Boolean) as SyntaxNode[];
    const operator = node.getChild('ArithOp');
    if (node.name === 'BinaryExpression' && (!operator || this.text(operator) !== '+')) {
      return { kind: 'unknown', reason: 'an expression', node };
    }
    let value = '';
    const map: number[] = [];
    for (const part of parts) {
      const piece = this.evaluate(part, scope);
      if (piece.kind !== 'str') return piece.kind === 'unknown' ? piece : { kind: 'unknown', reason: 'a string built from non-strings', node };
      value += piece.value;
      map.push(...piece.map.slice(0, piece.value.length));
    }
    map.push(node.to);
    return { kind: 'str', value, map, node };
  }

  /** Decodes a string literal, keeping where each character stands in the file. */
  private string(node: SyntaxNode): PyValue {
    const raw = this.text(node);
    const prefix = /^[rRbBuUfF]*/.exec(raw)![0];
    const quote = raw.startsWith('"""', prefix.length) || raw.startsWith("'''", prefix.length) ? raw.slice(prefix.length, prefix.length + 3) : raw[prefix.length]!;
    const start = prefix.length + quote.length;
    const end = raw.length - (raw.endsWith(quote) && raw.length >= start + quote.length ? quote.length : 0);
    const isRaw = /[rR]/.test(prefix);
    let value = '';
    const map: number[] = [];
    for (let i = start; i < end; i++) {
      const ch = raw[i]!;
      if (ch === '\\' && !isRaw && i + 1 < end) {
        const next = raw[i + 1]!;
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
        if (next === '\n') {
          i++;
          continue;
        }
        if (next in simple) {
          value += simple[next];
          map.push(node.from + i);
          i++;
          continue;
        }
        if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 2, i + 4))) {
          value += String.fromCharCode(parseInt(raw.slice(i + 2, i + 4), 16));
          map.push(node.from + i);
          i += 3;
          continue;
        }
      }
      value += ch;
      map.push(node.from + i);
    }
    map.push(node.from + end);
    return { kind: 'str', value, map, node };
  }
}

export function stringOf(value: PyValue | undefined): string | null {
  return value?.kind === 'str' ? value.value : null;
}

export function boolOf(value: PyValue | undefined): boolean | null {
  return value?.kind === 'bool' ? value.value : null;
}

export function describeUnknown(value: PyValue | undefined): string {
  if (!value) return 'a missing argument';
  if (value.kind === 'unknown') return value.reason;
  if (value.kind === 'name') return `the name ${value.dotted}, not known statically`;
  if (value.kind === 'call') return `the result of ${value.callee}()`;
  return `a ${value.kind} where a name was expected`;
}
