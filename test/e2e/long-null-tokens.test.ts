import { afterEach, describe, expect, it } from 'vitest'
import { createLake, type E2ELake } from '../support/e2e-lake'

describe('a contract with a very long list of null tokens', () => {
  let lake: E2ELake | undefined
  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('loads with 200,000 nullTokens, reading each token as null', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    const nullTokens = Array.from({ length: 200_000 }, (_, i) => `missing-${i}`)
    await lake.putRaw('_contracts/readings.json', JSON.stringify({ columns: [{ name: 'id', type: 'int' }, { name: 'value', type: 'int' }], nullTokens }))
    await lake.putRaw('readings/r1.csv', 'id,value\n1,10\n2,missing-199999\n3,missing-7\n')

    // Act
    const { report, failure } = await lake.run()
    const rows = await lake.query('SELECT id, value FROM readings ORDER BY id')

    // Assess
    expect(failure).toBeUndefined()
    expect(report.totals).toMatchObject({ files: 1, loaded: 1, failed: 0 })
    expect(rows).toEqual([{ id: 1, value: 10 }, { id: 2, value: null }, { id: 3, value: null }])
  })
})
