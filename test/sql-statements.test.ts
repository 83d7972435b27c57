// Lowering SQL text to statements: exact locations (UTF-8 byte offsets from libpg-query mapped to
// characters), recovery after a statement that does not parse, DO blocks and function bodies.
import { loadModule } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeSourceFile, positionAt } from '../src/sources/source-file.js';
import { fileSlice, parseSqlChunk } from '../src/sources/sql-statements.js';

beforeAll(() => loadModule());

function parse(text: string, placeholders: RegExp[] = []) {
  const file = makeSourceFile('/virtual/x.sql', text, '/virtual');
  return parseSqlChunk(fileSlice(file, 0, text.length), { placeholders }).map((s) => ({
    kind: s.kind || 'ParseError',
    origin: s.origin,
    at: `${positionAt(file, s.span.start).line}:${positionAt(file, s.span.start).column}`,
    text: s.text,
    error: s.parseError ? `${positionAt(file, s.parseError.offset).line}:${positionAt(file, s.parseError.offset).column}` : undefined,
  }));
}

describe('statement locations', () => {
  it('maps byte offsets to characters after non-ASCII text', () => {
    const statements = parse("-- naïve 😀 comment\nSELECT 'é';  ALTER TABLE t ADD COLUMN ü int;\n");
    expect(statements.map((s) => [s.kind, s.at, s.text])).toEqual([
      ['SelectStmt', '2:1', "SELECT 'é';"],
      ['AlterTableStmt', '2:14', 'ALTER TABLE t ADD COLUMN ü int;'],
    ]);
  });

  it('treats empty and comment-only text as no statements', () => {
    expect(parse('')).toEqual([]);
    expect(parse('  \n-- nothing here\n/* nor here */\n')).toEqual([]);
  });

  it('keeps a BOM from shifting columns', () => {
    expect(parse('\uFEFFSELECT 1;')[0]!.at).toBe('1:1');
  });
});

describe('statements that do not parse', () => {
  it('are reported at the error, and the statements around them still parse', () => {
    const statements = parse('CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN;\nCREATE INDEX i ON a (id);\nSELEC 1;\nDROP TABLE a;\n');
    expect(statements.map((s) => [s.kind, s.at, s.error])).toEqual([
      ['CreateStmt', '1:1', undefined],
      ['ParseError', '2:1', '2:25'],
      ['IndexStmt', '3:1', undefined],
      ['ParseError', '4:1', '4:1'],
      ['DropStmt', '5:1', undefined],
    ]);
  });

  it('do not split inside quotes, dollar quotes, comments or BEGIN ATOMIC bodies', () => {
    const statements = parse(
      "SELEC 'a;b';\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nDO $$ BEGIN PERFORM 1; END $$;\n/* ; */ SELECT 3;\n",
    );
    expect(statements.filter((s) => s.origin === 'top').map((s) => [s.kind, s.at])).toEqual([
      ['ParseError', '1:1'],
      ['CreateFunctionStmt', '2:1'],
      ['DoStmt', '3:1'],
      ['SelectStmt', '4:9'],
    ]);
  });

  it('a NUL byte is reported, and does not hide the statements after it', () => {
    expect(parse('SELECT 1;\0\0 DROP TABLE x;\n').map((s) => [s.kind, s.at])).toEqual([
      ['SelectStmt', '1:1'],
      ['ParseError', '1:10'],
      ['DropStmt', '1:13'],
    ]);
  });

  it('an unterminated quote swallows the rest, as in PostgreSQL', () => {
    const statements = parse("SELECT 1;\nSELECT 'oops;\nDROP TABLE a;\n");
    expect(statements.map((s) => [s.kind, s.at])).toEqual([
      ['SelectStmt', '1:1'],
      ['ParseError', '2:1'],
    ]);
  });
});

describe('template placeholders', () => {
  it('are replaced by same-length identifiers, keeping columns', () => {
    const statements = parse('ALTER TABLE {{ .Schema }}.users ADD COLUMN x int; CREATE INDEX i ON t (a);', [/\{\{[^}]*\}\}/g]);
    expect(statements.map((s) => [s.kind, s.at])).toEqual([
      ['AlterTableStmt', '1:1'],
      ['IndexStmt', '1:51'],
    ]);
  });

  it('without a pattern, templated SQL is a syntax error, not a crash', () => {
    expect(parse('ALTER TABLE {{ .Schema }}.users ADD COLUMN x int;')[0]!.kind).toBe('ParseError');
  });
});

describe('procedural bodies', () => {
  it('lints statements inside DO blocks at their line and column', () => {
    const statements = parse('DO $$\nBEGIN\n  IF true THEN\n    ALTER TABLE t\n      DROP COLUMN c;\n  END IF;\nEND $$;\n');
    expect(statements.map((s) => [s.kind, s.origin, s.at])).toEqual([
      ['DoStmt', 'top', '1:1'],
      ['AlterTableStmt', 'do-block', '4:5'],
    ]);
  });

  it('marks statements in PL/pgSQL function bodies, and skips other languages', () => {
    const statements = parse(
      "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n  UPDATE counters SET n = n + 1;\n  RETURN NEW;\nEND $body$;\nCREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
    );
    expect(statements.map((s) => [s.kind, s.origin, s.at])).toEqual([
      ['CreateFunctionStmt', 'top', '1:1'],
      ['UpdateStmt', 'function-body', '3:3'],
      ['CreateFunctionStmt', 'top', '6:1'],
    ]);
  });
});
