import { afterEach, describe, expect, it } from 'vitest'
import { chartAssets, localSiteStep } from '../../cli/site/local-site'
import { siteStep, type SiteWriter } from '../../functions/site/site-step'
import { createLake, START_TIME, type E2ELake } from '../support/e2e-lake'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { countingStore, type StoreCounts } from '../support/counting-store'

const HOUR = 3_600_000
const SWEEPS = 3

const csv = (i: number) => `event_id,kind,amount\n${i * 10 + 1},click,1.5\n${i * 10 + 2},view,2.25\n${i * 10 + 3},view\n`

/**
 * The UpdateSite step's reads and writes after one new file lands in a lake of `files` files,
 * loaded in a few sweeps with the site kept up to date after each.
 */
async function updateAfterOneDrop(files: number): Promise<{ curated: StoreCounts; raw: StoreCounts; siteFiles: string[]; loadSummaryIO: string[]; lake: E2ELake }> {
  const lake = await createLake({ seed: 'none' })
  const step = localSiteStep(lake.deps, lake.dir)
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    for (let i = sweep; i < files; i += SWEEPS) await lake.putRaw(`events/e-${String(i).padStart(4, '0')}.csv`, csv(i))
    await lake.run(undefined, { site: step, startTime: new Date(START_TIME.getTime() + sweep * HOUR) })
  }
  const curated = countingStore(lake.deps.curated)
  const raw = countingStore(lake.deps.raw)
  const siteFiles: string[] = []
  const writer: SiteWriter = { write: async (path) => void siteFiles.push(path) }
  const assets = await chartAssets()
  const counted = async (event: unknown) => siteStep({ ...lake.deps, curated: curated.store, site: writer, assets, queries: { athena: true } }, (event as { runId: string }).runId)

  // What the workflow's own steps (Load) read and write of the site's summaries.
  const loadSummaryIO: string[] = []
  const store = lake.deps.curated
  const note = (call: string, key: string) => void (key.startsWith('_site/') && loadSummaryIO.push(`${call} ${key}`))
  const workflowCurated: ObjectStore = {
    ...store,
    readText: (k) => (note('readText', k), store.readText(k)),
    readVersioned: (k) => (note('readVersioned', k), store.readVersioned(k)),
    writeText: (k, text, condition) => (note('writeText', k), store.writeText(k, text, condition)),
  }

  const key = 'events/late.csv'
  await lake.putRaw(key, csv(9999))
  const { report } = await lake.run({ trigger: 'object', key }, { site: counted, startTime: new Date(START_TIME.getTime() + SWEEPS * HOUR), deps: { ...lake.deps, curated: workflowCurated } })
  expect(report.totals).toMatchObject({ loaded: 1 })
  return { curated: curated.counts, raw: raw.counts, siteFiles, loadSummaryIO, lake }
}

describe('the UpdateSite step\'s work', () => {
  const lakes: E2ELake[] = []

  afterEach(async () => {
    for (const lake of lakes.splice(0)) await lake.dispose()
  })

  it('reads and writes as much after one new file in a lake of 120 files as in one of 30, Load\'s summary update too, and writes at most 20 site files', async () => {
    // Act
    const small = await updateAfterOneDrop(30)
    lakes.push(small.lake)
    const large = await updateAfterOneDrop(120)
    lakes.push(large.lake)
    const [{ n }] = await large.lake.query('SELECT count(*) AS n FROM events')

    // Assess
    expect(n).toBe(121 * 2)
    expect(large.curated).toEqual(small.curated)
    expect(large.raw).toEqual(small.raw)
    expect(large.siteFiles.sort()).toEqual(small.siteFiles.sort())
    expect(large.siteFiles.length).toBeLessThanOrEqual(20)
    expect(large.curated.list ?? 0).toBeLessThanOrEqual(1)
    expect(large.curated.read ?? 0).toBe(0)
    expect(large.loadSummaryIO).toEqual(small.loadSummaryIO)
    expect(large.loadSummaryIO.length).toBeLessThanOrEqual(6)
  }, 240_000)
})
