import { DuckDBInstance, JsonDuckDBValueConverter, StatementType, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api'
import type { Catalog, CatalogColumn, TableInput } from '../../functions/core/lake/catalog'
import { SluiceError } from '../../functions/core/errors'
import { metadataLocationOf } from '../../functions/core/table-format/iceberg/iceberg-table-input'
import { SnapshotNotFoundError } from '../../functions/core/table-format/iceberg/time-travel'
import type { TableState } from '../../functions/core/table-format/table-format'
import { icebergTableFormat } from '../../functions/adapters/iceberg-table-format'
import { NotFoundError } from '../lake-checks'
import { UsageError } from '../usage-error'
import type { PartitionFiles } from './partition-files'
import { collectRows, type RowStream } from './row-stream'

/** Rows of a query, with its column names in order. */
export interface QueryResult {
  columns: string[]
  rows: Record<string, unknown>[]
}

export interface LakeQuery {
  /** The whole result in memory: for small results. */
  query(sql: string): Promise<QueryResult>
  /** The result chunk by chunk as DuckDB produces it: any size in constant memory. */
  stream(sql: string): Promise<RowStream>
  close(): void
}

/** SQL that DuckDB cannot parse, bind or run: the user's query, not sluice, is at fault. */
export class QueryError extends SluiceError {}

export interface LakeQueryOptions {
  /** Read every Iceberg table as of this time or snapshot id; Hive tables are then not defined. */
  asOf?: Date | number
}

/**
 * DuckDB standing in for Athena: every catalog table is a view, reachable as `<table>` and
 * `<database>.<table>`. A Hive table's view is over the Parquet files of its registered
 * partitions only (what Athena would see), with the partition columns from the paths and the
 * catalog's column types. An Iceberg table's view is over its current snapshot's data files only
 * (or the snapshot as of `options.asOf`), with partition values from the manifests and each
 * column found by field id under any name the table's name mapping gives it, cast to its type
 * now. Columns no file has yet read as null.
 */
export async function openLakeQuery(catalog: Catalog, database: string, files: PartitionFiles, options: LakeQueryOptions = {}): Promise<LakeQuery> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  await connection.run(`SET TimeZone = 'UTC'`)
  await connection.run(`CREATE SCHEMA IF NOT EXISTS ${ident(database)}`)
  const tables = await catalog.listTables(database)
  const defined: string[] = []
  // As of a time before a table's first snapshot, the table is not defined; a query of it says why.
  const undefinedAsOf = new Map<string, Error>()
  try {
    for (const table of tables) {
      let select: string
      if (metadataLocationOf(table)) {
        const format = icebergTableFormat({ store: files.storeOf(table.StorageDescriptor.Location), catalog, database })
        const state = await format.readTable(table.Name, options).catch((e: Error) => {
          if (!(e instanceof SnapshotNotFoundError)) throw e
          undefinedAsOf.set(table.Name, e)
          return undefined
        })
        if (!state) continue
        select = await icebergSelect(connection, state, await files.dataFiles(state.files.map((f) => f.location)))
      } else {
        if (options.asOf !== undefined) continue
        const paths = (await Promise.all((await catalog.listPartitions(database, table.Name)).map((p) => files(p.StorageDescriptor.Location)))).flat()
        select = await tableSelect(connection, table, paths)
      }
      await connection.run(`CREATE VIEW ${ident(database)}.${ident(table.Name)} AS ${select}`)
      if (database !== 'main') await connection.run(`CREATE VIEW main.${ident(table.Name)} AS SELECT * FROM ${ident(database)}.${ident(table.Name)}`)
      defined.push(table.Name)
    }
  } catch (e) {
    connection.closeSync()
    instance.closeSync()
    throw e
  }
  const hive = options.asOf === undefined ? [] : tables.filter((t) => !metadataLocationOf(t)).map((t) => t.Name)
  const fail = (e: Error) => queryError(e, database, defined, hive, undefinedAsOf)
  async function stream(sql: string): Promise<RowStream> {
    const result = await connection.stream(sql).catch((e: Error) => {
      throw fail(e)
    })
    const columns = result.columnNames()
    const convert = rowConverter(result.columnTypes())
    async function* batches() {
      try {
        for await (const chunk of result) {
          yield { size: chunk.rowCount, rows: () => chunk.convertRows(JsonDuckDBValueConverter).map(convert) }
        }
      } catch (e) {
        throw fail(e as Error)
      }
    }
    return { columns, batches: batches(), count: () => countRows(connection, sql) }
  }
  return {
    query: async (sql) => collectRows(await stream(sql)),
    stream,
    close() {
      connection.closeSync()
      instance.closeSync()
    },
  }
}

/**
 * DuckDB's error as one line of the query's domain; a missing table lists the lake's tables,
 * and a table left out of an as-of query says why: a Hive table (`hive`), or an Iceberg table
 * with no snapshot as of then (its SnapshotNotFoundError).
 */
function queryError(e: Error, database: string, tables: string[], hive: string[] = [], undefinedAsOf = new Map<string, Error>()): Error {
  // DuckDB would suggest one of its own system tables; the lake's tables are what was meant.
  const missing = /Table with name "?([^"\s!]+)"? does not exist/.exec(e.message)?.[1]
  const asOf = missing && undefinedAsOf.get(missing)
  if (asOf) return asOf
  if (missing && hive.includes(missing)) {
    return new UsageError(`query: ${missing} is a Hive table; --as-of reads Iceberg tables only`, { cause: e })
  }
  if (missing) {
    const names = [...tables].sort()
    const known = names.length > 0 ? `tables: ${names.join(', ')}` : 'it has no tables yet (run `sluice run` first)'
    return new NotFoundError(`query: no table ${missing} in database ${database}; ${known}`, { cause: e })
  }
  // "Parser Error: syntax error at or near …" and the like, on one line, without DuckDB's kind.
  const [first, ...rest] = e.message.split('\n').map((l) => l.trim()).filter((l) => l !== '')
  const where = rest.find((l) => /^LINE \d+:/.test(l))
  const text = first!.replace(/^Failed to extract statements: /, '').replace(/^[A-Za-z ]+ Error: /, '')
  return new QueryError(`query: ${text}${where && !text.includes(where) ? ` (${where})` : ''}`, { cause: e })
}

/**
 * The rows a single SELECT gives, counted by DuckDB (from Parquet metadata where it can)
 * rather than fetched: fetched chunks hold native memory until the JS heap collects them,
 * which counting alone never makes it do. Other SQL: undefined.
 */
async function countRows(connection: DuckDBConnection, sql: string): Promise<number | undefined> {
  try {
    const extracted = await connection.extractStatements(sql)
    if (extracted.count !== 1 || (await extracted.prepare(0)).statementType !== StatementType.SELECT) return undefined
    const body = sql.trim().replace(/;\s*$/, '')
    const reader = await connection.runAndReadAll(`SELECT count(*) FROM (\n${body}\n)`)
    return Number(reader.getRows()[0]![0])
  } catch {
    return undefined
  }
}

/** BIGINT and larger come as strings from the JSON converter: numbers when exact. */
function rowConverter(types: DuckDBType[]): (row: unknown[]) => unknown[] {
  const integers = types.map((t, i) => (/^(BIGINT|UBIGINT|HUGEINT|UHUGEINT)$/.test(t.toString()) ? i : -1)).filter((i) => i >= 0)
  if (integers.length === 0) return (row) => row
  return (row) => {
    for (const i of integers) {
      const v = row[i]
      if (typeof v === 'string' && Number.isSafeInteger(Number(v))) row[i] = Number(v)
    }
    return row
  }
}

async function tableSelect(connection: DuckDBConnection, table: TableInput, paths: string[]): Promise<string> {
  const columns = [...table.StorageDescriptor.Columns, ...table.PartitionKeys]
  if (paths.length === 0) return emptySelect(columns)
  const hiveTypes = table.PartitionKeys.map((k) => `${literal(k.Name)}: ${literal(duckType(k.Type))}`).join(', ')
  const source = `read_parquet([${paths.map(literal).join(', ')}], hive_partitioning = true, union_by_name = true${hiveTypes ? `, hive_types = {${hiveTypes}}` : ''})`
  const present = new Set((await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJson().map((r) => String(r['column_name'])))
  const projection = columns.map((c) => {
    const type = duckType(c.Type)
    return present.has(c.Name) ? `CAST(${ident(c.Name)} AS ${type}) AS ${ident(c.Name)}` : `CAST(NULL AS ${type}) AS ${ident(c.Name)}`
  })
  return `SELECT ${projection.join(', ')} FROM ${source}`
}

/** The column of `read_parquet` naming each row's file, which joins it to its partition values. */
const FILE_COLUMN = '__sluice_file'

/**
 * The view of an Iceberg table over its data files (`paths`, local, in the order of
 * `state.files`): each data column is the first of the names it may have in a file (the name
 * mapping's names for its field id) that the file holds, cast to its type now; the partition
 * columns are each file's values from the manifests, joined by file name.
 */
async function icebergSelect(connection: DuckDBConnection, state: TableState, paths: string[]): Promise<string> {
  if (paths.length === 0) return emptySelect(state.columns)
  const source = `read_parquet([${paths.map(literal).join(', ')}], hive_partitioning = false, union_by_name = true, filename = ${literal(FILE_COLUMN)})`
  const present = new Set((await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJson().map((r) => String(r['column_name'])))
  const partitions = state.partitionColumns.map((name, i) => ({ name, alias: `p${i}`, type: duckType(state.columns.find((c) => c.Name === name)?.Type ?? 'string') }))
  const projection = state.columns.map((c) => {
    const type = duckType(c.Type)
    const partition = partitions.find((p) => p.name === c.Name)
    if (partition) return `CAST(p.${partition.alias} AS ${type}) AS ${ident(c.Name)}`
    const names = (state.fileColumnNames?.[c.Name] ?? [c.Name]).filter((n) => present.has(n))
    const values = names.map((n) => `CAST(f.${ident(n)} AS ${type})`)
    const value = values.length === 0 ? `CAST(NULL AS ${type})` : values.length === 1 ? values[0] : `COALESCE(${values.join(', ')})`
    return `${value} AS ${ident(c.Name)}`
  })
  const rows = state.files.map((file, i) => `(${[literal(paths[i]!), ...partitions.map((p) => (file.partition[p.name] ? literal(file.partition[p.name]!) : 'NULL'))].join(', ')})`)
  const values = `(VALUES ${rows.join(', ')}) AS p(${[FILE_COLUMN, ...partitions.map((p) => p.alias)].map(ident).join(', ')})`
  return `SELECT ${projection.join(', ')} FROM ${source} AS f JOIN ${values} ON f.${ident(FILE_COLUMN)} = p.${ident(FILE_COLUMN)}`
}

function emptySelect(columns: CatalogColumn[]): string {
  return `SELECT ${columns.map((c) => `CAST(NULL AS ${duckType(c.Type)}) AS ${ident(c.Name)}`).join(', ')} WHERE false`
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
