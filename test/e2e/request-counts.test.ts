import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LakeDeps } from '../../functions/core/lake/step-deps'
import { countingCatalog, countingStore, type RequestCounts } from '../support/counting-store'
import { createLake, type E2ELake } from '../support/e2e-lake'

/** Days the seeded files were loaded on: a drop lands in a partition of its own day. */
const SEEDED_ON = new Date('2024-01-01T06:00:00.000Z')
const DROPPED_ON = new Date('2024-07-01T06:00:00.000Z')
const DATASETS = 10

/** A small CSV of a dataset: three rows whose values say which file they came from. */
const smallCsv = (i: number) => `id,name,amount,day\n${i},a${i},${i}.5,2024-05-01\n${i + 1},b${i},2.25,2024-05-02\n${i + 2},,7,2024-05-03\n`
const keyOf = (i: number) => `ds${i % DATASETS}/2024/05/file-${String(i).padStart(6, '0')}.csv`

/**
 * A lake holding `files` committed small files over ten datasets, a hundred loaded a day by a
 * sweep: every partition holds ten parts, whatever the size of the lake.
 */
async function seededLake(files: number): Promise<E2ELake> {
  const lake = await createLake({ seed: 'none' })
  for (let day = 0; day * 100 < files; day++) {
    for (let i = day * 100; i < Math.min(files, (day + 1) * 100); i++) await lake.putRaw(keyOf(i), smallCsv(i))
    const startTime = new Date(SEEDED_ON.getTime() + day * 86_400_000)
    const { report, failure } = await lake.run(undefined, { startTime })
    expect(failure).toBeUndefined()
    expect(report.totals).toMatchObject({ loaded: Math.min(100, files - day * 100), failed: 0 })
  }
  return lake
}

/** The requests of one run through counting zones and catalog. */
async function countedRun(lake: E2ELake, input: unknown): Promise<{ raw: RequestCounts; curated: RequestCounts; catalog: RequestCounts; loaded: number }> {
  const raw = countingStore(lake.deps.raw)
  const curated = countingStore(lake.deps.curated)
  const catalog = countingCatalog(lake.deps.catalog)
  const deps: LakeDeps = { ...lake.deps, raw: raw.store, curated: curated.store, catalog: catalog.store }
  const { report, failure } = await lake.run(input, { deps, startTime: DROPPED_ON })
  expect(failure).toBeUndefined()
  return { raw: { ...raw.counts }, curated: { ...curated.counts }, catalog: { ...catalog.counts }, loaded: report.totals.loaded }
}

describe('requests of a one-key drop', () => {
  const lakes: Record<string, E2ELake> = {}

  beforeAll(async () => {
    lakes.small = await seededLake(100)
    lakes.large = await seededLake(2000)
  }, 600_000)

  afterAll(async () => {
    await Promise.all(Object.values(lakes).map((l) => l.dispose()))
  })

  it('are the same in a lake of 100 and of 2,000 committed files', async () => {
    // Prepare
    const drop = (lake: E2ELake) => lake.putRaw('ds3/2024/06/new.csv', smallCsv(900_000))

    // Act
    await drop(lakes.small)
    await drop(lakes.large)
    const small = await countedRun(lakes.small, { trigger: 'object', key: 'ds3/2024/06/new.csv' })
    const large = await countedRun(lakes.large, { trigger: 'object', key: 'ds3/2024/06/new.csv' })

    // Assess
    expect(small.loaded).toBe(1)
    expect(large).toEqual(small)
    expect(small.raw.list).toBeUndefined()
  })

  it('of a version already committed are the same too, and load nothing', async () => {
    // Act
    const small = await countedRun(lakes.small, { trigger: 'object', key: keyOf(3) })
    const large = await countedRun(lakes.large, { trigger: 'object', key: keyOf(3) })

    // Assess
    expect(small.loaded).toBe(0)
    expect(large).toEqual(small)
  })

  it('of a deleted key retract its rows with the same requests at both sizes', async () => {
    // Prepare
    await lakes.small.deleteRaw(keyOf(13))
    await lakes.large.deleteRaw(keyOf(13))

    // Act
    const small = await countedRun(lakes.small, { trigger: 'object', key: keyOf(13) })
    const large = await countedRun(lakes.large, { trigger: 'object', key: keyOf(13) })
    const rows = await lakes.large.query(`SELECT count(*) AS n FROM ds3 WHERE _sluice_source = '${keyOf(13)}'`)

    // Assess
    expect(large).toEqual(small)
    expect(rows).toEqual([{ n: 0 }])
  })
})
