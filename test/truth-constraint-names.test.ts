// The names PostgreSQL gives constraints declared without one, against the catalog's: a migration
// that drops `orders_status_check` drops the unnamed CHECK an earlier one declared, so migsafe's
// replay must name it the same way (observed on PGlite's pg_constraint).
import { loadModule, parseSync } from 'libpg-query';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Catalog } from '../src/engine/catalog.js';
import type { AstNode } from '../src/engine/types.js';
import { openPglite, type Database } from '../src/trace/database.js';

const SCHEMA = `
CREATE TABLE customers (id bigint PRIMARY KEY, code text UNIQUE);
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  status text CHECK (status IN ('new', 'paid')),
  total int CHECK (total >= 0) CHECK (total < 1000000),
  customer_id bigint REFERENCES customers (id),
  a int, b int,
  CHECK (a < b),
  UNIQUE (a, b),
  FOREIGN KEY (customer_id) REFERENCES customers (id),
  EXCLUDE USING btree (b WITH =)
);
ALTER TABLE orders ADD CHECK (a > 0);
ALTER TABLE orders ADD COLUMN c int CHECK (c <> 0) UNIQUE;
`;

let db: Database;
beforeAll(async () => {
  await loadModule();
  db = await openPglite();
}, 60_000);
afterAll(async () => {
  await db?.close();
});

it('the catalog names unnamed constraints as PostgreSQL does', async () => {
  await db.exec(SCHEMA);
  const observed = await db.query<{ table: string; name: string }>(
    "SELECT c.relname AS table, con.conname AS name FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid WHERE c.relname IN ('customers', 'orders') AND con.contype <> 'n' ORDER BY 1, 2",
  );
  const catalog = new Catalog();
  for (const { stmt } of parseSync(SCHEMA).stmts!) catalog.apply(stmt as AstNode);
  const modelled = ['customers', 'orders'].flatMap((table) => [...catalog.table(table)!.constraints.keys()].map((name) => ({ table, name }))).sort((x, y) => x.table.localeCompare(y.table) || x.name.localeCompare(y.name));
  expect(modelled).toEqual(observed);
  expect(observed.map((o) => o.name)).toContain('orders_status_check');
});
