import { afterEach, describe, expect, it } from 'vitest'
import { createLake, type E2ELake } from '../support/e2e-lake'
import { transformingBlind } from '../support/live-parts'

/**
 * Real files in regional formats, through the whole local workflow: a series whose timestamps
 * change shape from one file to the next, and a `;` export with European amounts.
 */

const HEADER = 'Province/State,Country/Region,Last Update,Confirmed,Deaths,Recovered'
/** January's report: ISO timestamps only. */
const JANUARY = `${HEADER}\nHubei,Mainland China,2020-01-31T08:15:53,5806,204,141\n,Germany,2020-01-31T08:15:53,5,0,0\n`
/** March's report: month-first slash dates with two- and four-digit years, and one ISO value. */
const MARCH = `${HEADER}\n,Italy,3/8/20 5:19,7375,366,622\nHubei,Mainland China,3/8/20 5:31,67707,2986,45235\nNew York,US,3/13/2020 21:13,173,0,0\nHubei,Mainland China,2020-03-14T09:00:00,67790,3075,52960\n`

describe('regional formats through the workflow', () => {
  let lake: E2ELake | undefined
  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('keeps one timestamp column for files whose timestamps have one shape and several, transformed apart', { timeout: 300_000 }, async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    await lake.putRaw('covid/2020-01-31.csv', JANUARY)
    await lake.putRaw('covid/2020-03-14.csv', MARCH)

    // Act: both files are typed before the table exists, each from its own values.
    const run = await lake.run(undefined, { wrap: transformingBlind })
    const table = await lake.deps.catalog.getTable('sluice', 'covid')
    const rows = await lake.query("SELECT CAST(last_update AS VARCHAR) AS t FROM covid ORDER BY last_update")

    // Assess
    expect(run.failure).toBeUndefined()
    expect(run.report.totals).toMatchObject({ loaded: 2 })
    expect(table!.StorageDescriptor.Columns.find((c) => c.Name === 'last_update')?.Type).toBe('timestamp')
    expect(table!.StorageDescriptor.Columns.map((c) => c.Name)).not.toContain('last_update__string')
    expect(rows.map((r) => String(r.t).slice(0, 19))).toEqual([
      '2020-01-31 08:15:53', '2020-01-31 08:15:53', '2020-03-08 05:19:00', '2020-03-08 05:31:00', '2020-03-13 21:13:00', '2020-03-14 09:00:00',
    ])
  })

  it('loads a ";" export with amounts like 1.234,56 as exact decimals, and its report says how it was read', { timeout: 300_000 }, async () => {
    // Prepare
    const csv = 'Rechnungsnr;Kunde;Umsatz\nRE-1;Müller GmbH;1.234,56\nRE-2;Nordlicht AG;-99,90\nRE-3;Weber & Söhne;12.000.000,01\n'
    lake = await createLake({ seed: 'none' })
    await lake.putRaw('invoices/2024-03.csv', csv)

    // Act
    const run = await lake.run()
    const [sum] = await lake.query('SELECT CAST(sum(umsatz) AS VARCHAR) AS s, count(*) AS n FROM invoices')

    // Assess
    expect(run.report.totals).toMatchObject({ loaded: 1 })
    expect(run.report.files[0].warnings).toEqual([expect.stringMatching(/^numbers: .*decimal separator "," and thousands separator "\."/)])
    expect(Number(sum.n)).toBe(3)
    expect(sum.s).toBe('12001134.67')
  })
})
