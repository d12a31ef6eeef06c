import { afterEach, describe, expect, it } from 'vitest'
import { formatRunSummary } from '../../cli/run-summary'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import type { PartOutput, PartSink } from '../../functions/core/parquet/part-sink'
import { readParquet } from '../support/duckdb-parquet'
import { createLake, START_TIME, type E2ELake } from '../support/e2e-lake'
import { csvRows, isNullText, sampleRows, sumDecimal } from '../support/sample-csv'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const NEXT_DAY = new Date(START_TIME.getTime() + 24 * 3600 * 1000)

const JULY = [
  'order_id,customer_id,ordered_at,status,items,total_eur,note',
  '50200,1001,2024-07-01T10:00:00Z,pending,2,10.50,',
  '50201,1002,2024-07-02T10:00:00Z,shipped,1,11.25,gift',
  '50202,1003,2024-07-03T10:00:00Z,pending,7,1999.99,',
  '',
].join('\n')

/** Race odds: day 1 clean, day 2 with one `--` among valid decimals. */
const RACES_DAY_1 = ['race,win_odds', ...Array.from({ length: 30 }, (_, i) => `${i + 1},${(i % 9) + 1}.${String(i * 7 % 100).padStart(2, '0')}`), ''].join('\n')
const RACES_DAY_2 = ['race,win_odds', ...Array.from({ length: 30 }, (_, i) => `${i + 31},${i === 12 ? '--' : `${(i % 5) + 2}.${String(i * 3 % 100).padStart(2, '0')}`}`), ''].join('\n')

describe('one column stays one column, through the workflow', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('loads a file into the original columns after a contract declares narrower types of inferred columns', async () => {
    // Prepare: orders loaded by inference, then a contract, then a new file.
    lake = await createLake({ seed: ['orders/orders-2024-05.csv', 'orders/orders-2024-06.csv'] })
    await lake.run()
    await lake.putRaw(
      '_contracts/orders.json',
      JSON.stringify({ columns: [{ name: 'customer_id', type: 'int' }, { name: 'items', type: 'int' }, { name: 'total_eur', type: 'decimal(12,2)' }] }),
    )
    await lake.putRaw('orders/orders-2024-07.csv', JULY)
    const all = [...sampleRows('orders/orders-2024-05.csv', ','), ...sampleRows('orders/orders-2024-06.csv', ','), ...csvRows(JULY, ',')]
    const present = (column: string) => all.map((r) => r[column]!).filter((v) => v !== undefined && !isNullText(v))

    // Act
    const { report, failure } = await lake.run(undefined, { startTime: NEXT_DAY })
    const columns = await lake.query(`SELECT column_name, column_type FROM (DESCRIBE orders) WHERE column_name IN ('customer_id', 'items', 'total_eur') OR column_name LIKE '%\\_\\_%' ESCAPE '\\' ORDER BY 1`)
    const sums = await lake.query('SELECT count(*) AS n, count(customer_id) AS customers, sum(customer_id) AS customer_sum, sum(items) AS items, CAST(sum(total_eur) AS VARCHAR) AS total FROM orders')
    const july = await lake.query('SELECT customer_id, items, CAST(total_eur AS VARCHAR) AS total_eur FROM orders WHERE order_id >= 50200 ORDER BY order_id')

    // Assess
    expect(failure).toBeUndefined()
    expect(report.files).toMatchObject([{ key: 'orders/orders-2024-07.csv', outcome: 'loaded', rowsOut: 3, rowsRejected: 0 }])
    expect(columns).toEqual([
      { column_name: 'customer_id', column_type: 'BIGINT' },
      { column_name: 'items', column_type: 'BIGINT' },
      { column_name: 'total_eur', column_type: 'DECIMAL(18,2)' },
    ])
    expect(sums).toEqual([{
      n: all.length,
      customers: present('customer_id').length,
      customer_sum: present('customer_id').reduce((s, v) => s + Number(v), 0),
      items: present('items').reduce((s, v) => s + Number(v), 0),
      total: sumDecimal(present('total_eur'), 2),
    }])
    expect(july).toEqual([
      { customer_id: 1001, items: 2, total_eur: '10.50' },
      { customer_id: 1002, items: 1, total_eur: '11.25' },
      { customer_id: 1003, items: 7, total_eur: '1999.99' },
    ])
  })

  it('keeps every valid decimal of a file with one "--" in win_odds, and only "--" in win_odds__string, loudly', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    await lake.putRaw('races/day-1.csv', RACES_DAY_1)
    await lake.run()
    await lake.putRaw('races/day-2.csv', RACES_DAY_2)
    const valid = [...csvRows(RACES_DAY_1, ','), ...csvRows(RACES_DAY_2, ',')].map((r) => r.win_odds!).filter((v) => v !== '--')

    // Act
    const { report, failure } = await lake.run(undefined, { startTime: NEXT_DAY })
    const counts = await lake.query('SELECT count(*) AS n, count(win_odds) AS odds, CAST(sum(win_odds) AS VARCHAR) AS total, count(win_odds__string) AS variant FROM races')
    const variant = await lake.query('SELECT race, win_odds__string FROM races WHERE win_odds__string IS NOT NULL')
    const summary = formatRunSummary(report)

    // Assess
    expect(failure).toBeUndefined()
    expect(counts).toEqual([{ n: 60, odds: 59, total: sumDecimal(valid, 2), variant: 1 }])
    expect(variant).toEqual([{ race: 43, win_odds__string: '--' }])
    expect(report.files).toMatchObject([{ key: 'races/day-2.csv', outcome: 'loaded', variantValues: 1 }])
    expect(report.files[0]?.warnings).toEqual([expect.stringMatching(/^variant: 1 value\(s\) of column win_odds .*first at line 14; .*win_odds__string/)])
    expect(summary).toMatch(/races\/day-2\.csv\s+loaded, 1 to __string/)
  })

  it('writes a day-2 file with 7.125 and 1.00 as amount, typed as a widening of the table decimal, with no other amount column', async () => {
    // Prepare: day 1 through the workflow infers amount.
    lake = await createLake({ seed: 'none' })
    await lake.putRaw('sales/day-1.csv', 'id,amount\n1,5.50\n2,8.25\n')
    await lake.run()
    const table = await lake.deps.catalog.getTable(lake.deps.database, 'sales')
    const tableColumns = table!.StorageDescriptor.Columns.map((c) => ({ name: c.Name, type: c.Type }))
    const dir = await mkdtemp(join(tmpdir(), 'sluice-day-2-'))
    const day2 = 'id,amount\n3,7.125\n4,1.00\n'
    const day1Sum = await lake.query('SELECT CAST(sum(amount) AS VARCHAR) AS total FROM sales')

    // Act: the day-2 file as the Transform step writes it, knowing the table.
    const stats = await transformCsv({ open: async function* () { yield Buffer.from(day2) } }, folderSink(dir), { sourceName: 'sales/day-2.csv', tableColumns })
    const written = await readParquet(stats.parts.map((p) => p.key))
    await rm(dir, { recursive: true, force: true })

    // Assess
    expect(tableColumns.find((c) => c.name === 'amount')?.type).toBe('decimal(18,2)')
    expect(day1Sum).toEqual([{ total: '13.75' }])
    expect(stats.columns.filter((c) => c.name.startsWith('amount')).map((c) => [c.name, c.type])).toEqual([['amount', 'decimal(29,9)']])
    expect(written.rows.map((r) => r['amount'])).toEqual(['7.125000000', '1.000000000'])
    expect(sumDecimal([day1Sum[0]!['total'] as string, ...written.rows.map((r) => r['amount'] as string)], 9)).toBe('21.875000000')
    expect(stats.warnings).toEqual([])
  })
})

/** Parts written as files in a folder. */
function folderSink(dir: string): PartSink {
  return {
    async openPart(kind, index): Promise<PartOutput> {
      const key = join(dir, `${kind}-${index}.parquet`)
      const chunks: Uint8Array[] = []
      return {
        write: async (chunk) => void chunks.push(chunk),
        close: async () => (await writeFile(key, Buffer.concat(chunks)), key),
      }
    },
    async discard() {},
  }
}
