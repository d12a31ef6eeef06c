import { afterEach, describe, expect, it } from 'vitest'
import { glueCatalog } from '../../functions/adapters/glue-catalog'
import type { Catalog } from '../../functions/core/lake/catalog'
import { headKey } from '../../functions/core/lake/ledger'
import { fileId } from '../../functions/core/lake/lake-layout'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import type { LakeDeps } from '../../functions/core/lake/step-deps'
import { createLake, type E2ELake } from '../support/e2e-lake'
import { startGlueServer, type GlueServer } from '../support/glue-server'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'

/**
 * Each race the commit protocol must win, with its interleaving forced: the executions are
 * held at a chosen point until the others have reached theirs.
 */

const DAY_1 = new Date('2024-07-01T23:59:59.000Z')
const DAY_2 = new Date('2024-07-02T00:00:01.000Z')

/** Resolves every waiter once `parties` have arrived; fails loudly if they never do. */
function barrier(parties: number, ms = 5000): () => Promise<void> {
  let arrived = 0
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return async () => {
    if (++arrived >= parties) open()
    await Promise.race([opened, new Promise((_, reject) => setTimeout(() => reject(new Error(`barrier: ${arrived} of ${parties} arrived`)), ms))])
  }
}

/** The catalog, holding the first `readTable` of the dataset at `wait` (once per execution). */
function holdingFirstRead(catalog: Catalog, dataset: string, wait: () => Promise<void>): Catalog {
  let held = false
  return {
    ...catalog,
    async readTable(db, name) {
      const table = await catalog.readTable(db, name)
      if (name === dataset && !held) {
        held = true
        await wait()
      }
      return table
    },
  }
}

/** The curated zone with a hook before the first read of a ledger head and before each copy. */
function hookedCurated(curated: ObjectStore, hooks: { beforeHeadRead?: () => Promise<void>; beforeCopy?: () => Promise<void> }): ObjectStore {
  let headRead = false
  return {
    ...curated,
    async readVersioned(key) {
      if (/^_ledger\/[^/]+\/[0-9a-f]+\.json$/.test(key) && !headRead && hooks.beforeHeadRead) {
        headRead = true
        await hooks.beforeHeadRead()
      }
      return curated.readVersioned(key)
    },
    async copy(from, to) {
      await hooks.beforeCopy?.()
      return curated.copy(from, to)
    },
  }
}

const csv = (header: string, rows: (string | number)[][]) => `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`

describe('races between executions, forced', () => {
  let lake: E2ELake | undefined
  let glue: GlueServer | undefined

  afterEach(async () => {
    await lake?.dispose()
    await glue?.stop()
    lake = glue = undefined
  })

  it('keeps every column when four executions add columns to one table at once (Glue, VersionId)', async () => {
    // Prepare
    glue = await startGlueServer()
    const catalog = glueCatalog(glue.client)
    lake = await createLake({ seed: 'none', catalog })
    const inputs = {
      'events/base.csv': csv('id,amount', [[1, '1.50'], [2, '2.50']]),
      'events/region.csv': csv('id,amount,region', [[3, '3.50', 'north'], [4, '4.50', 'south']]),
      'events/score.csv': csv('id,amount,score', [[5, '5.50', 10], [6, '6.50', 20]]),
      'events/flag.csv': csv('id,amount,flag', [[7, '7.50', 'true'], [8, '8.50', 'false']]),
    }
    for (const [key, text] of Object.entries(inputs)) await lake.putRaw(key, text)
    const allRead = barrier(4)
    const current = lake

    // Act: every Load reads the table before any of them writes it.
    const outcomes = await Promise.all(
      Object.keys(inputs).map((key) => current.run({ trigger: 'object', key }, { deps: { ...current.deps, catalog: holdingFirstRead(catalog, 'events', allRead) } })),
    )
    const columns = (glue.table('sluice', 'events')!.StorageDescriptor as { Columns: { Name: string }[] }).Columns.map((c) => c.Name).sort()
    const counts = await lake.query('SELECT count(*) AS n, count(region) AS regions, count(score) AS scores, count(flag) AS flags, sum(amount) AS total FROM events')

    // Assess
    expect(outcomes.map((o) => o.failure)).toEqual([undefined, undefined, undefined, undefined])
    expect(columns).toEqual(['_sluice_run_id', '_sluice_source', 'amount', 'flag', 'id', 'region', 'score'])
    expect(counts).toEqual([{ n: 8, regions: 2, scores: 2, flags: 2, total: '40.00' }])
    expect(glue.calls('UpdateTable') + glue.calls('CreateTable')).toBeGreaterThan(4)
    expect(await lakeFindings(lake.deps, Object.keys(inputs))).toEqual(CONSISTENT)
  })

  it('leaves the table readable when two executions add the same column with two types at once', async () => {
    // Prepare
    glue = await startGlueServer()
    const catalog = glueCatalog(glue.client)
    lake = await createLake({ seed: 'none', catalog })
    await lake.putRaw('events/numbers.csv', csv('id,extra', [[1, 10], [2, 20], [3, 30]]))
    await lake.putRaw('events/words.csv', csv('id,extra', [[4, 'ten'], [5, 'twenty'], [6, 'thirty']]))
    const bothRead = barrier(2)
    const current = lake

    // Act
    const outcomes = await Promise.all(
      ['events/numbers.csv', 'events/words.csv'].map((key) =>
        current.run({ trigger: 'object', key }, { deps: { ...current.deps, catalog: holdingFirstRead(catalog, 'events', bothRead) } }),
      ),
    )
    const rows = await lake.query(`SELECT COLUMNS(c -> c NOT IN ('ingest_date', '_sluice_run_id')) FROM events ORDER BY id`)

    // Assess: whichever type won, every value is in the table once, in `extra` or its variant.
    expect(outcomes.map((o) => o.failure)).toEqual([undefined, undefined])
    expect(rows).toHaveLength(6)
    const values = rows.map((r) => String(r.extra ?? r.extra__string ?? r.extra__bigint))
    expect(values).toEqual(['10', '20', '30', 'ten', 'twenty', 'thirty'])
    expect(await lakeFindings(lake.deps, ['events/numbers.csv', 'events/words.csv'])).toEqual(CONSISTENT)
  })

  it.each([
    ['after', 'copies its parts after the newer execution committed'],
    ['before', 'commits before the newer execution does'],
  ])('keeps the newer version when the older version\'s execution %s (it %s)', async (order) => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    const key = 'orders/daily.csv'
    await lake.putRaw(key, csv('order_id,total', [[1, '10.00'], [2, '20.00'], [3, '30.00']]))
    const current = lake
    let newerDone!: () => void
    const newerCommitted = new Promise<void>((resolve) => (newerDone = resolve))
    let olderDone!: () => void
    const olderCommitted = new Promise<void>((resolve) => (olderDone = resolve))
    let startNewer!: () => void
    const olderPlanned = new Promise<void>((resolve) => (startNewer = resolve))
    const olderDeps: LakeDeps = {
      ...current.deps,
      curated: hookedCurated(current.deps.curated, { beforeCopy: order === 'after' ? () => newerCommitted : undefined }),
    }

    // Act: the older execution plans version 1; the file changes; the newer one plans version 2.
    const older = current.run({ trigger: 'object', key }, {
      deps: olderDeps,
      startTime: DAY_1,
      wrap: (state, handler) => async (event) => {
        const out = await handler(event)
        if (state === 'Plan') startNewer()
        if (state === 'Load') olderDone()
        return out
      },
    })
    await olderPlanned
    await current.putRaw(key, csv('order_id,total', [[7, '70.00'], [8, '80.00']]))
    if (order === 'before') await olderCommitted
    const newer = await current.run({ trigger: 'object', key }, {
      startTime: DAY_2,
      wrap: (state, handler) => async (event) => {
        const out = await handler(event)
        if (state === 'Load') newerDone()
        return out
      },
    })
    const olderOutcome = await older
    const rows = await lake.query('SELECT order_id, total FROM orders ORDER BY order_id')
    const head = JSON.parse((await lake.deps.curated.readText(headKey('orders', fileId(key))))!)

    // Assess
    expect([olderOutcome.failure, newer.failure]).toEqual([undefined, undefined])
    expect(rows).toEqual([{ order_id: 7, total: '70.00' }, { order_id: 8, total: '80.00' }])
    expect(head.etag).toBe((await lake.deps.raw.head(key))!.etag)
    if (order === 'after') expect(olderOutcome.report.files.find((f) => f.etag !== head.etag)?.outcome).toBe('superseded')
    expect(await lakeFindings(lake.deps, [key])).toEqual(CONSISTENT)
  })

  it('loads a file once when two executions on both sides of midnight publish it before either commits, and replaces it whole later', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    const key = 'orders/late.csv'
    await lake.putRaw(key, csv('order_id,total', Array.from({ length: 499 }, (_, i) => [i + 1, '1.00'])))
    const bothPublished = barrier(2)
    const current = lake
    const run = (startTime: Date) =>
      current.run({ trigger: 'object', key }, { startTime, deps: { ...current.deps, curated: hookedCurated(current.deps.curated, { beforeHeadRead: bothPublished }) } })

    // Act
    const outcomes = await Promise.all([run(DAY_1), run(DAY_2)])
    const once = await lake.query('SELECT count(*) AS n, count(DISTINCT order_id) AS ids, count(DISTINCT ingest_date) AS dates FROM orders')
    const loadedBefore = await lakeFindings(lake.deps, [key])
    await lake.putRaw(key, csv('order_id,total', [[1000, '2.00'], [1001, '2.00']]))
    await lake.run(undefined, { startTime: new Date('2024-07-03T06:00:00.000Z') })
    const replaced = await lake.query('SELECT order_id FROM orders ORDER BY order_id')
    const head = JSON.parse((await lake.deps.curated.readText(headKey('orders', fileId(key))))!)

    // Assess
    expect(outcomes.map((o) => o.failure)).toEqual([undefined, undefined])
    expect(outcomes.flatMap((o) => o.report.files.map((f) => f.outcome)).sort()).toEqual(['loaded', 'skipped'])
    expect(once).toEqual([{ n: 499, ids: 499, dates: 1 }])
    expect(loadedBefore).toEqual(CONSISTENT)
    expect(replaced).toEqual([{ order_id: 1000 }, { order_id: 1001 }])
    // The head names the parts it replaced only until they are gone.
    expect(head.replaced).toEqual([])
    expect(await lakeFindings(lake.deps, [key])).toEqual(CONSISTENT)
  })
})
