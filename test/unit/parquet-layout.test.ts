import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import type { TransformOptions, TransformStats } from '../../functions/core/transform/transform-types'
import { closeDuckDb, duckQuery, parquetMetadata, sqlString, type ParquetColumnMetadata } from '../support/duckdb-parquet'
import { readParquetHyparquet } from '../support/hyparquet-parquet'

const ROWS = 50_000
const STATUSES = ['new', 'paid', 'shipped', 'cancelled', 'refunded']

let dir: string
let input: string

/** An orders-like CSV: unique ids and names, few statuses, µs timestamps, dates, decimals with some nulls, booleans. */
function ordersCsv(rows: number): string {
  const lines = ['id,status,customer_name,created_at,order_date,amount,active']
  const start = Date.UTC(2024, 0, 1)
  for (let i = 1; i <= rows; i++) {
    const iso = new Date(start + i * 61_000 + (i % 1000)).toISOString() // ...HH:MM:SS.mmmZ
    const createdAt = `${iso.slice(0, 23)}${String(i % 1000).padStart(3, '0')}Z` // microseconds
    const cents = (i * 7919) % 10_000_000
    const amount = i % 97 === 0 ? '' : `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`
    lines.push(`${i},${STATUSES[i % STATUSES.length]},Customer ${i},${createdAt},${iso.slice(0, 10)},${amount},${i % 3 === 0}`)
  }
  return `${lines.join('\n')}\n`
}

const runs = new Map<string, Promise<{ out: string; stats: TransformStats }>>()

/** Transforms the orders CSV once per set of options, each into its own folder. */
function transformed(options: Partial<TransformOptions> = {}): Promise<{ out: string; stats: TransformStats }> {
  const key = JSON.stringify(options)
  let run = runs.get(key)
  if (!run) {
    const outDir = join(dir, `run-${runs.size}`)
    const out = join(outDir, 'orders.parquet')
    run = transformCsv(fileByteSource(input), localFilePartSink({ out }), { sourceName: input, ...options }).then((stats) => ({ out, stats }))
    runs.set(key, run)
  }
  return run
}

function column(columns: ParquetColumnMetadata[], name: string): ParquetColumnMetadata {
  const found = columns.find((c) => c.name === name)
  if (!found) throw new Error(`no column ${name} in ${columns.map((c) => c.name).join(', ')}`)
  return found
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-layout-'))
  input = join(dir, 'orders.csv')
  writeFileSync(input, ordersCsv(ROWS))
})

afterAll(async () => {
  await closeDuckDb()
  rmSync(dir, { recursive: true, force: true })
})

describe('Parquet layout of a 50k-row file', () => {
  it('infers the expected column types', async () => {
    // Act
    const { stats } = await transformed()

    // Assess
    expect(stats.rowsIn).toBe(ROWS)
    expect(stats.rowsRejected).toBe(0)
    expect(stats.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'bigint'],
      ['status', 'string'],
      ['customer_name', 'string'],
      ['created_at', 'timestamp'],
      ['order_date', 'date'],
      ['amount', 'decimal(18,2)'],
      ['active', 'boolean'],
    ])
  })

  it.each([
    ['SNAPPY', 'by default', undefined],
    ['GZIP', 'with codec gzip', 'gzip'],
    ['UNCOMPRESSED', 'with codec none', 'none'],
  ] as const)('compresses every column chunk with %s %s', async (expected, _label, codec) => {
    // Act
    const { out } = await transformed(codec ? { codec } : {})
    const meta = await parquetMetadata(out)

    // Assess
    expect(meta.columns.map((c) => c.compression)).toEqual(meta.columns.map(() => expected))
  })

  it('dictionary-encodes the low-cardinality string column', async () => {
    // Act
    const { out } = await transformed()
    const meta = await parquetMetadata(out)

    // Assess
    expect(column(meta.columns, 'status').encodings).toMatch(/RLE_DICTIONARY|PLAIN_DICTIONARY/)
  })

  it('delta-packs the climbing id column, and DuckDB and hyparquet read every id back', async () => {
    // Act
    const { out } = await transformed({ rowGroupBytes: 256 * 1024 })
    const meta = await parquetMetadata(out)
    const duck = await duckQuery(`SELECT id FROM read_parquet(${sqlString(out)}) ORDER BY id`)
    const hyparquet = await readParquetHyparquet(out)

    // Assess
    const ids = Array.from({ length: ROWS }, (_, i) => String(i + 1))
    expect(column(meta.columns, 'id').encodings).toContain('DELTA_BINARY_PACKED')
    expect(duck.map((r) => String(r['id']))).toEqual(ids)
    expect(hyparquet.rows.map((r) => String(r['id']))).toEqual(ids)
  })

  it('writes min/max statistics (or an all-null count) on every column chunk', async () => {
    // Act
    const { out } = await transformed({ rowGroupBytes: 256 * 1024 })
    const meta = await parquetMetadata(out)

    // Assess
    expect(meta.columns.filter((c) => !c.hasStats).map((c) => c.name)).toEqual([])
  })

  it('writes timestamps as INT64 microseconds adjusted to UTC, never INT96', async () => {
    // Act
    const { out } = await transformed()
    const createdAt = column((await parquetMetadata(out)).columns, 'created_at')

    // Assess
    expect(createdAt.physicalType).toBe('INT64')
    expect(createdAt.logicalType).toMatch(/^TimestampType\(/)
    expect(createdAt.logicalType).toContain('isAdjustedToUTC=1')
    expect(createdAt.logicalType).toContain('MICROS=MicroSeconds()')
  })

  it('writes dates as INT32 DATE', async () => {
    // Act
    const { out } = await transformed()
    const orderDate = column((await parquetMetadata(out)).columns, 'order_date')

    // Assess
    expect(orderDate).toMatchObject({ physicalType: 'INT32', convertedType: 'DATE', logicalType: 'DateType()' })
  })

  it('writes decimals with the DECIMAL logical type', async () => {
    // Act
    const { out } = await transformed()
    const amount = column((await parquetMetadata(out)).columns, 'amount')

    // Assess
    expect(amount).toMatchObject({ convertedType: 'DECIMAL', logicalType: 'DecimalType(scale=2, precision=18)' })
  })

  it('closes several row groups when rowGroupBytes is small', async () => {
    // Act
    const { out, stats } = await transformed({ rowGroupBytes: 256 * 1024 })
    const meta = await parquetMetadata(out)

    // Assess
    expect(stats.parts).toHaveLength(1)
    expect(meta.rowGroups).toBeGreaterThan(1)
  })

  it('splits into several parts when partBytes is small, which DuckDB reads together with every row once', async () => {
    // Act
    const { out, stats } = await transformed({ rowGroupBytes: 256 * 1024, partBytes: 300_000 })
    const keys = stats.parts.map((p) => p.key)
    const [totals] = await duckQuery(
      `SELECT count(*) AS n, count(DISTINCT id) AS ids, min(id) AS lo, max(id) AS hi
         FROM read_parquet([${keys.map(sqlString).join(', ')}])`,
    )
    const perPart = await Promise.all(keys.map((k) => duckQuery(`SELECT count(*) AS n FROM read_parquet(${sqlString(k)})`)))

    // Assess
    expect(stats.parts.length).toBeGreaterThan(1)
    expect(keys).toEqual(keys.map((_, i) => (i === 0 ? out : out.replace(/\.parquet$/, `-${i}.parquet`))))
    expect(readdirSync(join(out, '..')).sort()).toEqual(keys.map((k) => k.slice(out.lastIndexOf('/') + 1)).sort())
    expect(stats.parts.map((p) => p.bytes)).toEqual(keys.map((k) => statSync(k).size))
    expect(perPart.map(([row]) => Number(row!['n']))).toEqual(stats.parts.map((p) => p.rows))
    expect(stats.parts.reduce((n, p) => n + p.rows, 0)).toBe(ROWS)
    expect(totals).toEqual({ n: String(ROWS), ids: String(ROWS), lo: '1', hi: String(ROWS) })
  })

  it.each([
    ['one part', {}],
    ['several parts', { rowGroupBytes: 256 * 1024, partBytes: 300_000 }],
  ] as const)('reports bytesOut as the sum of the data part file sizes with %s', async (_label, options) => {
    // Act
    const { stats } = await transformed(options)

    // Assess
    expect(stats.bytesOut).toBe(stats.parts.reduce((n, p) => n + statSync(p.key).size, 0))
    expect(stats.rejectParts).toEqual([])
  })
})

describe('a chunk of long unique strings', () => {
  it('is written as several PLAIN pages that DuckDB and hyparquet both read back whole', async () => {
    // Prepare: 40,000 unique 80-byte tokens, every 13th missing: about 3.3 MB of values in one chunk.
    const tokens = Array.from({ length: 40_000 }, (_, i) => (i % 13 === 5 ? null : `${String(i).padStart(8, '0')}-${'abcdefghij'.repeat(7)}-${i % 7}`))
    const csv = join(dir, 'tokens.csv')
    writeFileSync(csv, `n,token\n${tokens.map((t, i) => `${i},${t ?? ''}`).join('\n')}\n`)
    const out = join(dir, 'tokens', 'tokens.parquet')

    // Act
    const stats = await transformCsv(fileByteSource(csv), localFilePartSink({ out }), { sourceName: csv, workers: 1 })
    const meta = await parquetMetadata(out)
    const duck = await duckQuery(`SELECT token FROM read_parquet(${sqlString(out)}) ORDER BY n`)
    const hyparquet = await readParquetHyparquet(out)

    // Assess
    expect(stats.rowsOut).toBe(tokens.length)
    expect(meta.rowGroups).toBe(1)
    expect(column(meta.columns, 'token').encodings).not.toMatch(/DICTIONARY/)
    expect(duck.map((r) => r['token'] ?? null)).toEqual(tokens)
    expect(hyparquet.rows.map((r) => r['token'] ?? null)).toEqual(tokens)
  })
})
