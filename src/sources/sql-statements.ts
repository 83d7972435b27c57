// Turns a piece of SQL text into statements with exact file locations, using PostgreSQL's own
// parser (libpg-query). A statement that does not parse becomes a statement with a parseError,
// and the statements around it are still returned, so one typo never hides other findings.
import { parseSync, scanSync, type ScanToken } from 'libpg-query';
import type { AstNode, SourceFile, Statement, StatementOrigin } from '../engine/types.js';
import { expandProceduralBodies } from './plpgsql.js';

export interface SqlChunk {
  file: SourceFile;
  /** The SQL text; for SQL files a verbatim slice of file.text. */
  text: string;
  /** Maps an offset into `text` to an offset into file.text. */
  toFileOffset: (offset: number) => number;
  origin?: StatementOrigin;
}

export interface ParseOptions {
  /** Regexes for template placeholders, each replaced by an identifier of the same length. */
  placeholders?: RegExp[];
}

/** A chunk that is a verbatim slice of its file starting at `start`. */
export function fileSlice(file: SourceFile, start: number, end: number): SqlChunk {
  return { file, text: file.text.slice(start, end), toFileOffset: (i) => start + i };
}

export function parseSqlChunk(chunk: SqlChunk, options: ParseOptions = {}): Statement[] {
  const nul = chunk.text.indexOf('\0');
  if (nul >= 0) {
    // libpg-query reads C strings: a NUL byte would silently end the text there. PostgreSQL
    // rejects NUL bytes in a query, so report it, and lint the rest with the NULs as spaces.
    const rest = parseSqlChunk({ ...chunk, text: chunk.text.replace(/\0/g, ' ') }, options);
    const at = chunk.toFileOffset(nul);
    const lineEnd = chunk.text.indexOf('\n', nul);
    return [
      {
        file: chunk.file,
        span: { start: at, end: chunk.toFileOffset(lineEnd < 0 ? chunk.text.length : lineEnd) },
        text: '',
        ast: null,
        kind: '',
        origin: chunk.origin ?? 'top',
        locate: () => at,
        parseError: { message: 'the text contains a NUL byte, which PostgreSQL rejects in a query', offset: at },
      },
      ...rest,
    ].sort((a, b) => a.span.start - b.span.start);
  }
  const filled = new Map<string, string>();
  const sql = fillPlaceholders(chunk.text, options.placeholders ?? [], filled);
  const bytes = byteOffsets(sql);
  const origin = chunk.origin ?? 'top';
  let statements: Statement[];
  try {
    const result = parseSync(sql);
    statements = (result.stmts ?? []).map((raw) => {
      const startByte = raw.stmt_location ?? 0;
      const endByte = raw.stmt_len ? startByte + raw.stmt_len : bytes.byteLength;
      return makeStatement(chunk, sql, bytes, startByte, endByte, raw.stmt as AstNode, origin, 0);
    });
  } catch (error) {
    // libpg-query refuses text with no tokens (empty, or only comments): that is no statements.
    if (/cannot be empty/i.test((error as Error).message)) return [];
    statements = parsePieces(chunk, sql, bytes, origin);
  }
  if (filled.size) for (const statement of statements) statement.placeholders = filled;
  return statements.flatMap((s) => [s, ...expandProceduralBodies(s, options)]);
}

function makeStatement(
  chunk: SqlChunk,
  sql: string,
  bytes: ByteOffsets,
  startByte: number,
  endByte: number,
  ast: AstNode | null,
  origin: StatementOrigin,
  // Byte offset of the text the AST was parsed from, relative to `sql`.
  parseBaseByte: number,
  parseError?: { message: string; byte: number },
): Statement {
  let start = bytes.toChar(startByte);
  let end = bytes.toChar(endByte);
  // Report spans without the trailing whitespace PostgreSQL counts into stmt_len.
  while (end > start && /\s/.test(sql[end - 1]!)) end--;
  while (start < end && /\s/.test(sql[start]!)) start++;
  // The span ends with the statement's own semicolon, as a reader would underline it.
  let after = end;
  while (after < sql.length && /[ \t]/.test(sql[after]!)) after++;
  if (sql[after] === ';' && end > start) end = after + 1;
  const fileStart = chunk.toFileOffset(start);
  const fileEnd = chunk.toFileOffset(end);
  return {
    file: chunk.file,
    span: { start: fileStart, end: Math.max(fileEnd, fileStart) },
    text: sql.slice(start, end),
    ast,
    kind: ast ? Object.keys(ast)[0] ?? '' : '',
    origin,
    locate: (byteLocation) => chunk.toFileOffset(bytes.toChar(parseBaseByte + Math.max(0, byteLocation))),
    parseError: parseError && {
      message: parseError.message,
      offset: chunk.toFileOffset(bytes.toChar(parseBaseByte + parseError.byte)),
    },
  };
}

/** The slow path, taken only when the whole chunk does not parse: split on top-level semicolons. */
function parsePieces(chunk: SqlChunk, sql: string, bytes: ByteOffsets, origin: StatementOrigin): Statement[] {
  const pieces = splitStatements(sql, bytes);
  const statements: Statement[] = [];
  for (const piece of pieces) {
    const pieceText = bytes.sliceBytes(piece.start, piece.end);
    try {
      const result = parseSync(pieceText);
      for (const raw of result.stmts ?? []) {
        const startByte = piece.start + (raw.stmt_location ?? 0);
        const endByte = raw.stmt_len ? startByte + raw.stmt_len : piece.end;
        statements.push(makeStatement(chunk, sql, bytes, startByte, endByte, raw.stmt as AstNode, origin, piece.start));
      }
    } catch (error) {
      const details = (error as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
      const message = details?.message ?? (error as Error).message;
      const cursor = Math.min(Math.max(details?.cursorPosition ?? 0, 0), piece.end - piece.start);
      statements.push(
        makeStatement(chunk, sql, bytes, piece.start, piece.end, null, origin, piece.start, { message, byte: cursor }),
      );
    }
  }
  return statements;
}

interface ByteRange {
  start: number;
  end: number;
}

/**
 * Statement boundaries in byte offsets: top-level semicolons found by PostgreSQL's own scanner,
 * which knows quotes, dollar quotes and comments. `BEGIN ATOMIC ... END` bodies (SQL-standard
 * function bodies) contain semicolons that do not end the statement.
 */
function splitStatements(sql: string, bytes: ByteOffsets): ByteRange[] {
  let tokens: ScanToken[];
  try {
    tokens = scanSync(sql).tokens;
  } catch {
    // libpg-query's scanner gives up on an unterminated quote or comment; split by hand instead,
    // so the statements before it are still read (PostgreSQL too reads the rest as one statement).
    // Character offsets to byte offsets in one pass: the ranges come in order.
    let char = 0;
    let byte = 0;
    const toByte = (at: number) => {
      byte += Buffer.byteLength(sql.slice(char, at));
      char = at;
      return byte;
    };
    return splitByHand(sql).map((r) => ({ start: toByte(r.start), end: toByte(r.end) }));
  }
  const ranges: ByteRange[] = [];
  let start = -1;
  let atomicDepth = 0;
  let previous = '';
  for (const token of tokens) {
    const word = token.text.toLowerCase();
    if (token.text === ';' && atomicDepth === 0) {
      if (start >= 0) ranges.push({ start, end: token.end });
      start = -1;
      previous = '';
      continue;
    }
    if (start < 0) start = token.start;
    if (word === 'atomic' && previous === 'begin') atomicDepth++;
    else if (atomicDepth > 0 && word === 'case') atomicDepth++;
    else if (atomicDepth > 0 && word === 'end') atomicDepth--;
    previous = word;
  }
  if (start >= 0) ranges.push({ start, end: bytes.byteLength });
  return ranges;
}

/** Top-level semicolons by character offset, knowing quotes, dollar quotes and comments. */
function splitByHand(sql: string): ByteRange[] {
  const ranges: ByteRange[] = [];
  let start = 0;
  scanSql(sql, {
    semicolon(at) {
      ranges.push({ start, end: at + 1 });
      start = at + 1;
    },
  });
  if (sql.slice(start).trim()) ranges.push({ start, end: sql.length });
  return ranges.filter((r) => sql.slice(r.start, r.end).replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '').trim() !== '');
}

/**
 * A minimal SQL scanner that knows quotes, dollar quotes and comments: where the top-level
 * semicolons and the comments are (character offsets). Used where PostgreSQL's own scanner gives
 * up, and to find comments (ESLint directives).
 */
export function scanSql(sql: string, on: { semicolon?: (at: number) => void; comment?: (start: number, end: number) => void }): void {
  let i = 0;
  const skipTo = (closing: string, from: number) => {
    const at = sql.indexOf(closing, from);
    return at < 0 ? sql.length : at + closing.length;
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === ';') {
      on.semicolon?.(i);
      i++;
    } else if (ch === "'" || ch === '"') {
      i++;
      while (i < sql.length && !(sql[i] === ch && sql[i + 1] !== ch)) i += sql[i] === ch ? 2 : 1;
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      on.comment?.(i, end < 0 ? sql.length : end);
      i = end < 0 ? sql.length : end;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = skipTo('*/', i + 2);
      on.comment?.(i, end);
      i = end;
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i, i + 64))?.[0];
      i = tag ? skipTo(tag, i + tag.length) : i + 1;
    } else {
      i++;
    }
  }
}

/** Replaces each placeholder match with an identifier of the same length, so offsets stay put. */
export function fillPlaceholders(sql: string, placeholders: RegExp[], filled?: Map<string, string>): string {
  let out = sql;
  for (const pattern of placeholders) {
    const global = pattern.global ? pattern : new RegExp(pattern.source, pattern.flags + 'g');
    out = out.replace(global, (match) => {
      // A pattern that matches the empty string (`x*`) has nothing to replace there.
      if (match.length === 0) return match;
      // A one-character placeholder (a `?` bind parameter) stands for a value: the constant 0.
      // Longer ones become identifiers, remembered so that messages can show the original text.
      if (match.length === 1) return '0';
      const identifier = 'x' + '_'.repeat(match.length - 1);
      if (filled && !filled.has(identifier)) filled.set(identifier, match);
      return identifier;
    });
  }
  return out;
}

interface ByteOffsets {
  byteLength: number;
  toChar(byte: number): number;
  sliceBytes(start: number, end: number): string;
}

/** libpg-query reports UTF-8 byte offsets; JavaScript strings index UTF-16 units. */
function byteOffsets(sql: string): ByteOffsets {
  const byteLength = Buffer.byteLength(sql, 'utf8');
  if (byteLength === sql.length) {
    return { byteLength, toChar: (b) => Math.min(b, sql.length), sliceBytes: (s, e) => sql.slice(s, e) };
  }
  const charAt = new Uint32Array(byteLength + 1);
  let byte = 0;
  for (let i = 0; i < sql.length; i++) {
    const code = sql.codePointAt(i)!;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < width; k++) charAt[byte + k] = i;
    byte += width;
    if (code >= 0x10000) i++;
  }
  charAt[byteLength] = sql.length;
  const buffer = Buffer.from(sql, 'utf8');
  return {
    byteLength,
    toChar: (b) => charAt[Math.min(Math.max(b, 0), byteLength)]!,
    sliceBytes: (s, e) => buffer.subarray(s, e).toString('utf8'),
  };
}

/** Dollar-quote tag that does not occur in `body`. */
export function dollarQuote(body: string): string {
  let tag = '$migsafe$';
  for (let n = 1; body.includes(tag); n++) tag = `$migsafe${n}$`;
  return tag;
}
