/**
 * An independent Parquet reader for tests, backed by DuckDB (@duckdb/node-api).
 *
 * Nothing here shares code with the project's own writer, so a round trip
 * "our writer -> DuckDB" is a real check of the files we produce.
 *
 * Values are converted to plain JSON-comparable forms so tests can `toEqual`:
 *
 *   NULL                         -> null
 *   BOOLEAN                      -> boolean
 *   TINYINT/SMALLINT/INTEGER,
 *   UTINYINT/USMALLINT/UINTEGER,
 *   FLOAT/DOUBLE                 -> number
 *   BIGINT/UBIGINT/HUGEINT/
 *   UHUGEINT                     -> exact decimal integer string ("9007199254740993")
 *   DECIMAL(p,s)                 -> exact plain-notation string with exactly s
 *                                   fraction digits ("12.50", "-0.05", "-1234")
 *   DATE                         -> "YYYY-MM-DD"
 *   TIMESTAMP, TIMESTAMP WITH
 *   TIME ZONE, TIMESTAMP_S,
 *   TIMESTAMP_MS                 -> "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC, 6 digits)
 *   TIMESTAMP_NS                 -> "YYYY-MM-DDTHH:MM:SS.fffffffffZ" (9 digits, so
 *                                   nothing is silently truncated)
 *   VARCHAR                      -> string
 *   anything else                -> String(value) (DuckDB's own rendering)
 *
 * Conversions are done from the raw integer fields of DuckDB's value classes
 * (`DuckDBDecimalValue.value/scale`, `DuckDBDateValue.days`,
 * `DuckDBTimestamp*Value.micros|millis|seconds|nanos`), not from `toString()`,
 * so they are exact and independent of DuckDB's display formatting and the
 * session time zone.
 *
 * Things worth knowing about @duckdb/node-api 1.5 (found by trying it):
 * - `getRows()` returns BIGINT/UBIGINT/HUGEINT as JS `bigint`, INTEGER/DOUBLE
 *   as `number`, BOOLEAN as `boolean`, VARCHAR as `string`, NULL as `null`;
 *   everything else is a class instance (DuckDBDecimalValue etc.).
 * - A parquet column written as TIMESTAMP_MILLIS (e.g. by DuckDB's own
 *   TIMESTAMP_MS, or hyparquet-writer's 'TIMESTAMP') is read back by
 *   read_parquet as a plain TIMESTAMP (microseconds) — DESCRIBE says
 *   "TIMESTAMP", not "TIMESTAMP_MS".
 * - `DuckDBDateValue.toString()` of 'infinity' prints "5881580-07-11"; we use
 *   `isFinite` and render "infinity"/"-infinity".
 * - DuckDB's COPY ... (FORMAT parquet) writes HUGEINT as DOUBLE (lossy), so
 *   don't use HUGEINT when generating fixtures with DuckDB.
 * - Setting `TimeZone` in the DuckDBInstance.create() options fails ("icu
 *   extension needs to be loaded ... could not be autoloaded"); `SET
 *   TimeZone='UTC'` on a connection works, so we do that per connection.
 */
import {
  DuckDBConnection,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
} from '@duckdb/node-api'
import { assertHyparquetAgrees } from './hyparquet-parquet'

export interface ParquetColumn {
  name: string
  /** DuckDB type name from DESCRIBE, e.g. BIGINT, DECIMAL(12,2), TIMESTAMP WITH TIME ZONE */
  type: string
}

export interface ParquetContents {
  columns: ParquetColumn[]
  rows: Record<string, unknown>[]
}

export interface ParquetColumnMetadata {
  name: string
  /** Parquet physical type: BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY */
  physicalType: string
  /**
   * Parquet logical type as DuckDB prints it, or null when the file has none, e.g.
   * 'DecimalType(scale=2, precision=12)', 'DateType()',
   * 'TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, MICROS=MicroSeconds(), NANOS=<null>))'.
   * Note DuckDB's own writer leaves it null for DATE/strings/ints and only sets
   * the converted type; other writers (hyparquet-writer) may set both.
   */
  logicalType: string | null
  /** Legacy converted type, e.g. UTF8, DATE, DECIMAL, TIMESTAMP_MICROS, INT_64, or null */
  convertedType: string | null
  /** Codec(s) over all row groups, distinct values joined by ',' — normally one, e.g. SNAPPY, GZIP, UNCOMPRESSED, ZSTD */
  compression: string
  /** Distinct encodings over all row groups joined by ', ', e.g. 'PLAIN', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY' */
  encodings: string
  /**
   * True when every column chunk carries min and max statistics — either the
   * modern min_value/max_value (stats_min_value/stats_max_value) or the legacy
   * min/max (stats_min/stats_max); hyparquet-writer only writes the modern pair,
   * DuckDB writes both. A chunk that is entirely null has no min/max at all,
   * so it counts as having stats when its null_count is present and equals
   * num_values.
   */
  hasStats: boolean
}

export interface ParquetMetadata {
  rowGroups: number
  columns: ParquetColumnMetadata[]
}

let instancePromise: Promise<DuckDBInstance> | null = null

function instance(): Promise<DuckDBInstance> {
  instancePromise ??= DuckDBInstance.create(':memory:')
  return instancePromise
}

/** Open a fresh connection on the shared in-memory instance, with TimeZone=UTC. */
async function connect(): Promise<DuckDBConnection> {
  const conn = await (await instance()).connect()
  await conn.run("SET TimeZone='UTC'")
  return conn
}

async function withConnection<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const conn = await connect()
  try {
    return await fn(conn)
  } finally {
    conn.closeSync()
  }
}

/** SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`
}

function fileList(path: string | string[]): string {
  const paths = Array.isArray(path) ? path : [path]
  if (paths.length === 0) throw new Error('readParquet: no paths given')
  return `[${paths.map(sqlString).join(', ')}]`
}

/**
 * Run arbitrary SQL on the shared DuckDB instance (TimeZone=UTC) and return
 * rows converted like readParquet does. Handy for `COPY ... TO` fixtures or
 * ad-hoc assertions (`SELECT count(*) FROM read_parquet(...)`).
 */
export async function duckQuery(sql: string): Promise<Record<string, unknown>[]> {
  return withConnection(async (conn) => {
    const reader = await conn.runAndReadAll(sql)
    const names = reader.columnNames()
    return reader.getRows().map((row) => {
      const obj: Record<string, unknown> = {}
      row.forEach((v, i) => {
        obj[names[i]!] = toPlain(v)
      })
      return obj
    })
  })
}

/**
 * Read one or more parquet files (schemas must be compatible) with DuckDB. Every read is
 * checked against a second reader (hyparquet): columns, logical types and values must agree.
 */
export async function readParquet(path: string | string[]): Promise<ParquetContents> {
  const contents = await readParquetDuckdb(path)
  await assertHyparquetAgrees(path, contents)
  return contents
}

async function readParquetDuckdb(path: string | string[]): Promise<ParquetContents> {
  const files = fileList(path)
  return withConnection(async (conn) => {
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${files})`)).getRowObjects()
    const columns: ParquetColumn[] = described.map((r) => ({
      name: String(r['column_name']),
      type: String(r['column_type']),
    }))
    const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet(${files})`)
    const names = reader.columnNames()
    const rows = reader.getRows().map((row) => {
      const obj: Record<string, unknown> = {}
      row.forEach((v, i) => {
        obj[names[i]!] = toPlain(v)
      })
      return obj
    })
    return { columns, rows }
  })
}

/** Footer-level facts about one parquet file, via parquet_metadata() and parquet_schema(). */
export async function parquetMetadata(path: string): Promise<ParquetMetadata> {
  const file = sqlString(path)
  return withConnection(async (conn) => {
    const schemaRows = (
      await conn.runAndReadAll(
        `SELECT name, type, logical_type, converted_type, num_children FROM parquet_schema(${file})`,
      )
    ).getRowObjects()
    // parquet_schema lists the flattened schema tree, root first. Leaves (no
    // children) are the column chunks, in the same order as parquet_metadata's column_id.
    const leaves = schemaRows.filter((r) => r['num_children'] === null || Number(r['num_children'] as bigint) === 0)

    const metaRows = (
      await conn.runAndReadAll(
        `SELECT row_group_id, column_id, path_in_schema, compression, encodings,
                stats_min, stats_max, stats_min_value, stats_max_value, stats_null_count, num_values
           FROM parquet_metadata(${file})
          ORDER BY row_group_id, column_id`,
      )
    ).getRowObjects()

    const rowGroupIds = new Set(metaRows.map((r) => String(r['row_group_id'])))

    const columns: ParquetColumnMetadata[] = leaves.map((leaf, leafIndex) => {
      const chunks = metaRows.filter((r) => Number(r['column_id'] as bigint) === leafIndex)
      const compression = distinct(chunks.map((c) => String(c['compression']))).join(',')
      const encodings = distinct(
        chunks.flatMap((c) =>
          String(c['encodings'] ?? '')
            .split(',')
            .map((e) => e.trim())
            .filter((e) => e !== ''),
        ),
      ).join(', ')
      const hasStats =
        chunks.length > 0 &&
        chunks.every((c) => {
          const hasModern = c['stats_min_value'] !== null && c['stats_max_value'] !== null
          const hasLegacy = c['stats_min'] !== null && c['stats_max'] !== null
          const allNull =
            c['stats_null_count'] !== null && String(c['stats_null_count']) === String(c['num_values'])
          return hasModern || hasLegacy || allNull
        })
      return {
        name: String(leaf['name']),
        physicalType: String(leaf['type']),
        logicalType: leaf['logical_type'] === null ? null : String(leaf['logical_type']),
        convertedType: leaf['converted_type'] === null ? null : String(leaf['converted_type']),
        compression,
        encodings,
        hasStats,
      }
    })
    return { rowGroups: rowGroupIds.size, columns }
  })
}

/** Close the shared DuckDB instance (optional; for afterAll). */
export async function closeDuckDb(): Promise<void> {
  const p = instancePromise
  instancePromise = null
  if (p) (await p).closeSync()
}

function distinct<T>(xs: T[]): T[] {
  return [...new Set(xs)]
}

// ---------------------------------------------------------------------------
// Value conversion

/** Convert one DuckDB value (as returned by getRows()) to a JSON-comparable form. */
export function toPlain(v: unknown): unknown {
  if (v === null || v === undefined) return null
  switch (typeof v) {
    case 'boolean':
    case 'number':
    case 'string':
      return v
    case 'bigint':
      return v.toString()
  }
  if (v instanceof DuckDBDecimalValue) return decimalToString(v.value, v.scale)
  if (v instanceof DuckDBDateValue) {
    if (!v.isFinite) return v.days > 0 ? 'infinity' : '-infinity'
    return formatDate(v.days)
  }
  // DuckDBTimestampMicrosecondsValue is an alias of DuckDBTimestampValue.
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) {
    if (!v.isFinite) return v.micros > 0n ? 'infinity' : '-infinity'
    return formatTimestamp(v.micros, 1_000_000n, 6)
  }
  if (v instanceof DuckDBTimestampMillisecondsValue) {
    if (!v.isFinite) return v.millis > 0n ? 'infinity' : '-infinity'
    return formatTimestamp(v.millis * 1000n, 1_000_000n, 6)
  }
  if (v instanceof DuckDBTimestampSecondsValue) {
    if (!v.isFinite) return v.seconds > 0n ? 'infinity' : '-infinity'
    return formatTimestamp(v.seconds * 1_000_000n, 1_000_000n, 6)
  }
  if (v instanceof DuckDBTimestampNanosecondsValue) {
    if (!v.isFinite) return v.nanos > 0n ? 'infinity' : '-infinity'
    return formatTimestamp(v.nanos, 1_000_000_000n, 9)
  }
  return String(v)
}

/** Exact plain-notation decimal from an unscaled integer and a scale. */
export function decimalToString(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n
  const digits = (negative ? -unscaled : unscaled).toString()
  let body: string
  if (scale <= 0) {
    body = digits
  } else {
    const padded = digits.padStart(scale + 1, '0')
    body = `${padded.slice(0, -scale)}.${padded.slice(-scale)}`
  }
  return negative ? `-${body}` : body
}

function floorDivMod(a: bigint, b: bigint): [bigint, bigint] {
  let q = a / b
  let r = a % b
  if (r < 0n) {
    q -= 1n
    r += b
  }
  return [q, r]
}

/** Proleptic Gregorian civil date from days since 1970-01-01 (H. Hinnant's algorithm). */
function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  return { y, m, d }
}

function pad(n: number | bigint, width: number): string {
  return n.toString().padStart(width, '0')
}

function formatDate(days: number): string {
  const { y, m, d } = civilFromDays(days)
  const year = y < 0 ? `-${pad(-y, 4)}` : pad(y, 4)
  return `${year}-${pad(m, 2)}-${pad(d, 2)}`
}

function formatTimestamp(ticks: bigint, ticksPerSecond: bigint, fractionDigits: number): string {
  const [days, tickOfDay] = floorDivMod(ticks, 86_400n * ticksPerSecond)
  const [secOfDay, frac] = floorDivMod(tickOfDay, ticksPerSecond)
  const s = Number(secOfDay)
  const hh = Math.floor(s / 3600)
  const mm = Math.floor((s % 3600) / 60)
  const ss = s % 60
  return `${formatDate(Number(days))}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}.${pad(frac, fractionDigits)}Z`
}
