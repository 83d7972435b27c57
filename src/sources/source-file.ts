import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SourceFile } from '../engine/types.js';

export function makeSourceFile(absPath: string, text: string, cwd = process.cwd()): SourceFile {
  // A BOM is not SQL; keeping it would shift every column on line 1.
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // A lone CR (classic Mac line ends) ends a line for PostgreSQL, Python and TypeScript alike; as LF
  // (the same length, so every offset stays put) it does for line numbers and marker comments too.
  const clean = withoutBom.includes('\r') ? withoutBom.replace(/\r(?!\n)/g, '\n') : withoutBom;
  return { path: absPath, relPath: toRelPath(absPath, cwd), text: clean, lineStarts: lineStartsOf(clean) };
}

/**
 * Reads a migration file. It never throws: a file that cannot be read (gone, no permission) or is
 * not text comes back empty with `unreadable` saying why, and is reported as one finding, so one bad
 * file never hides the rest of its directory. UTF-16 with a byte-order mark is decoded; bytes that
 * are not UTF-8 are read as U+FFFD and reported.
 */
export function readSourceFile(absPath: string, cwd = process.cwd()): SourceFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(absPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'it no longer exists (removed while migsafe ran?)' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    return { ...makeSourceFile(absPath, '', cwd), unreadable: { message: `migsafe could not read this file: ${reason}`, offset: 0 } };
  }
  const decoded = decodeText(bytes);
  const file = makeSourceFile(absPath, decoded.text, cwd);
  return decoded.problem ? { ...file, unreadable: { message: decoded.problem.message, offset: decoded.problem.offset } } : file;
}

interface Decoded {
  text: string;
  /** A binary file comes back with no text, and the problem at offset 0. */
  problem?: { message: string; offset: number };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const UTF8_LENIENT = new TextDecoder('utf-8');

function decodeText(bytes: Buffer): Decoded {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)) };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)) };
  // Text has a stray NUL at most (reported by the SQL reader); many NULs mean a binary file or
  // UTF-16 without a byte-order mark, neither of which migsafe can read as migration text.
  const head = bytes.subarray(0, 8192);
  let nuls = 0;
  for (const byte of head) if (byte === 0) nuls++;
  if (head.length && nuls * 10 >= head.length) {
    return { text: '', problem: { message: 'migsafe could not read this file: it is binary, or UTF-16 without a byte-order mark (save it as UTF-8)', offset: 0 } };
  }
  try {
    return { text: UTF8.decode(bytes) };
  } catch {
    const text = UTF8_LENIENT.decode(bytes);
    const offset = text.indexOf('\ufffd');
    return { text, problem: { message: 'This file is not valid UTF-8: PostgreSQL rejects such bytes ("invalid byte sequence for encoding UTF8"), and migsafe read them as U+FFFD (save the file as UTF-8)', offset: Math.max(0, offset) } };
  }
}

export function toRelPath(absPath: string, cwd: string): string {
  const rel = path.relative(cwd, absPath);
  return (rel === '' ? path.basename(absPath) : rel).split(path.sep).join('/');
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) starts.push(i + 1);
  }
  return starts;
}

/** 1-based line and column of a UTF-16 offset. */
export function positionAt(file: SourceFile, offset: number): { line: number; column: number } {
  const starts = file.lineStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

export function lineText(file: SourceFile, line: number): string {
  const start = file.lineStarts[line - 1] ?? file.text.length;
  const next = file.lineStarts[line];
  return file.text.slice(start, next === undefined ? file.text.length : next - 1).replace(/\r$/, '');
}
