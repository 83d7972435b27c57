import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SourceFile } from '../engine/types.js';

export function makeSourceFile(absPath: string, text: string, cwd = process.cwd()): SourceFile {
  // A BOM is not SQL; keeping it would shift every column on line 1.
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return { path: absPath, relPath: toRelPath(absPath, cwd), text: clean, lineStarts: lineStartsOf(clean) };
}

export function readSourceFile(absPath: string, cwd = process.cwd()): SourceFile {
  return makeSourceFile(absPath, readFileSync(absPath, 'utf8'), cwd);
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
