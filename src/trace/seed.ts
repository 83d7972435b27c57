// --seed-rows N: N generated rows in every table, so that data-dependent failures show (NOT NULL
// without default, a unique constraint on duplicates, a narrowing type change) and so that a down
// that loses data written before up can be caught.
import type { Database } from './database.js';
import { quote } from './snapshot.js';

interface ColumnRow {
  schema: string;
  table: string;
  column: string;
  type: string;
  typeoid: number;
  typtype: string;
  notnull: boolean;
  hasdefault: boolean;
  generated: string;
  identity: string;
  fk_schema: string | null;
  fk_table: string | null;
  fk_column: string | null;
}

export interface SeedReport {
  seeded: string[];
  /** Tables whose generated rows PostgreSQL refused, with its reason. */
  failed: { table: string; reason: string }[];
}

export async function seedRows(db: Database, rows: number): Promise<SeedReport> {
  const columns = await db.query<ColumnRow>(`
    SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
           a.atttypid::int AS typeoid, t.typtype, a.attnotnull AS notnull, a.atthasdef AS hasdefault,
           a.attgenerated AS generated, a.attidentity AS identity,
           fn.nspname AS fk_schema, fc.relname AS fk_table, fa.attname AS fk_column
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r','p')
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_constraint fk ON fk.conrelid = c.oid AND fk.contype = 'f' AND array_length(fk.conkey, 1) = 1 AND fk.conkey[1] = a.attnum
    LEFT JOIN pg_class fc ON fc.oid = fk.confrelid
    LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
    LEFT JOIN pg_attribute fa ON fa.attrelid = fk.confrelid AND fa.attnum = fk.confkey[1]
    WHERE n.nspname NOT IN ('pg_catalog','information_schema','pg_toast') AND n.nspname NOT LIKE 'pg\\_%'
      AND a.attnum > 0 AND NOT a.attisdropped
      AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)
    ORDER BY n.nspname, c.relname, a.attnum`);
  const tables = new Map<string, ColumnRow[]>();
  for (const column of columns) {
    const key = `${column.schema}.${column.table}`;
    tables.set(key, [...(tables.get(key) ?? []), column]);
  }
  // Referenced tables first, so foreign keys find rows.
  const ordered: string[] = [];
  const visit = (key: string, path: Set<string>) => {
    if (ordered.includes(key) || path.has(key)) return;
    path.add(key);
    for (const column of tables.get(key) ?? []) {
      if (column.fk_table) visit(`${column.fk_schema}.${column.fk_table}`, path);
    }
    ordered.push(key);
  };
  for (const key of tables.keys()) visit(key, new Set());

  const report: SeedReport = { seeded: [], failed: [] };
  for (const key of ordered) {
    const cols = (tables.get(key) ?? []).filter((c) => !c.generated && !c.identity && !(c.hasdefault && c.notnull));
    if (cols.length === 0) continue;
    const [schema, name] = [tables.get(key)![0]!.schema, tables.get(key)![0]!.table];
    const values = cols.map((c) => valueFor(c, key));
    const sql = `INSERT INTO ${quote(schema)}.${quote(name)} (${cols.map((c) => quote(c.column)).join(', ')}) SELECT ${values.join(', ')} FROM generate_series(1, ${rows}) AS g`;
    try {
      await db.exec(sql);
      report.seeded.push(key);
    } catch (error) {
      report.failed.push({ table: key, reason: String((error as Error).message).split('\n')[0]! });
    }
  }
  return report;
}

function valueFor(column: ColumnRow, tableKey: string): string {
  if (column.fk_table) {
    const ref = `${quote(column.fk_schema!)}.${quote(column.fk_table)}`;
    if (`${column.fk_schema}.${column.fk_table}` === tableKey) return 'NULL';
    return `(SELECT ${quote(column.fk_column!)} FROM ${ref} ORDER BY 1 OFFSET (g % greatest(1, (SELECT count(*) FROM ${ref}))) LIMIT 1)`;
  }
  const type = column.type.toLowerCase();
  const cast = (sql: string) => `(${sql})::${column.type}`;
  if (column.typtype === 'e') return `(SELECT enumlabel FROM pg_enum WHERE enumtypid = ${column.typeoid} ORDER BY enumsortorder LIMIT 1)::${column.type}`;
  if (type.endsWith('[]')) return `'{}'::${column.type}`;
  if (/^(smallint|integer|bigint|numeric|real|double precision|money|oid)/.test(type)) return cast('g');
  if (/^(character varying|character|text|citext|name)/.test(type)) {
    const length = /\((\d+)\)/.exec(type)?.[1];
    return cast(length ? `left('s' || g, ${length})` : `'seed ' || g`);
  }
  if (type === 'boolean') return '(g % 2 = 0)';
  if (type === 'uuid') return 'md5(g::text)::uuid';
  if (/^timestamp/.test(type)) return cast(`now() - g * interval '1 minute'`);
  if (type === 'date') return `current_date - g`;
  if (/^time/.test(type)) return cast(`'12:00'`);
  if (type === 'interval') return `g * interval '1 day'`;
  if (type === 'json' || type === 'jsonb') return cast(`json_build_object('n', g)::text`);
  if (type === 'bytea') return `decode(md5(g::text), 'hex')`;
  if (type === 'inet' || type === 'cidr') return cast(`'10.0.' || (g / 250) || '.' || (g % 250)`);
  if (type === 'tsvector') return `to_tsvector('seed')`;
  return column.notnull ? cast(`'seed ' || g`) : 'NULL';
}
