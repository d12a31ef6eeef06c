/**
 * A second independent Parquet reader for tests, backed by hyparquet (pure JS, no code shared
 * with DuckDB or with the engine's encoder). Values come out in the same plain forms as
 * `duckdb-parquet.ts` gives, so the two readers can be compared value for value.
 */
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { parquetMetadata, parquetReadObjects, type SchemaElement } from 'hyparquet'
import type { ParquetColumn, ParquetContents } from './duckdb-parquet'

const pad = (n: number | bigint, width: number) => n.toString().padStart(width, '0')

function formatDays(days: number): string {
  const d = new Date(days * 86_400_000)
  const y = d.getUTCFullYear()
  return `${y < 0 ? `-${pad(-y, 4)}` : pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`
}

function formatMicros(micros: bigint): string {
  let days = micros / 86_400_000_000n
  let rest = micros % 86_400_000_000n
  if (rest < 0n) {
    rest += 86_400_000_000n
    days -= 1n
  }
  const seconds = rest / 1_000_000n
  const s = Number(seconds)
  return `${formatDays(Number(days))}T${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor((s % 3600) / 60), 2)}:${pad(s % 60, 2)}.${pad(rest % 1_000_000n, 6)}Z`
}

/** The DuckDB type name of a leaf, so both readers' columns compare directly. */
function typeName(e: SchemaElement): string {
  const logical = e.logical_type
  if (e.converted_type === 'DECIMAL') return `DECIMAL(${e.precision},${e.scale ?? 0})`
  if (e.converted_type === 'DATE') return 'DATE'
  if (logical?.type === 'TIMESTAMP') return logical.isAdjustedToUTC ? 'TIMESTAMP WITH TIME ZONE' : 'TIMESTAMP'
  if (e.converted_type === 'UTF8' || logical?.type === 'STRING') return 'VARCHAR'
  switch (e.type) {
    case 'BOOLEAN':
      return 'BOOLEAN'
    case 'INT32':
      return 'INTEGER'
    case 'INT64':
      return 'BIGINT'
    case 'DOUBLE':
      return 'DOUBLE'
    default:
      return String(e.type)
  }
}

/** Reads Parquet files with hyparquet into DuckDB-helper forms (decimals as numbers, see `sameDecimal`). */
export async function readParquetHyparquet(path: string | string[]): Promise<ParquetContents & { elements: SchemaElement[] }> {
  const paths = Array.isArray(path) ? path : [path]
  let columns: ParquetColumn[] = []
  let elements: SchemaElement[] = []
  const rows: Record<string, unknown>[] = []
  for (const p of paths) {
    const bytes = readFileSync(p)
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    const metadata = parquetMetadata(file)
    elements = metadata.schema.slice(1)
    columns = elements.map((e) => ({ name: e.name, type: typeName(e) }))
    const objects = await parquetReadObjects({
      file,
      metadata,
      compressors: { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) },
      parsers: {
        timestampFromMicroseconds: (v: bigint | number) => formatMicros(BigInt(v)),
        timestampFromMilliseconds: (v: bigint | number) => formatMicros(BigInt(v) * 1000n),
        timestampFromNanoseconds: (v: bigint | number) => formatMicros(BigInt(v) / 1000n),
        dateFromDays: (v: number) => formatDays(v),
        stringFromBytes: (v: Uint8Array | undefined) => (v === undefined ? v : new TextDecoder().decode(v)),
      } as never,
    })
    for (const o of objects) {
      const row: Record<string, unknown> = {}
      for (const e of elements) {
        const v = o[e.name]
        row[e.name] = v === undefined || v === null ? null : typeof v === 'bigint' ? v.toString() : v
      }
      rows.push(row)
    }
  }
  return { columns, rows, elements }
}

/** hyparquet reads decimals as doubles: equal when the exact text rounds to that double. */
function sameDecimal(exact: string, approx: number): boolean {
  const x = Number(exact)
  return x === approx || Math.abs(x - approx) <= Math.abs(x) * 1e-15
}

/**
 * Throws unless hyparquet reads the same columns, types and values as DuckDB did. DuckDB's
 * doubles are compared with Object.is, so NaN and -0 count.
 */
export async function assertHyparquetAgrees(path: string | string[], duck: ParquetContents): Promise<void> {
  const hyp = await readParquetHyparquet(path)
  const where = Array.isArray(path) ? path.join(', ') : path
  if (JSON.stringify(hyp.columns) !== JSON.stringify(duck.columns)) {
    throw new Error(`hyparquet and DuckDB disagree on the columns of ${where}: ${JSON.stringify(hyp.columns)} vs ${JSON.stringify(duck.columns)}`)
  }
  if (hyp.rows.length !== duck.rows.length) throw new Error(`hyparquet read ${hyp.rows.length} rows of ${where}, DuckDB ${duck.rows.length}`)
  const decimal = new Set(duck.columns.filter((c) => c.type.startsWith('DECIMAL')).map((c) => c.name))
  for (let i = 0; i < duck.rows.length; i++) {
    for (const { name } of duck.columns) {
      const d = duck.rows[i][name]
      const h = hyp.rows[i][name]
      const same = decimal.has(name) && d !== null && h !== null ? sameDecimal(String(d), Number(h)) : Object.is(d, h)
      if (!same) throw new Error(`hyparquet and DuckDB disagree on row ${i}, column ${name} of ${where}: ${JSON.stringify(h)} vs ${JSON.stringify(d)}`)
    }
  }
}
