// A schema snapshot from the catalogs (what `\d` would show for every user object) and a data
// fingerprint per table, to compare the database before up and after up + down.
import type { Database } from './database.js';

const USER_SCHEMA = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_temp%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp%'`;
// Objects created by an extension come and go with it: compare the extension, not its members.
const NOT_EXTENSION_MEMBER = (oid: string) => `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = ${oid} AND d.deptype = 'e')`;

export type Snapshot = Map<string, string>;

export async function schemaSnapshot(db: Database): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  const add = (key: string, value: string) => snapshot.set(key, value);
  for (const r of await db.query<{ name: string; kind: string }>(
    `SELECT n.nspname || '.' || c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${USER_SCHEMA} AND c.relkind IN ('r','p','v','m','S','f') AND ${NOT_EXTENSION_MEMBER('c.oid')}`,
  )) {
    const kind = { r: 'table', p: 'table', v: 'view', m: 'materialized view', S: 'sequence', f: 'foreign table' }[r.kind] ?? 'relation';
    add(`${kind} ${r.name}`, kind);
  }
  for (const r of await db.query<{ name: string; type: string; notnull: boolean; def: string | null }>(
    `SELECT n.nspname || '.' || c.relname || '.' || a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS def
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE ${USER_SCHEMA} AND c.relkind IN ('r','p') AND a.attnum > 0 AND NOT a.attisdropped AND ${NOT_EXTENSION_MEMBER('c.oid')}`,
  )) {
    add(`column ${r.name}`, `${r.type}${r.notnull ? ' NOT NULL' : ''}${r.def ? ` DEFAULT ${r.def}` : ''}`);
  }
  for (const r of await db.query<{ name: string; def: string }>(
    `SELECT n.nspname || '.' || c.relname AS name, pg_get_indexdef(c.oid) AS def FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${USER_SCHEMA} AND c.relkind IN ('i','I') AND ${NOT_EXTENSION_MEMBER('c.oid')}`,
  )) {
    add(`index ${r.name}`, r.def);
  }
  for (const r of await db.query<{ name: string; def: string; validated: boolean }>(
    `SELECT n.nspname || '.' || cl.relname || '.' || con.conname AS name, pg_get_constraintdef(con.oid) AS def, con.convalidated AS validated
     FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
     WHERE ${USER_SCHEMA} AND con.contype <> 'n'`,
  )) {
    add(`constraint ${r.name}`, `${r.def}${r.validated ? '' : ' NOT VALID'}`);
  }
  for (const r of await db.query<{ name: string; labels: string }>(
    `SELECT n.nspname || '.' || t.typname AS name, string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) AS labels
     FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE ${USER_SCHEMA} AND ${NOT_EXTENSION_MEMBER('t.oid')} GROUP BY 1`,
  )) {
    add(`type ${r.name}`, `enum (${r.labels})`);
  }
  for (const r of await db.query<{ name: string; src: string }>(
    `SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name, md5(p.prosrc) AS src
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${USER_SCHEMA} AND ${NOT_EXTENSION_MEMBER('p.oid')}`,
  )) {
    add(`function ${r.name}`, `definition ${r.src.slice(0, 8)}`);
  }
  for (const r of await db.query<{ name: string; def: string }>(
    `SELECT schemaname || '.' || viewname AS name, definition AS def FROM pg_views WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
  )) {
    add(`view ${r.name}`, hashed(r.def));
  }
  for (const r of await db.query<{ name: string; table: string }>(
    `SELECT t.tgname AS name, n.nspname || '.' || c.relname AS table FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND ${USER_SCHEMA}`,
  )) {
    add(`trigger ${r.table}.${r.name}`, 'trigger');
  }
  for (const r of await db.query<{ name: string }>(`SELECT extname AS name FROM pg_extension WHERE extname <> 'plpgsql'`)) add(`extension ${r.name}`, 'extension');
  for (const r of await db.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace n WHERE ${USER_SCHEMA} AND nspname <> 'public'`)) add(`schema ${r.name}`, 'schema');
  return snapshot;
}

/** What changed between two snapshots, in words: "leaves type public.user_status", ... */
/** Long definitions are compared by hash, and shown as one. */
function hashed(definition: string): string {
  let hash = 0;
  for (let i = 0; i < definition.length; i++) hash = (hash * 31 + definition.charCodeAt(i)) | 0;
  return `definition ${(hash >>> 0).toString(16).padStart(8, '0')}`;
}

export function describeDifferences(before: Snapshot, after: Snapshot): string[] {
  const differences: string[] = [];
  for (const [key, value] of after) {
    if (!before.has(key)) differences.push(`leaves ${display(key)}`);
    else if (before.get(key) !== value) {
      const definition = value.startsWith('definition ');
      differences.push(definition ? `changes ${display(key)} (its definition is not what it was)` : `changes ${display(key)}: ${before.get(key)} → ${value}`);
    }
  }
  for (const key of before.keys()) if (!after.has(key)) differences.push(`removes ${display(key)}, which existed before up`);
  return differences;
}

function display(key: string): string {
  return key.replace(/ public\./, ' ');
}

export interface TableData {
  rows: number;
  checksum: string;
}

/** Row count and a checksum of every row's text, per user table. */
export async function dataFingerprints(db: Database): Promise<Map<string, TableData>> {
  const data = new Map<string, TableData>();
  const tables = await db.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMA} AND c.relkind IN ('r','p')`,
  );
  for (const { schema, name } of tables) {
    const [row] = await db.query<{ rows: string; checksum: string | null }>(
      `SELECT count(*) AS rows, md5(string_agg(t::text, '|' ORDER BY t::text)) AS checksum FROM ${quote(schema)}.${quote(name)} t`,
    );
    data.set(`${schema}.${name}`, { rows: Number(row?.rows ?? 0), checksum: row?.checksum ?? '' });
  }
  return data;
}

export function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
