// `migsafe stats --database-url ...`: the size of every table of a live database, read from the
// planner's statistics (pg_class.reltuples and relpages, kept by VACUUM and ANALYZE) and the size
// functions, so that lint can say how long a scan or rewrite holds its lock. It only reads: one
// READ ONLY transaction (PostgreSQL refuses any write in it), rolled back, with a statement timeout;
// nothing counts rows (count(*) would scan every table).
// https://www.postgresql.org/docs/current/catalog-pg-class.html
// https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-DBSIZE
import type { TableStatsFile } from '../engine/table-stats.js';
import { clientConfigOf, connect, ServerError, TIMEOUTS } from './server.js';

// Partitioned parents hold no rows: theirs are the sum of their leaf partitions (PostgreSQL 12+).
const TABLES_SQL = `
SELECT CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END AS name,
       c.relkind AS kind,
       CASE WHEN c.relkind = 'p' THEN (SELECT sum(greatest(l.reltuples, 0)) FROM pg_partition_tree(c.oid) t JOIN pg_class l ON l.oid = t.relid WHERE t.isleaf)
            WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples END AS rows,
       CASE WHEN c.relkind = 'p' THEN (SELECT sum(pg_table_size(t.relid)) FROM pg_partition_tree(c.oid) t WHERE t.isleaf) ELSE pg_table_size(c.oid) END AS table_bytes,
       CASE WHEN c.relkind = 'p' THEN (SELECT sum(pg_indexes_size(t.relid)) FROM pg_partition_tree(c.oid) t WHERE t.isleaf) ELSE pg_indexes_size(c.oid) END AS index_bytes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
ORDER BY 1`;

export async function collectTableStats(url: string): Promise<TableStatsFile> {
  const { config, where } = await clientConfigOf(url);
  const client = await connect({ ...config, query_timeout: TIMEOUTS.adminStatementMs }, where);
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${TIMEOUTS.adminStatementMs}`);
    const [{ version, database }] = (await client.query<{ version: string; database: string }>("SELECT current_setting('server_version') AS version, current_database() AS database")).rows as [{ version: string; database: string }];
    const rows = (await client.query<{ name: string; kind: string; rows: string | null; table_bytes: string | null; index_bytes: string | null }>(TABLES_SQL)).rows;
    await client.query('ROLLBACK');
    const tables: TableStatsFile['tables'] = {};
    for (const row of rows) {
      tables[row.name] = {
        // null: never vacuumed or analyzed, so PostgreSQL does not know (reltuples = -1).
        rows: row.rows === null ? null : Math.round(Number(row.rows)),
        tableBytes: Number(row.table_bytes ?? 0),
        indexBytes: Number(row.index_bytes ?? 0),
      };
    }
    return { migsafe: 'table-stats', version: 1, collectedAt: new Date().toISOString(), server: `PostgreSQL ${version}`, database, tables };
  } catch (error) {
    if (error instanceof ServerError) throw error;
    throw new ServerError(`cannot read table statistics from ${where}: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
