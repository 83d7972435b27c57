// Statements lowered from code migrations (Alembic, TS/JS): SQL migsafe writes for an operation,
// reported at the call; SQL found in a string, reported where it stands; and operations that
// cannot be lowered, reported as unanalysable.
import type { SourceFile, Span, Statement } from '../engine/types.js';
import { parseSqlChunk, type ParseOptions } from './sql-statements.js';

/** One quoted identifier. */
export function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A quoted identifier; a dotted name (`schema.table`) is quoted part by part. */
export function quoteIdent(name: string): string {
  return name.split('.').map(quoteName).join('.');
}

/** A quoted SQL string literal. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export class StatementCollector {
  readonly statements: Statement[] = [];
  /** Statements pushed now run outside the migration's transaction (Alembic autocommit_block). */
  outsideTransaction = false;

  constructor(
    private readonly file: SourceFile,
    private readonly parseOptions: ParseOptions,
  ) {}

  /** A statement migsafe wrote for an operation, reported at the call. */
  emit(span: Span, sql: string): void {
    const text = `${sql};`;
    const statements = parseSqlChunk({ file: this.file, text, toFileOffset: (i) => (i >= sql.length ? span.end : span.start) });
    for (const statement of statements) {
      if (statement.parseError) {
        this.unanalyzable(span, `the operation lowers to SQL PostgreSQL rejects: ${statement.parseError.message}`);
        continue;
      }
      statement.span = { ...span };
      statement.locate = () => span.start;
      this.push(statement);
    }
  }

  /**
   * SQL written in the migration as a string: parsed in place, each character mapped back to the
   * file (`map[i]` is the file offset of character i). `holes` are placeholders standing for
   * values only known at run time (identifier → the source text), restored in messages.
   */
  sql(text: string, map: number[], holes: Map<string, string> = new Map(), extraPlaceholders: RegExp[] = []): void {
    const statements = parseSqlChunk(
      { file: this.file, text, toFileOffset: (i) => map[Math.min(i, map.length - 1)]! },
      { placeholders: [...(this.parseOptions.placeholders ?? []), ...extraPlaceholders] },
    );
    for (const statement of statements) {
      if (holes.size && statement.parseError) {
        // SQL assembled at run time: with a placeholder where a fragment goes, it does not parse.
        // That is migsafe not seeing the SQL, not a syntax error in it.
        this.unanalyzable(statement.span, `SQL assembled at run time (${[...holes.values()][0]!.replace(/\s+/g, ' ').slice(0, 40)}) that does not parse without its values`);
        continue;
      }
      if (holes.size) statement.placeholders = new Map([...(statement.placeholders ?? []), ...holes]);
      this.push(statement);
    }
  }

  unanalyzable(span: Span, reason: string): void {
    this.push({
      file: this.file,
      span: { ...span },
      text: this.file.text.slice(span.start, span.end),
      ast: null,
      kind: '',
      origin: 'top',
      locate: () => span.start,
      unanalyzable: reason,
    });
  }

  private push(statement: Statement): void {
    if (this.outsideTransaction) statement.outsideTransaction = true;
    this.statements.push(statement);
  }
}
