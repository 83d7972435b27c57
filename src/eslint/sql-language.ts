// An ESLint language for .sql migration files (ESLint's languages API), so ESLint lints them
// itself: the AST is the document and its comments (where `-- eslint-disable-next-line` directives
// live); migsafe's analysis runs in the rules, on the text.
import { ConfigCommentParser, Directive, TextSourceCodeBase, VisitNodeStep } from '@eslint/plugin-kit';
import { makeSourceFile, positionAt } from '../sources/source-file.js';
import { scanSql } from '../sources/sql-statements.js';

interface Position {
  line: number;
  column: number;
}

export interface SqlNode {
  type: 'Document' | 'Comment';
  range: [number, number];
  loc: { start: Position; end: Position };
  /** A comment's text without its `--` or `/* *\/`. */
  value?: string;
}

export interface SqlDocument extends SqlNode {
  type: 'Document';
  comments: SqlNode[];
}

export function parseSqlDocument(text: string): SqlDocument {
  const file = makeSourceFile('document.sql', text, '/');
  // ESLint positions here: 1-based lines, 0-based columns (the language's columnStart).
  const positionOf = (offset: number): Position => {
    const { line, column } = positionAt(file, offset);
    return { line, column: column - 1 };
  };
  const node = (type: SqlNode['type'], start: number, end: number): SqlNode => ({ type, range: [start, end], loc: { start: positionOf(start), end: positionOf(end) } });
  const comments: SqlNode[] = [];
  scanSql(text, {
    comment(start, end) {
      const comment = node('Comment', start, end);
      const raw = text.slice(start, end);
      comment.value = raw.startsWith('--') ? raw.slice(2) : raw.slice(2, -2);
      comments.push(comment);
    },
  });
  return { ...node('Document', 0, text.length), type: 'Document', comments };
}

const DIRECTIVE_TYPES = new Map([
  ['eslint-disable', 'disable'],
  ['eslint-enable', 'enable'],
  ['eslint-disable-line', 'disable-line'],
  ['eslint-disable-next-line', 'disable-next-line'],
]);

export class SqlSourceCode extends TextSourceCodeBase {
  declare ast: SqlDocument;
  readonly comments: SqlNode[];

  constructor({ text, ast }: { text: string; ast: SqlDocument }) {
    super({ text, ast });
    this.comments = ast.comments;
  }

  getInlineConfigNodes(): SqlNode[] {
    return this.comments;
  }

  /** `-- eslint-disable-next-line migsafe/rule -- reason` and the other disable/enable forms. */
  getDisableDirectives(): { problems: { ruleId: null; message: string; loc: SqlNode['loc'] }[]; directives: Directive[] } {
    const parser = new ConfigCommentParser();
    const problems: { ruleId: null; message: string; loc: SqlNode['loc'] }[] = [];
    const directives: Directive[] = [];
    for (const comment of this.comments) {
      const directive = parser.parseDirective(comment.value ?? '');
      const type = directive && DIRECTIVE_TYPES.get(directive.label);
      if (!directive || !type) continue;
      if (type === 'disable-line' && comment.loc.start.line !== comment.loc.end.line) {
        problems.push({ ruleId: null, message: `${directive.label} comment should not span multiple lines.`, loc: comment.loc });
        continue;
      }
      directives.push(new Directive({ type: type as 'disable', node: comment, value: directive.value, justification: directive.justification }));
    }
    return { problems, directives };
  }

  /** `/* eslint rule: ... *\/` configuration comments are not supported in SQL files. */
  applyInlineConfig(): { configs: never[]; problems: never[] } {
    return { configs: [], problems: [] };
  }

  override *traverse(): Iterable<VisitNodeStep> {
    yield new VisitNodeStep({ target: this.ast, phase: 1, args: [this.ast] });
    yield new VisitNodeStep({ target: this.ast, phase: 2, args: [this.ast] });
  }
}

export const sqlLanguage = {
  fileType: 'text' as const,
  lineStart: 1 as const,
  columnStart: 0 as const,
  nodeTypeKey: 'type',
  visitorKeys: { Document: [], Comment: [] },
  defaultLanguageOptions: {},
  validateLanguageOptions(): void {},
  parse(file: { body: string | Uint8Array }) {
    const text = typeof file.body === 'string' ? file.body : new TextDecoder().decode(file.body);
    return { ok: true as const, ast: parseSqlDocument(text) };
  },
  createSourceCode(file: { body: string | Uint8Array }, result: { ast: SqlDocument }) {
    const text = typeof file.body === 'string' ? file.body : new TextDecoder().decode(file.body);
    return new SqlSourceCode({ text, ast: result.ast });
  },
};
