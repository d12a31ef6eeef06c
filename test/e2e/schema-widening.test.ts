import { afterEach, describe, expect, it } from 'vitest'
import { createLake, type E2ELake } from '../support/e2e-lake'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'
import { liveParts, transformingBlind } from '../support/live-parts'

const DAY2 = new Date('2024-07-02T06:00:00.000Z')
const DAY3 = new Date('2024-07-03T06:00:00.000Z')

async function columnsOf(lake: E2ELake, table: string): Promise<string[]> {
  return ((await lake.deps.catalog.getTable('sluice', table))?.StorageDescriptor.Columns ?? []).map((c) => `${c.Name} ${c.Type}`)
}

describe('widening a column in place', () => {
  let lake: E2ELake | undefined
  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('widens a decimal scale and rewrites the parts loaded before', async () => {
    lake = await createLake({ seed: 'none' })
    await lake.putRaw('meter/a.csv', 'id,amount\n1,1.5\n2,2.5\n')
    const first = await lake.run()
    await lake.putRaw('meter/b.csv', 'id,amount\n3,0.125\n')
    const second = await lake.run(undefined, { startTime: DAY2, wrap: transformingBlind })

    expect(first.failure).toBeUndefined()
    expect(second.failure).toBeUndefined()
    console.log(JSON.stringify(second.report, null, 1))
    console.log(await columnsOf(lake, 'meter'))
    console.log(await lake.query('SELECT sum(amount) AS s, count(*) AS n FROM meter'))
    console.log(await liveParts(lake.deps.catalog, 'sluice', 'meter'))
    console.log(await lake.curatedKeys())
    expect(await lakeFindings(lake.deps, ['meter/a.csv', 'meter/b.csv'])).toEqual(CONSISTENT)
  })
})
