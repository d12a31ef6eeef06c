import { afterEach, describe, expect, it } from 'vitest'
import { fileId } from '../../functions/core/lake/lake-layout'
import { receiptKey, type Receipt } from '../../functions/core/lake/receipt'
import { createLake, type E2ELake } from '../support/e2e-lake'

describe('headers that name columns, across the files of a dataset', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  const receipt = async (dataset: string, key: string) => JSON.parse((await lake!.deps.curated.readText(receiptKey(dataset, fileId(key))))!) as Receipt

  it('loads each value of colliding headers into the column of its header, whatever the column order', async () => {
    // Prepare: `Amount` holds 1 and `amount` holds 2 in both files, in swapped order.
    lake = await createLake({ seed: 'none' })
    await lake.putRaw('ledger/a.csv', 'id,Amount,amount\na,1,2\n')
    await lake.putRaw('ledger/b.csv', 'id,amount,Amount\nb,2,1\n')

    // Act
    const { failure } = await lake.run()
    const columns = (await lake.query(`SELECT column_name FROM (DESCRIBE ledger) WHERE column_name LIKE 'amount%' ORDER BY 1`)).map((r) => r.column_name as string)
    const rows = await lake.query(`SELECT id, "${columns[0]}" AS amount, "${columns[1]}" AS other FROM ledger ORDER BY id`)
    const warnings = (await receipt('ledger', 'ledger/b.csv')).warnings

    // Assess
    expect(failure).toBeUndefined()
    expect(columns[0]).toBe('amount')
    expect(columns[1]).toMatch(/^amount_h[0-9a-f]{6}$/)
    expect(rows).toEqual([
      { id: 'a', amount: 2, other: 1 },
      { id: 'b', amount: 2, other: 1 },
    ])
    expect(warnings.some((w) => w.includes('"Amount" →') && w.includes('normalize to amount'))).toBe(true)
  })

  it('loads a column renamed between files into its one contract column through its aliases', async () => {
    // Prepare: a series that renamed `Lat` to `Latitude` and `Long_` to `Longitude`.
    lake = await createLake({ seed: 'none' })
    await lake.putRaw(
      '_contracts/cases.json',
      JSON.stringify({ columns: [{ name: 'lat', type: 'double', aliases: ['Latitude'] }, { name: 'long', type: 'double', aliases: ['Long_', 'Longitude'] }] }),
    )
    await lake.putRaw('cases/2020.csv', 'Province,Lat,Long_\nHubei,30.97,112.27\n')
    await lake.putRaw('cases/2021.csv', 'Province,Latitude,Longitude\nOntario,51.25,-85.32\n')

    // Act
    const { failure, report } = await lake.run()
    const columns = (await lake.query(`SELECT column_name FROM (DESCRIBE cases) WHERE column_name NOT LIKE '\\_sluice%' ESCAPE '\\' ORDER BY 1`)).map((r) => r.column_name)
    const rows = await lake.query('SELECT province, lat, long FROM cases ORDER BY province')

    // Assess
    expect(failure).toBeUndefined()
    expect(report.files.map((f) => f.rowsRejected)).toEqual([0, 0])
    expect(columns).toEqual(['ingest_date', 'lat', 'long', 'province'])
    expect(rows).toEqual([
      { province: 'Hubei', lat: 30.97, long: 112.27 },
      { province: 'Ontario', lat: 51.25, long: -85.32 },
    ])
  })

  it('puts what it skipped in a spreadsheet export (its title, its separator rows) on the file\'s receipt', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    await lake.putRaw('revenue/q1.csv', 'Quarterly revenue report Q1 2024;;;;\nregion;jan;feb;mar;total\n;;;;\nNorth;1;2;3;6\nSouth;4;5;6;15\n;;;;\nEast;7;8;9;24\n')

    // Act
    const { failure } = await lake.run()
    const got = await receipt('revenue', 'revenue/q1.csv')
    const total = await lake.query('SELECT count(*) AS n, sum(total) AS total FROM revenue')

    // Assess
    expect(failure).toBeUndefined()
    expect(got).toMatchObject({ status: 'loaded', rowsIn: 3, rowsLoaded: 3, rowsRejected: 0 })
    expect(got.warnings).toContainEqual(expect.stringContaining('dialect: skipped a preamble of 1 line(s) before the header (line 1: "Quarterly revenue report Q1 2024;;;;")'))
    expect(got.warnings).toContainEqual(expect.stringContaining('rows: 2 blank line(s) or row(s) of delimiters only'))
    expect(total).toEqual([{ n: 3, total: 45 }])
  })
})
