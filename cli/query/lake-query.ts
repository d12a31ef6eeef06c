import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import type { Catalog, TableInput } from '../../functions/core/lake/catalog'
import { NotFoundError } from '../lake-checks'
import type { PartitionFiles } from './partition-files'

/** Rows of a query, with its column names in order. */
export interface QueryResult {
  columns: string[]
  rows: Record<string, unknown>[]
}

export interface LakeQuery {
  query(sql: string): Promise<QueryResult>
  close(): void
}

/**
 * DuckDB standing in for Athena: every catalog table is a view, reachable as `<table>` and
 * `<database>.<table>`, over the Parquet files of its registered partitions only (what
 * Athena would see), with the partition columns from the paths and the catalog's column
 * types. Columns no file has yet read as null.
 */
export async function openLakeQuery(catalog: Catalog, database: string, files: PartitionFiles): Promise<LakeQuery> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  await connection.run(`SET TimeZone = 'UTC'`)
  await connection.run(`CREATE SCHEMA IF NOT EXISTS ${ident(database)}`)
  const tables = await catalog.listTables(database)
  for (const table of tables) {
    const paths = (await Promise.all((await catalog.listPartitions(database, table.Name)).map((p) => files(p.StorageDescriptor.Location)))).flat()
    const select = await tableSelect(connection, table, paths)
    await connection.run(`CREATE VIEW ${ident(database)}.${ident(table.Name)} AS ${select}`)
    if (database !== 'main') await connection.run(`CREATE VIEW main.${ident(table.Name)} AS SELECT * FROM ${ident(database)}.${ident(table.Name)}`)
  }
  return {
    async query(sql) {
      const reader = await connection.runAndReadAll(sql).catch((e: Error) => {
        // DuckDB would suggest one of its own system tables; the lake's tables are what was meant.
        const missing = /Table with name "?([^"\s!]+)"? does not exist/.exec(e.message)?.[1]
        if (!missing) throw e
        const names = tables.map((t) => t.Name).sort()
        const known = names.length > 0 ? `tables: ${names.join(', ')}` : 'it has no tables yet (run `sluice run` first)'
        throw new NotFoundError(`query: no table ${missing} in database ${database}; ${known}`, { cause: e })
      })
      const columns = reader.columnNames()
      // BIGINT and larger come as strings from getRowObjectsJson: numbers when exact.
      const integers = reader.columnTypes().map((t) => /^(BIGINT|UBIGINT|HUGEINT|UHUGEINT)$/.test(t.toString()))
      const rows = (reader.getRowObjectsJson() as Record<string, unknown>[]).map((row) => {
        columns.forEach((c, i) => {
          const v = row[c]
          if (integers[i] && typeof v === 'string' && Number.isSafeInteger(Number(v))) row[c] = Number(v)
        })
        return row
      })
      return { columns, rows }
    },
    close() {
      connection.closeSync()
      instance.closeSync()
    },
  }
}

async function tableSelect(connection: DuckDBConnection, table: TableInput, paths: string[]): Promise<string> {
  const columns = [...table.StorageDescriptor.Columns, ...table.PartitionKeys]
  if (paths.length === 0) {
    return `SELECT ${columns.map((c) => `CAST(NULL AS ${duckType(c.Type)}) AS ${ident(c.Name)}`).join(', ')} WHERE false`
  }
  const hiveTypes = table.PartitionKeys.map((k) => `${literal(k.Name)}: ${literal(duckType(k.Type))}`).join(', ')
  const source = `read_parquet([${paths.map(literal).join(', ')}], hive_partitioning = true, union_by_name = true${hiveTypes ? `, hive_types = {${hiveTypes}}` : ''})`
  const present = new Set((await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJson().map((r) => String(r['column_name'])))
  const projection = columns.map((c) => {
    const type = duckType(c.Type)
    return present.has(c.Name) ? `CAST(${ident(c.Name)} AS ${type}) AS ${ident(c.Name)}` : `CAST(NULL AS ${type}) AS ${ident(c.Name)}`
  })
  return `SELECT ${projection.join(', ')} FROM ${source}`
}

/** Athena type name → DuckDB type. Athena timestamps carry no zone: UTC wall time. */
function duckType(athena: string): string {
  const t = athena.toLowerCase()
  if (t === 'string' || t.startsWith('varchar')) return 'VARCHAR'
  if (t === 'int' || t === 'integer') return 'INTEGER'
  if (t === 'timestamp') return 'TIMESTAMP'
  return t.toUpperCase()
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`
