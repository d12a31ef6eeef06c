import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_COMPACTION } from '../../functions/core/compaction/merge-plan'
import { createLake, START_TIME, type E2ELake } from '../support/e2e-lake'
import { realCatalog } from '../../functions/adapters/table-format-catalog'
import { currentTableFiles } from '../../functions/adapters/iceberg-commit'

/** The lake's format (SLUICE_TABLE_FORMAT, else the default): the step compacts both. */
const COMPACTED_FORMAT = undefined

const DAY = 86_400_000
const at = (days: number) => new Date(START_TIME.getTime() + days * DAY)

const csv = (i: number) => `event_id,amount,note\n${i * 10 + 1},1.25,a\n${i * 10 + 2},2.5,b\n`
const TOTALS = 'SELECT count(*) AS n, sum(amount) AS total, count(DISTINCT event_id) AS ids FROM events'

/** Data files each ingest date of the events table holds: a Hive table's in its registered partitions' folders, an Iceberg table's in its current snapshot. */
async function partsPerDay(lake: E2ELake): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  const target = { store: lake.deps.curated, catalog: realCatalog(lake.deps.catalog), database: lake.deps.database }
  const iceberg = await currentTableFiles(target, 'events').catch(() => undefined)
  if (iceberg) {
    for (const f of iceberg.files) {
      const day = /ingest_date=([^/]+)\//.exec(f.path)![1]!
      out[day] = (out[day] ?? 0) + 1
    }
    return out
  }
  for (const p of await lake.deps.catalog.listPartitions(lake.deps.database, 'events')) {
    const prefix = p.StorageDescriptor.Location.slice(lake.deps.curated.location('').length)
    out[p.Values[0]!] = (await lake.curatedKeys(prefix)).filter((k) => k.endsWith('.parquet')).length
  }
  return out
}

describe('the Compact step', () => {
  const lakes: E2ELake[] = []
  afterEach(async () => {
    await Promise.all(lakes.splice(0).map((l) => l.dispose()))
  })

  it('leaves the partition being loaded alone, and compacts it in the first sweep after its day has closed', async () => {
    // Prepare
    const lake = await createLake({ seed: 'none', tableFormat: COMPACTED_FORMAT })
    lakes.push(lake)
    for (let i = 0; i < 40; i++) await lake.putRaw(`events/e-${String(i).padStart(3, '0')}.csv`, csv(i))
    const day1 = START_TIME.toISOString().slice(0, 10)
    const day2 = at(1).toISOString().slice(0, 10)

    // Act
    const first = await lake.run(undefined, { startTime: at(0) })
    const afterLoad = await partsPerDay(lake)
    await lake.putRaw('events/late.csv', csv(900))
    await lake.run({ trigger: 'object', key: 'events/late.csv' }, { startTime: at(1) })
    const afterDrop = await partsPerDay(lake)
    const before = await lake.query(TOTALS)
    const sweep = await lake.run(undefined, { startTime: at(1) })
    const afterSweep = await partsPerDay(lake)

    // Assess
    expect(first.report.totals).toMatchObject({ loaded: 40, failed: 0 })
    expect(afterLoad).toEqual({ [day1]: 40 })
    expect(afterDrop).toEqual({ [day1]: 40, [day2]: 1 })
    expect(sweep.failure).toBeUndefined()
    expect(afterSweep).toEqual({ [day1]: 1, [day2]: 1 })
    expect(await lake.query(TOTALS)).toEqual(before)
    expect(before).toEqual([{ n: 82, total: '153.75', ids: 82 }])
  })

  it('compacts the partition being loaded once it holds the open threshold of parts', async () => {
    // Prepare
    const lake = await createLake({ seed: 'none', tableFormat: COMPACTED_FORMAT })
    lakes.push(lake)
    for (let i = 0; i < 12; i++) await lake.putRaw(`events/e-${String(i).padStart(3, '0')}.csv`, csv(i))

    // Act
    const few = await lake.run(undefined, { startTime: at(0), settings: { batchSize: 6 }, compaction: { ...DEFAULT_COMPACTION, openThreshold: 10 } })
    const parts = await partsPerDay(lake)

    // Assess
    expect(few.report.totals).toMatchObject({ loaded: 12 })
    expect(Object.values(parts)).toEqual([1])
    expect(await lake.query(TOTALS)).toEqual([{ n: 24, total: '45.00', ids: 24 }])
  })
})
