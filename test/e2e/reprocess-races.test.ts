import { afterEach, describe, expect, it } from 'vitest'
import type { TaskHandler } from '../../cli/local/run-workflow'
import { generationOf } from '../../functions/core/lake/generation'
import { parseLedgerKey, type LedgerRecord } from '../../functions/core/lake/ledger'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { glueCatalog } from '../../functions/adapters/glue-catalog'
import { s3ObjectStore } from '../../functions/adapters/s3-object-store'
import { createLake, type E2ELake } from '../support/e2e-lake'
import { startGlueServer, type GlueServer } from '../support/glue-server'
import { startS3rver, type LocalS3 } from '../support/s3rver'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'
import { gate } from '../support/gate'

/**
 * A reprocess racing a drop of a new file, with the interleavings forced: the drop's Load is
 * held after it read the old table and before it publishes, while the reprocess builds and
 * swaps. Either serial order gives the same end state: every file's rows once, in the new
 * generation, with the new columns.
 */

const NEXT_DAY = new Date('2024-07-02T06:00:00.000Z')
const REPROCESS = { trigger: 'reprocess', dataset: 'orders' }
const ORDER_FILES = ['orders/orders-2024-05.csv', 'orders/orders-2024-06.csv']
const HEADER = 'order_id,customer_id,ordered_at,status,items,total_eur,note'
const JULY_WORDS = `${HEADER}\n50200,1001,2024-07-01T10:00:00Z,pending,two,10.50,\n`
const JULY_FIXED = `${HEADER}\n50200,1001,2024-07-01T10:00:00Z,pending,2,10.50,\n`
const DROPPED = 'orders/orders-2024-08.csv'
const AUGUST = `${HEADER}\n50300,1003,2024-08-01T10:00:00Z,pending,1,20.00,\n50301,1004,2024-08-02T10:00:00Z,shipped,2,30.00,\n`
const ALL_FILES = [...ORDER_FILES, 'orders/orders-2024-07.csv', DROPPED]

/** The curated zone, holding the first copy of a part (a publish) at `wait`. */
function holdingFirstCopy(curated: ObjectStore, wait: () => Promise<void>): ObjectStore {
  let held = false
  return {
    ...curated,
    async copy(from, to) {
      if (!held) {
        held = true
        await wait()
      }
      return curated.copy(from, to)
    },
  }
}

/** Where the lake of a race lives: a folder with the JSON catalog, or S3 buckets and Glue. */
type Place = 'a local folder' | 'S3 and Glue'
const PLACES: Place[] = ['a local folder', 'S3 and Glue']
let servers: { s3?: LocalS3; glue?: GlueServer } = {}

async function lakeIn(place: Place): Promise<E2ELake> {
  if (place === 'a local folder') return createLake({ seed: ORDER_FILES })
  servers = { s3: await startS3rver(['raw', 'curated']), glue: await startGlueServer() }
  const raw = s3ObjectStore(servers.s3!.client, 'raw')
  const curated = s3ObjectStore(servers.s3!.client, 'curated')
  return createLake({ seed: ORDER_FILES, zones: { raw, curated, buckets: { raw, curated } }, catalog: glueCatalog(servers.glue!.client) })
}

async function lakeWithStaleVariant(place: Place): Promise<E2ELake> {
  const lake = await lakeIn(place)
  await lake.putRaw('orders/orders-2024-07.csv', JULY_WORDS)
  await lake.run()
  await lake.putRaw('orders/orders-2024-07.csv', JULY_FIXED)
  await lake.run()
  return lake
}

async function endState(lake: E2ELake) {
  const live = generationOf(await lake.deps.catalog.getTable('sluice', 'orders'))
  const generations = new Set<string>()
  for (const key of await lake.curatedKeys('_ledger/orders/')) {
    if (parseLedgerKey(key)?.kind !== 'head') continue
    generations.add((JSON.parse((await lake.deps.curated.readText(key))!) as LedgerRecord).generation ?? '')
  }
  return {
    live,
    generations: [...generations],
    columns: (await lake.deps.catalog.getTable('sluice', 'orders'))!.StorageDescriptor.Columns.map((c) => c.Name),
    rows: await lake.query('SELECT count(*) AS n, count(DISTINCT order_id) AS ids, sum(total_eur) AS total FROM orders'),
    findings: await lakeFindings(lake.deps, ALL_FILES),
  }
}

describe('a reprocess racing a drop of a new file, forced', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    await servers.s3?.stop()
    await servers.glue?.stop()
    lake = undefined
    servers = {}
  })

  it.each(PLACES)('ends in the serial result when the reprocess also builds the dropped file and swaps while the drop is publishing (%s)', async (place) => {
    // Prepare
    lake = await lakeWithStaleVariant(place)
    await lake.putRaw(DROPPED, AUGUST)
    const held = gate()
    const current = lake

    // Act: the drop reads the old table and is held before it publishes; the reprocess runs whole.
    const drop = current.run({ trigger: 'object', key: DROPPED }, { startTime: NEXT_DAY, deps: { ...current.deps, curated: holdingFirstCopy(current.deps.curated, held.wait) } })
    await held.reached
    const reprocess = await current.run(REPROCESS, { startTime: NEXT_DAY })
    held.open()
    const dropped = await drop
    const state = await endState(current)

    // Assess
    expect(reprocess.failure).toBeUndefined()
    expect(dropped.failure).toBeUndefined()
    expect(state.live).not.toBe('')
    expect(state.generations).toEqual([state.live])
    expect(state.columns).not.toContain('items__string')
    expect(state.rows).toEqual([{ n: 116, ids: 116, total: expect.any(String) }])
    expect(state.findings).toEqual(CONSISTENT)
  })

  it.each(PLACES)('ends in the serial result when the file is dropped after the reprocess planned its build, and the drop publishes into the old generation after the swap (%s)', async (place) => {
    // Prepare
    lake = await lakeWithStaleVariant(place)
    const current = lake
    const dropHeld = gate()
    let drop: ReturnType<E2ELake['run']> | undefined
    let planned = 0
    // After the reprocess's first Plan (its only build batch), the file arrives and its drop
    // run gets as far as publishing into the old generation before the reprocess goes on.
    const wrap = (state: string, handler: TaskHandler): TaskHandler =>
      state !== 'Plan'
        ? handler
        : async (event) => {
            const result = await handler(event)
            if (++planned === 1) {
              await current.putRaw(DROPPED, AUGUST)
              drop = current.run({ trigger: 'object', key: DROPPED }, { startTime: NEXT_DAY, deps: { ...current.deps, curated: holdingFirstCopy(current.deps.curated, dropHeld.wait) } })
              await dropHeld.reached
            }
            return result
          }

    // Act: the reprocess builds and swaps, then the drop publishes and commits into the old generation.
    const reprocessRun = current.run(REPROCESS, { startTime: NEXT_DAY, wrap })
    const reprocess = await reprocessRun
    dropHeld.open()
    const dropped = await drop!
    const state = await endState(current)

    // Assess
    expect(reprocess.failure).toBeUndefined()
    expect(dropped.failure).toBeUndefined()
    expect(state.generations).toEqual([state.live])
    expect(state.columns).not.toContain('items__string')
    expect(state.rows).toEqual([{ n: 116, ids: 116, total: expect.any(String) }])
    expect(state.findings).toEqual(CONSISTENT)
  })
})
