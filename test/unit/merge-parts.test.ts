import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ParquetPartWriter } from '../../functions/core/parquet/parquet-part-writer'
import type { ParquetColumn } from '../../functions/core/parquet/parquet-schema'
import { mergeParts, partSchema } from '../../functions/core/parquet/merge-parts'
import type { CellValue } from '../../functions/core/schema/value-codecs'
import { closeDuckDb, readParquet } from '../support/duckdb-parquet'

const COLUMNS: ParquetColumn[] = [
  { name: 'id', type: { kind: 'bigint' }, nullable: false },
  { name: 'small', type: { kind: 'decimal', precision: 7, scale: 2 }, nullable: true },
  { name: 'mid', type: { kind: 'decimal', precision: 18, scale: 4 }, nullable: true },
  { name: 'wide', type: { kind: 'decimal', precision: 38, scale: 10 }, nullable: true },
  { name: 'day', type: { kind: 'date' }, nullable: true },
  { name: 'at', type: { kind: 'timestamp' }, nullable: true },
  { name: 'ok', type: { kind: 'boolean' }, nullable: true },
  { name: 'ratio', type: { kind: 'double' }, nullable: true },
  { name: 'note', type: { kind: 'string' }, nullable: true },
]

/** A part of `rows` rows stamped with `source`, values at the edges of each type. */
async function part(source: string, first: number, rows: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  const sink = { openPart: async () => ({ write: async (c: Uint8Array) => void chunks.push(c), close: async () => 'part' }), discard: async () => {} }
  const writer = new ParquetPartWriter(sink, 'data', COLUMNS, 'snappy', 1 << 30, undefined, [{ name: '_sluice_source', value: source }, { name: '_sluice_run_id', value: 'run-1' }])
  const ids = Array.from({ length: rows }, (_, i) => first + i)
  const maybe = <T,>(i: number, v: T) => (i % 5 === 4 ? null : v)
  const data: (CellValue | null)[][] = [
    ids.map((i) => BigInt(i) * 1_000_000_007n),
    ids.map((i) => maybe(i, BigInt(-9_999_999 + i))),
    ids.map((i) => maybe(i, 999_999_999_999_999_999n - BigInt(i))),
    ids.map((i) => maybe(i, -(10n ** 37n) + 123_456_789n * BigInt(i))),
    ids.map((i) => maybe(i, -719_162 + i * 1000)),
    ids.map((i) => maybe(i, 1_719_792_000_123_456n + BigInt(i))),
    ids.map((i) => maybe(i, i % 2 === 0)),
    ids.map((i) => maybe(i, i / 3)),
    ids.map((i) => maybe(i, `nötе ${i} ✓`)),
  ]
  await writer.writeRowGroup(data, rows)
  await writer.finish()
  return new Uint8Array(Buffer.concat(chunks))
}

describe('merging Parquet parts', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-merge-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
    await closeDuckDb()
  })

  const saved = async (name: string, bytes: Uint8Array) => {
    const path = join(dir, name)
    await writeFile(path, bytes)
    return path
  }

  it('concatenates parts in order with every value as stored, wide decimals, dates, timestamps and nulls included', async () => {
    // Prepare
    const a = await part('raw/a.csv', 0, 7)
    const b = await part('raw/b.csv', 100, 5)

    // Act
    const merged = await mergeParts([{ bytes: a }, { bytes: b }])

    // Assess
    const expected = await readParquet([await saved('a.parquet', a), await saved('b.parquet', b)])
    const actual = await readParquet(await saved('merged.parquet', merged.bytes))
    expect(merged.rows).toBe(12)
    expect(actual.columns).toEqual(expected.columns)
    expect(actual.rows).toEqual(expected.rows)
    expect(partSchema(merged.bytes)).toBe(partSchema(a))
  })

  it('keeps only the rows in the ranges it is told to keep, of each source', async () => {
    // Prepare
    const a = await part('raw/a.csv', 0, 7)
    const b = await part('raw/b.csv', 100, 5)
    const ab = (await mergeParts([{ bytes: a }, { bytes: b }])).bytes

    // Act
    const cut = await mergeParts([{ bytes: ab, keepRows: [[2, 4], [7, 9]] }, { bytes: a, keepRows: [[6, 7]] }])

    // Assess
    const all = (await readParquet(await saved('ab.parquet', ab))).rows
    const actual = await readParquet(await saved('cut.parquet', cut.bytes))
    expect(cut.rows).toBe(5)
    expect(actual.rows).toEqual([all[2], all[3], all[7], all[8], all[6]])
  })

  it('keeps only the rows of the sources it is told to keep', async () => {
    // Prepare
    const a = await part('raw/a.csv', 0, 4)
    const b = await part('raw/b.csv', 10, 3)
    const once = await mergeParts([{ bytes: a }, { bytes: b }])

    // Act
    const without = await mergeParts([{ bytes: once.bytes, keep: new Set(['raw/b.csv']) }])

    // Assess
    const rows = (await readParquet(await saved('without.parquet', without.bytes))).rows
    expect(without.rows).toBe(3)
    expect(rows.map((r) => r['_sluice_source'])).toEqual(['raw/b.csv', 'raw/b.csv', 'raw/b.csv'])
    expect(rows).toEqual((await readParquet(await saved('b-only.parquet', b))).rows)
  })

  it('refuses parts of different schemas', async () => {
    // Prepare
    const a = await part('raw/a.csv', 0, 2)
    const chunks: Uint8Array[] = []
    const sink = { openPart: async () => ({ write: async (c: Uint8Array) => void chunks.push(c), close: async () => 'part' }), discard: async () => {} }
    const other = new ParquetPartWriter(sink, 'data', [{ name: 'id', type: { kind: 'int' }, nullable: false }], 'snappy', 1 << 30)
    await other.writeRowGroup([[1]], 1)
    await other.finish()

    // Act
    const merging = mergeParts([{ bytes: a }, { bytes: new Uint8Array(Buffer.concat(chunks)) }])

    // Assess
    await expect(merging).rejects.toThrow(/different schemas/)
  })
})
