import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { parseContract } from '../../functions/core/schema/contract'
import { ContractViolationError } from '../../functions/core/errors'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import { transformCsvReference } from '../oracle/transform-csv-reference'
import type { TransformOptions, TransformStats } from '../../functions/core/transform/transform-types'
import { closeDuckDb, readParquet } from '../support/duckdb-parquet'

let dir: string
let cases = 0

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-variants-'))
})

afterAll(async () => {
  await closeDuckDb()
  rmSync(dir, { recursive: true, force: true })
})

const ENGINES = [
  ['byte engine', transformCsv],
  ['reference engine', transformCsvReference],
] as const

/** Transforms `csv` with an engine; the Parquet read back by DuckDB. */
async function transform(engine: typeof transformCsv, csv: string, options: Partial<TransformOptions> = {}) {
  cases += 1
  const input = join(dir, `input-${cases}.csv`)
  const outDir = join(dir, `out-${cases}`)
  writeFileSync(input, csv)
  mkdirSync(outDir)
  const out = join(outDir, 'data.parquet')
  const stats: TransformStats = await engine(fileByteSource(input), localFilePartSink({ out }), { sourceName: `orders/day-${cases}.csv`, ...options })
  const { columns, rows } = await readParquet(out)
  return { stats, columns, rows }
}

const table = (columns: Record<string, string>) => Object.entries(columns).map(([name, type]) => ({ name, type }))

describe.each(ENGINES)('one column stays one column (%s)', (_, engine) => {
  it('keeps a day-2 file with 7.125 and 1.00 in amount, typed as the widening of the table decimal', async () => {
    // Prepare: day 1 inferred amount as decimal(18,2).
    const csv = 'id,amount\n3,7.125\n4,1.00\n'

    // Act
    const { stats, columns, rows } = await transform(engine, csv, { tableColumns: table({ id: 'bigint', amount: 'decimal(18,2)' }) })

    // Assess: a decimal(18,2) that must widen goes straight to decimal(29,9), which later files fit.
    expect(stats.columns.map((c) => [c.name, c.type])).toEqual([['id', 'bigint'], ['amount', 'decimal(29,9)']])
    expect(columns.map((c) => c.name)).toEqual(['id', 'amount'])
    expect(rows).toEqual([{ id: '3', amount: '7.125000000' }, { id: '4', amount: '1.000000000' }])
    expect(stats.warnings).toEqual([])
  })

  it('sends one "--" per file to amount__string and keeps every valid decimal in amount', async () => {
    // Prepare
    const lines = ['race,win_odds']
    for (let i = 1; i <= 40; i++) lines.push(`${i},${i === 17 ? '--' : `${i}.5`}`)

    // Act
    const { stats, columns, rows } = await transform(engine, `${lines.join('\n')}\n`, { tableColumns: table({ race: 'bigint', win_odds: 'decimal(18,2)' }) })

    // Assess
    expect(columns).toEqual([{ name: 'race', type: 'BIGINT' }, { name: 'win_odds', type: 'DECIMAL(18,2)' }, { name: 'win_odds__string', type: 'VARCHAR' }])
    expect(rows.filter((r) => r['win_odds'] !== null)).toHaveLength(39)
    expect(rows[16]).toEqual({ race: '17', win_odds: null, win_odds__string: '--' })
    expect(rows[17]).toEqual({ race: '18', win_odds: '18.50', win_odds__string: null })
    expect(stats.columns.at(-1)).toEqual({ original: 'win_odds', name: 'win_odds__string', type: 'string', nullable: true, source: 'inferred', variantOf: 'win_odds', variantValues: 1 })
    expect(stats.variantValues).toBe(1)
    expect(stats.warnings).toEqual([expect.stringMatching(/^variant: 1 value\(s\) of column win_odds fit neither its type decimal\(18,2\) .*first at line 18; .*win_odds__string/)])
    expect(stats).toMatchObject({ rowsIn: 40, rowsOut: 40, rowsRejected: 0 })
  })

  it('restarts when the first value for the variant comes after the sample, and writes what the whole file infers', async () => {
    // Prepare
    const lines = ['id,qty']
    for (let i = 1; i <= 60; i++) lines.push(`${i},${i === 50 ? 'n/a' : i === 55 ? '2.5' : i}`)

    // Act
    const { stats, rows } = await transform(engine, `${lines.join('\n')}\n`, { sampleRows: 5, tableColumns: table({ qty: 'bigint' }) })

    // Assess: bigint widens to a decimal holding its 19 digits (and 9 places); n/a is not a number.
    expect(stats.inference.restarts).toBe(1)
    expect(stats.columns.map((c) => [c.name, c.type])).toEqual([['id', 'bigint'], ['qty', 'decimal(29,9)'], ['qty__string', 'string']])
    expect(rows[49]).toEqual({ id: '50', qty: null, qty__string: 'n/a' })
    expect(rows[54]).toEqual({ id: '55', qty: '2.500000000', qty__string: null })
    expect(stats.warnings).toEqual([expect.stringContaining('first at line 51'), expect.stringContaining('inference restarted 1 time(s)')])
  })

  it('keeps 18-digit ids exact next to three Excel-mangled ones, which go to id__string', async () => {
    // Prepare
    const ids = Array.from({ length: 448 }, (_, i) => 702608123456789000n + BigInt(i) * 7n)
    const lines = ['id,text']
    ids.forEach((id, i) => lines.push(`${id},t${i}`))
    for (const at of [10, 200, 440]) lines.splice(at, 0, '7.02608E+17,mangled')

    // Act
    const { stats, columns, rows } = await transform(engine, `${lines.join('\n')}\n`)
    const { stats: late } = await transform(engine, `${lines.join('\n')}\n`, { sampleRows: 5 })

    // Assess
    expect(columns).toEqual([{ name: 'id', type: 'BIGINT' }, { name: 'text', type: 'VARCHAR' }, { name: 'id__string', type: 'VARCHAR' }])
    expect(rows.filter((r) => r['id'] !== null).map((r) => BigInt(r['id'] as string))).toEqual(ids)
    expect(rows.filter((r) => r['id__string'] !== null).map((r) => r['id__string'])).toEqual(['7.02608E+17', '7.02608E+17', '7.02608E+17'])
    expect(stats.variantValues).toBe(3)
    expect(stats.warnings).toEqual([expect.stringMatching(/^variant: 3 value\(s\) of column id are in double notation next to exact numbers a double cannot hold \(bigint\), first at line 11; they were written as text to id__string/)])
    expect(late.columns).toEqual(stats.columns)
    expect(late.inference.restarts).toBe(1)
  })

  it('makes a double of exponent values next to integers a double holds exactly', async () => {
    // Act
    const { columns, rows } = await transform(engine, 'x\n123456789012345\n1.5e3\n')

    // Assess
    expect(columns).toEqual([{ name: 'x', type: 'DOUBLE' }])
    expect(rows.map((r) => Number(r['x']))).toEqual([123456789012345, 1500])
  })

  it('reads .097 and 5. as decimals, and keeps +318855443322 as text', async () => {
    // Act
    const { columns, rows } = await transform(engine, 'rate,phone\n.097,+318855443322\n5.,0612345678\n-.5,+41\n')

    // Assess
    expect(columns).toEqual([{ name: 'rate', type: 'DECIMAL(18,4)' }, { name: 'phone', type: 'VARCHAR' }])
    expect(rows).toEqual([
      { rate: '0.0970', phone: '+318855443322' },
      { rate: '5.0000', phone: '0612345678' },
      { rate: '-0.5000', phone: '+41' },
    ])
  })

  it('sends a +number to the variant of a column the table types as bigint', async () => {
    // Act
    const { columns, rows } = await transform(engine, 'phone\n318855443322\n+318855443322\n', { tableColumns: table({ phone: 'bigint' }) })

    // Assess
    expect(columns.map((c) => c.name)).toEqual(['phone', 'phone__string'])
    expect(rows).toEqual([{ phone: '318855443322', phone__string: null }, { phone: null, phone__string: '+318855443322' }])
  })

  it('loads a new column with a stray text value as text: variants are for columns the table types', async () => {
    // Act
    const { columns, stats } = await transform(engine, 'odds\n1.5\n--\n2.5\n')

    // Assess
    expect(columns).toEqual([{ name: 'odds', type: 'VARCHAR' }])
    expect(stats.variantValues).toBeUndefined()
  })

  it('counts a variant value only for rows that are not rejected', async () => {
    // Prepare: a contract column rejects row 2, whose qty would have gone to the variant.
    const contract = parseContract({ columns: [{ name: 'id', type: 'int', nullable: false }], extraColumns: 'keep' })

    // Act
    const { stats, rows } = await transform(engine, 'id,qty\n1,5\nx,oops\n3,bad\n', { contract, rejectThreshold: 1, tableColumns: table({ qty: 'bigint' }) })

    // Assess
    expect(stats).toMatchObject({ rowsIn: 3, rowsOut: 2, rowsRejected: 1, variantValues: 1 })
    expect(rows).toEqual([{ id: 1, qty: '5', qty__string: null }, { id: 3, qty: null, qty__string: 'bad' }])
  })
})

describe.each(ENGINES)('a contract added or changed after loads (%s)', (_, engine) => {
  const contract = parseContract({
    columns: [
      { name: 'customer_id', type: 'int' },
      { name: 'items', type: 'int' },
      { name: 'total_eur', type: 'decimal(12,2)' },
    ],
  })

  it('writes declared types the table holds as the table types, validated by the contract', async () => {
    // Act
    const { stats, columns, rows } = await transform(engine, 'customer_id,items,total_eur\n7,2,19.90\n8,x,5\n9,99999999999,1.234\n', {
      contract,
      rejectThreshold: 1,
      tableColumns: table({ customer_id: 'bigint', items: 'bigint', total_eur: 'decimal(18,2)' }),
    })

    // Assess: x is not an int, 99999999999 is not an int, 1.234 has three decimals.
    expect(columns).toEqual([{ name: 'customer_id', type: 'BIGINT' }, { name: 'items', type: 'BIGINT' }, { name: 'total_eur', type: 'DECIMAL(18,2)' }])
    expect(rows).toEqual([{ customer_id: '7', items: '2', total_eur: '19.90' }])
    expect(stats.rowsRejected).toBe(2)
    expect(stats.columns.map((c) => [c.name, c.type, c.source])).toEqual([
      ['customer_id', 'bigint', 'contract'],
      ['items', 'bigint', 'contract'],
      ['total_eur', 'decimal(18,2)', 'contract'],
    ])
  })

  it('writes the widening of a declared type and the table type, rescaling the values', async () => {
    // Act
    const { columns, rows } = await transform(engine, 'customer_id,items,total_eur\n7,2,19.90\n', {
      contract: parseContract({ columns: [{ name: 'customer_id', type: 'bigint' }, { name: 'items', type: 'int' }, { name: 'total_eur', type: 'decimal(12,4)' }] }),
      tableColumns: table({ customer_id: 'int', items: 'decimal(18,2)', total_eur: 'decimal(18,2)' }),
    })

    // Assess
    expect(columns).toEqual([{ name: 'customer_id', type: 'BIGINT' }, { name: 'items', type: 'DECIMAL(18,2)' }, { name: 'total_eur', type: 'DECIMAL(29,9)' }])
    expect(rows).toEqual([{ customer_id: '7', items: '2.00', total_eur: '19.900000000' }])
  })

  it('fails the file on a real conflict, naming the column, both types and sluice reprocess', async () => {
    // Act
    const error = await transform(engine, 'customer_id,items,total_eur\n7,2,19.90\n', {
      contract,
      tableColumns: table({ customer_id: 'string' }),
    }).catch((e: unknown) => e as Error)

    // Assess
    expect(error).toBeInstanceOf(ContractViolationError)
    expect((error as Error).message).toMatch(/column customer_id is declared int but the table orders holds it as string.*sluice reprocess orders/)
  })
})
