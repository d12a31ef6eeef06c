import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAthenaType, type AthenaType } from '../../functions/core/schema/athena-types'
import { ParquetPartWriter } from '../../functions/core/parquet/parquet-part-writer'
import type { ParquetColumn } from '../../functions/core/parquet/parquet-schema'
import { castValue, unscaledOfBytes } from '../../functions/core/schema/cast-values'
import { partColumns, readableUnder, rewritePart } from '../../functions/core/parquet/rewrite-part'
import { reconcileColumns } from '../../functions/core/schema/schema-reconcile'
import type { PartSink } from '../../functions/core/parquet/part-sink'
import type { ColumnInfo } from '../../functions/core/schema/column-info'
import type { CellValue } from '../../functions/core/schema/value-codecs'
import { duckQuery, sqlString } from '../support/duckdb-parquet'
import { canonicalDecimal } from '../support/exact-sum'

const t = (name: string) => parseAthenaType(name)!

/** A sink collecting one part's bytes in memory. */
function memorySink(): { sink: PartSink; bytes: () => Uint8Array } {
  const chunks: Uint8Array[] = []
  return {
    sink: {
      async openPart() {
        return { write: async (c: Uint8Array) => void chunks.push(c), close: async () => 'part' }
      },
      async discard() {},
    },
    bytes: () => Buffer.concat(chunks),
  }
}

const asBuffer = (bytes: Uint8Array) => {
  const b = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  return { byteLength: b.byteLength, slice: (s: number, e?: number) => b.slice(s, e) }
}

const column = (name: string, type: string, source: ColumnInfo['source'] = 'inferred'): ColumnInfo => ({ original: name, name, type, nullable: true, source })

describe('reconciling a batch with the table', () => {
  it('widens a table column to the join of the files, in key order, and lists what widened', () => {
    const table = [{ Name: 'id', Type: 'bigint' }, { Name: 'amount', Type: 'decimal(18,2)' }, { Name: 'day', Type: 'date' }]
    const result = reconcileColumns(table, [
      { key: 'b.csv', columns: [column('id', 'bigint'), column('amount', 'decimal(18,4)')] },
      { key: 'a.csv', columns: [column('id', 'int'), column('day', 'timestamp'), column('note', 'string')] },
      { key: 'c.csv', columns: [column('amount', 'decimal(18,9)')] },
    ])
    expect(result.columns).toEqual([
      { Name: 'id', Type: 'bigint' }, { Name: 'amount', Type: 'decimal(29,9)' }, { Name: 'day', Type: 'timestamp' }, { Name: 'note', Type: 'string' },
    ])
    expect(result.accepted).toEqual(['a.csv', 'b.csv', 'c.csv'])
    expect(result.clashes).toEqual([])
    expect(result.widened).toEqual([{ column: 'amount', from: 'decimal(18,2)', to: 'decimal(29,9)' }, { column: 'day', from: 'date', to: 'timestamp' }])
  })

  it('leaves a file whose column conflicts with the table for the next batch, and a conflict between new columns to the first file', () => {
    const result = reconcileColumns([{ Name: 'qty', Type: 'bigint' }], [
      { key: 'a.csv', columns: [column('qty', 'string')] },
      { key: 'b.csv', columns: [column('code', 'bigint')] },
      { key: 'c.csv', columns: [column('code', 'string')] },
      { key: 'd.csv', columns: [column('qty', 'double')] },
    ])
    expect(result.clashes).toEqual([
      { key: 'a.csv', column: 'qty', tableType: 'bigint', fileType: 'string' },
      { key: 'c.csv', column: 'code', tableType: 'bigint', fileType: 'string' },
      { key: 'd.csv', column: 'qty', tableType: 'bigint', fileType: 'double' },
    ])
    expect(result.accepted).toEqual(['b.csv'])
    expect(result.widened).toEqual([])
  })
})

describe('casting values exactly', () => {
  it('scales unscaled decimals and integers by powers of ten, and turns days into midnight µs', () => {
    expect(castValue(125, t('decimal(9,2)'), t('decimal(20,5)'))).toBe(125000n)
    expect(castValue(-9223372036854775808n, t('bigint'), t('decimal(21,2)'))).toBe(-922337203685477580800n)
    expect(castValue(Uint8Array.of(0xff, 0x85), t('decimal(20,1)'), t('decimal(22,3)'))).toBe(-12300n)
    expect(castValue(19844, t('date'), t('timestamp'))).toBe(19844n * 86_400_000_000n)
    expect(castValue(2147483647, t('int'), t('bigint'))).toBe(2147483647)
    expect(castValue(null, t('date'), t('timestamp'))).toBeNull()
    expect(() => castValue(1, t('string'), t('bigint'))).toThrow(/cannot cast/)
    expect(() => castValue(15, t('decimal(18,3)'), t('decimal(18,2)'))).toThrow(/cannot cast/)
  })

  it('reads two’s complement bytes of any width', () => {
    expect(unscaledOfBytes(Uint8Array.of(0x00, 0xff))).toBe(255n)
    expect(unscaledOfBytes(Uint8Array.of(0xff, 0xff, 0xff))).toBe(-1n)
    expect(unscaledOfBytes(Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 0, 0))).toBe(-(2n ** 71n))
  })
})

describe('rewriting a part in the table types', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-widen-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const source: ParquetColumn[] = [
    { name: 'n', type: t('int'), nullable: false },
    { name: 'small', type: t('decimal(9,2)'), nullable: true },
    { name: 'mid', type: t('decimal(18,4)'), nullable: true },
    { name: 'wide', type: t('decimal(30,10)'), nullable: true },
    { name: 'id', type: t('bigint'), nullable: true },
    { name: 'day', type: t('date'), nullable: true },
    { name: 'note', type: t('string'), nullable: true },
  ]
  // Unscaled decimals, days, as the transform hands them to the writer.
  const rows: (CellValue | null)[][] = [
    [1, 12345, 99999999999999n, 123456789012345678901234567890n, 9007199254740993n, 0, 'first'],
    [2, -99999999, -1, -1n, -42, 19844, null],
    [3, null, null, null, null, null, 'ünïcode'],
    [4, 0, 5, 10n ** 29n, -9223372036854775808n, -719162, ''],
  ]
  const target = new Map<string, AthenaType>([
    ['n', t('bigint')], ['small', t('decimal(20,4)')], ['mid', t('decimal(38,6)')], ['wide', t('decimal(38,12)')], ['id', t('decimal(21,2)')], ['day', t('timestamp')],
  ])

  async function written(columns: ParquetColumn[], data: (CellValue | null)[][]): Promise<Uint8Array> {
    const out = memorySink()
    const writer = new ParquetPartWriter(out.sink, 'data', columns, 'snappy', Number.POSITIVE_INFINITY)
    // Two row groups, so that the rewrite is checked across them.
    for (const group of [data.slice(0, 2), data.slice(2)]) await writer.writeRowGroup(columns.map((_, i) => group.map((r) => r[i])), group.length)
    await writer.finish()
    return out.bytes()
  }

  it('casts every widened column exactly and keeps the other columns and the row order', async () => {
    // Prepare
    const before = await written(source, rows)
    const out = memorySink()

    // Act
    await rewritePart(asBuffer(before), target, out.sink)
    const after = out.bytes()
    const [from, to] = [join(dir, 'before.parquet'), join(dir, 'after.parquet')]
    await writeFile(from, before)
    await writeFile(to, after)
    const text = (path: string) =>
      duckQuery(`SELECT CAST(n AS VARCHAR) AS n, CAST(small AS VARCHAR) AS small, CAST(mid AS VARCHAR) AS mid, CAST(wide AS VARCHAR) AS wide, CAST(id AS VARCHAR) AS id,
        strftime(CAST(day AS TIMESTAMP), '%Y-%m-%d %H:%M:%S') AS "day", note FROM read_parquet(${sqlString(path)})`)
    const [was, now] = [await text(from), await text(to)]
    const schema = await duckQuery(`SELECT name, type, logical_type FROM parquet_schema(${sqlString(to)}) WHERE num_children IS NULL`)

    // Assess
    const canonical = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? canonicalDecimal(v) : v]))
    expect(now.map(canonical)).toEqual(was.map(canonical))
    expect(now.map((r) => r.n)).toEqual(['1', '2', '3', '4'])
    expect(now[0].day).toBe('1970-01-01 00:00:00')
    expect(now[3].day).toBe('0001-01-01 00:00:00')
    expect(schema.map((r) => `${r.name} ${r.type}`)).toEqual([
      'n INT64', 'small FIXED_LEN_BYTE_ARRAY', 'mid FIXED_LEN_BYTE_ARRAY', 'wide FIXED_LEN_BYTE_ARRAY', 'id FIXED_LEN_BYTE_ARRAY', 'day INT64', 'note BYTE_ARRAY',
    ])
    const columns = await partColumns(asBuffer(after))
    expect(columns.map((c) => `${c.name} ${c.type.kind === 'decimal' ? `decimal(${c.type.precision},${c.type.scale})` : c.type.kind} ${c.nullable}`)).toEqual([
      'n bigint false', 'small decimal(20,4) true', 'mid decimal(38,6) true', 'wide decimal(38,12) true', 'id decimal(21,2) true', 'day timestamp true', 'note string true',
    ])
    expect(readableUnder(columns, target)).toBe(true)
  })

  it('says a part of int under a bigint table is readable and a narrower decimal is not', async () => {
    const columns = await partColumns(asBuffer(await written(source, rows)))
    expect(readableUnder(columns, new Map([['n', t('bigint')]]))).toBe(true)
    expect(readableUnder(columns, new Map([['small', t('decimal(18,2)')]]))).toBe(false)
    expect(readableUnder(columns, new Map([['day', t('timestamp')]]))).toBe(false)
  })
})
