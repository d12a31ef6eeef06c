import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parquetWriteFile } from 'hyparquet-writer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeDuckDb, decimalToString, duckQuery, parquetMetadata, readParquet, sqlString } from './duckdb-parquet'

let dir: string
let typedPath: string

// Written by hand, parsed by DuckDB with explicit column types, then COPY'd to parquet.
const CSV = [
  'id,big,amount,precise,ratio,flag,born,seen,seen_tz,seen_ms,name',
  '1,9007199254740993,12.5,12345678901234567890123456.0123456789,1.5e3,true,1969-07-20,2024-05-03 21:44:25.123456,2024-05-03T23:44:25.000001+02:00,2024-05-03 21:44:25.123,"Zoë, ""quoted"""',
  '2,-9223372036854775808,-0.05,-0.0000000001,-2.25,false,1900-01-01,1969-12-31 23:59:59.999999,1970-01-01 00:00:00+00,1960-01-01 00:00:00.5,',
  '3,,,,,,,,,,',
  '',
].join('\n')

const COLUMN_TYPES = `{
  'id': 'INTEGER', 'big': 'BIGINT', 'amount': 'DECIMAL(12,2)', 'precise': 'DECIMAL(38,10)',
  'ratio': 'DOUBLE', 'flag': 'BOOLEAN', 'born': 'DATE', 'seen': 'TIMESTAMP',
  'seen_tz': 'TIMESTAMPTZ', 'seen_ms': 'TIMESTAMP_MS', 'name': 'VARCHAR'
}`

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'duckdb-parquet-test-'))
  const csvPath = join(dir, 'typed.csv')
  writeFileSync(csvPath, CSV)
  typedPath = join(dir, 'typed.parquet')
  await duckQuery(
    `COPY (SELECT * FROM read_csv(${sqlString(csvPath)}, header = true, columns = ${COLUMN_TYPES}) ORDER BY id)
       TO ${sqlString(typedPath)} (FORMAT parquet)`,
  )
})

afterAll(async () => {
  await closeDuckDb()
  rmSync(dir, { recursive: true, force: true })
})

describe('readParquet', () => {
  it('reports DuckDB column names and types', async () => {
    const { columns } = await readParquet(typedPath)
    expect(columns).toEqual([
      { name: 'id', type: 'INTEGER' },
      { name: 'big', type: 'BIGINT' },
      { name: 'amount', type: 'DECIMAL(12,2)' },
      { name: 'precise', type: 'DECIMAL(38,10)' },
      { name: 'ratio', type: 'DOUBLE' },
      { name: 'flag', type: 'BOOLEAN' },
      { name: 'born', type: 'DATE' },
      { name: 'seen', type: 'TIMESTAMP' },
      { name: 'seen_tz', type: 'TIMESTAMP WITH TIME ZONE' },
      // parquet TIMESTAMP_MILLIS comes back from read_parquet as plain TIMESTAMP
      { name: 'seen_ms', type: 'TIMESTAMP' },
      { name: 'name', type: 'VARCHAR' },
    ])
  })

  it('converts every value to an exact JSON-comparable form', async () => {
    const { rows } = await readParquet(typedPath)
    expect(rows).toEqual([
      {
        id: 1,
        big: '9007199254740993',
        amount: '12.50',
        precise: '12345678901234567890123456.0123456789',
        ratio: 1500,
        flag: true,
        born: '1969-07-20',
        seen: '2024-05-03T21:44:25.123456Z',
        seen_tz: '2024-05-03T21:44:25.000001Z',
        seen_ms: '2024-05-03T21:44:25.123000Z',
        name: 'Zoë, "quoted"',
      },
      {
        id: 2,
        big: '-9223372036854775808',
        amount: '-0.05',
        precise: '-0.0000000001',
        ratio: -2.25,
        flag: false,
        born: '1900-01-01',
        seen: '1969-12-31T23:59:59.999999Z',
        seen_tz: '1970-01-01T00:00:00.000000Z',
        seen_ms: '1960-01-01T00:00:00.500000Z',
        name: null,
      },
      {
        id: 3,
        big: null,
        amount: null,
        precise: null,
        ratio: null,
        flag: null,
        born: null,
        seen: null,
        seen_tz: null,
        seen_ms: null,
        name: null,
      },
    ])
  })

  it('reads several files at once', async () => {
    const { rows } = await readParquet([typedPath, typedPath])
    expect(rows.map((r) => r['id'])).toEqual([1, 2, 3, 1, 2, 3])
  })

  it('handles paths with quotes', async () => {
    const odd = join(dir, "it's.parquet")
    await duckQuery(`COPY (SELECT 1 AS x) TO ${sqlString(odd)} (FORMAT parquet)`)
    expect((await readParquet(odd)).rows).toEqual([{ x: 1 }])
  })
})

describe('value conversion (no parquet round trip)', () => {
  it('renders other timestamp precisions, dates and big integers exactly', async () => {
    const rows = await duckQuery(`SELECT
      '2024-01-01 00:00:00.123456789'::TIMESTAMP_NS AS ns,
      '2024-01-01 00:00:01'::TIMESTAMP_S AS s,
      '1969-12-31 23:59:59.5'::TIMESTAMP_MS AS ms,
      '0044-03-15'::DATE AS old,
      'infinity'::DATE AS inf,
      170141183460469231731687303715884105727::HUGEINT AS huge,
      18446744073709551615::UBIGINT AS ubig,
      (-1)::DECIMAL(4,0) AS dec0`)
    expect(rows).toEqual([
      {
        ns: '2024-01-01T00:00:00.123456789Z',
        s: '2024-01-01T00:00:01.000000Z',
        ms: '1969-12-31T23:59:59.500000Z',
        old: '0044-03-15',
        inf: 'infinity',
        huge: '170141183460469231731687303715884105727',
        ubig: '18446744073709551615',
        dec0: '-1',
      },
    ])
  })

  it('decimalToString pads and signs correctly', () => {
    expect(decimalToString(5n, 2)).toBe('0.05')
    expect(decimalToString(-5n, 2)).toBe('-0.05')
    expect(decimalToString(1250n, 2)).toBe('12.50')
    expect(decimalToString(0n, 3)).toBe('0.000')
    expect(decimalToString(-123n, 0)).toBe('-123')
    expect(decimalToString(10n ** 37n, 10)).toBe('1000000000000000000000000000.0000000000')
  })
})

describe('parquetMetadata', () => {
  it('describes physical/logical/converted types, codec and stats', async () => {
    const meta = await parquetMetadata(typedPath)
    expect(meta.rowGroups).toBe(1)
    const byName = Object.fromEntries(meta.columns.map((c) => [c.name, c]))
    expect(meta.columns.map((c) => c.name)).toEqual([
      'id', 'big', 'amount', 'precise', 'ratio', 'flag', 'born', 'seen', 'seen_tz', 'seen_ms', 'name',
    ])
    expect(byName['id']).toMatchObject({ physicalType: 'INT32', convertedType: 'INT_32' })
    expect(byName['big']).toMatchObject({ physicalType: 'INT64', convertedType: 'INT_64' })
    expect(byName['amount']).toMatchObject({
      physicalType: 'INT64',
      convertedType: 'DECIMAL',
      logicalType: 'DecimalType(scale=2, precision=12)',
    })
    expect(byName['precise']).toMatchObject({
      physicalType: 'FIXED_LEN_BYTE_ARRAY',
      convertedType: 'DECIMAL',
      logicalType: 'DecimalType(scale=10, precision=38)',
    })
    expect(byName['born']).toMatchObject({ physicalType: 'INT32', convertedType: 'DATE' })
    expect(byName['seen']).toMatchObject({ physicalType: 'INT64', convertedType: 'TIMESTAMP_MICROS' })
    expect(byName['seen']!.logicalType).toContain('isAdjustedToUTC=0')
    expect(byName['seen_tz']).toMatchObject({ physicalType: 'INT64', convertedType: 'TIMESTAMP_MICROS' })
    expect(byName['seen_tz']!.logicalType).toContain('isAdjustedToUTC=1')
    expect(byName['seen_ms']).toMatchObject({ physicalType: 'INT64', convertedType: 'TIMESTAMP_MILLIS' })
    expect(byName['name']).toMatchObject({ physicalType: 'BYTE_ARRAY', convertedType: 'UTF8', logicalType: null })
    for (const c of meta.columns) {
      expect(c.compression).toBe('SNAPPY')
      expect(c.hasStats).toBe(true)
    }
  })

  it('sees codecs, row groups, dictionary encoding and all-null chunks', async () => {
    for (const codec of ['GZIP', 'UNCOMPRESSED', 'SNAPPY']) {
      const p = join(dir, `codec-${codec}.parquet`)
      await duckQuery(
        `COPY (SELECT (i % 3)::VARCHAR AS s, i, NULL::INTEGER AS nothing FROM range(5000) t(i))
           TO ${sqlString(p)} (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 2048)`,
      )
      const meta = await parquetMetadata(p)
      expect(meta.rowGroups).toBe(3)
      expect(meta.columns.map((c) => c.compression)).toEqual([codec, codec, codec])
      const [s, i, nothing] = meta.columns
      expect(s!.encodings).toMatch(/PLAIN_DICTIONARY|RLE_DICTIONARY/)
      expect(i!.encodings).not.toMatch(/DICTIONARY/)
      expect(nothing!.hasStats).toBe(true) // all-null: no min/max but null_count == num_values
    }
  })

  it('accepts min_value/max_value-only stats and detects missing stats', async () => {
    const withStats = join(dir, 'hy-stats.parquet')
    const noStats = join(dir, 'hy-nostats.parquet')
    const columnData = [{ name: 'n', data: [1, 2, 3], type: 'INT32' as const }]
    parquetWriteFile({ filename: withStats, columnData })
    parquetWriteFile({ filename: noStats, columnData, statistics: false })
    expect((await parquetMetadata(withStats)).columns[0]).toMatchObject({ name: 'n', physicalType: 'INT32', hasStats: true })
    expect((await parquetMetadata(noStats)).columns[0]).toMatchObject({ name: 'n', hasStats: false })
  })
})
