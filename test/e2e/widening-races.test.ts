import { afterEach, describe, expect, it } from 'vitest'
import { parseAthenaType } from '../../functions/core/schema/athena-types'
import type { Catalog } from '../../functions/core/lake/catalog'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { createLake, type E2ELake, type Row } from '../support/e2e-lake'
import { canonicalDecimal, csvColumn, exactSum } from '../support/exact-sum'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'
import { armingLoad, liveParts, transformingBlind } from '../support/live-parts'
import { expireDataset } from '../../functions/load/expire-tables'
import { gate } from '../support/gate'

/**
 * Widenings racing each other and racing loads, with the interleavings forced where it
 * matters: one execution is held in the middle of its rewrite while another runs. Every race
 * ends as a serial order of the same runs would: each file's rows once, one type per column.
 */

const DAY2 = new Date('2024-07-02T06:00:00.000Z')
const DAY3 = new Date('2024-07-03T06:00:00.000Z')
const A = `id,amount\n${Array.from({ length: 20 }, (_, i) => `${i + 1},${i}.5`).join('\n')}\n`
const B = 'id,amount\n101,0.125\n'
/** Scale 12: a widening past decimal(29,9), where B's ends. */
const C = 'id,amount\n201,0.000000003125\n'
const D = 'id,amount\n301,4.5\n'
/** Scale 4, as B's widening: the same generation. */
const E = 'id,amount\n401,2.0625\n'

/** The curated zone, holding the first upload made while `armed()` (the widening's first rewritten part). */
function holdingFirstUpload(curated: ObjectStore, armed: () => boolean, wait: () => Promise<void>): ObjectStore {
  let held = false
  return {
    ...curated,
    async upload(key) {
      if (armed() && !held) {
        held = true
        await wait()
      }
      return curated.upload(key)
    },
  }
}

async function lakeWithA(): Promise<E2ELake> {
  const lake = await createLake({ seed: 'none' })
  await lake.putRaw('meter/a.csv', A)
  expect((await lake.run()).failure).toBeUndefined()
  return lake
}

async function state(lake: E2ELake): Promise<{ rows: Row[]; sum: string; types: string[]; declared: string | undefined }> {
  const rows = await lake.query('SELECT _sluice_source AS source, count(*) AS n, count(DISTINCT id) AS ids FROM meter GROUP BY ALL ORDER BY ALL')
  const [total] = await lake.query('SELECT CAST(sum(amount) AS VARCHAR) AS s FROM meter')
  const parts = await liveParts(lake.deps.catalog, 'sluice', 'meter', lake.deps.curated)
  const declared = (await lake.deps.catalog.getTable('sluice', 'meter'))?.StorageDescriptor.Columns.find((c) => c.Name === 'amount')?.Type
  return { rows, sum: canonicalDecimal(String(total.s)), types: [...new Set(parts.map((p) => p.types.amount))], declared }
}

describe('widenings racing', () => {
  let lakes: E2ELake[] = []
  afterEach(async () => {
    await Promise.all(lakes.map((l) => l.dispose()))
    lakes = []
  })

  it('gives the serial result when two executions widen the same column at once', async () => {
    // Prepare
    const serial = await lakeWithA()
    const racing = await lakeWithA()
    lakes.push(serial, racing)
    for (const lake of [serial, racing]) {
      await lake.putRaw('meter/b.csv', B)
      await lake.putRaw('meter/c.csv', C)
    }

    // Act
    await serial.run(undefined, { startTime: DAY2, wrap: transformingBlind })
    const runs = await Promise.all([1, 2].map(() => racing.run(undefined, { startTime: DAY2, wrap: transformingBlind })))
    const sweep = await racing.run(undefined, { startTime: DAY2, wrap: transformingBlind })

    // Assess
    expect(runs.map((r) => r.failure)).toEqual([undefined, undefined])
    expect(sweep.failure).toBeUndefined()
    expect(await state(racing)).toEqual(await state(serial))
    expect((await state(racing)).sum).toBe(exactSum(csvColumn([A, B, C], 'amount')))
    expect((await state(racing)).types).toEqual([(await state(serial)).declared])
    expect(await lakeFindings(racing.deps, ['meter/a.csv', 'meter/b.csv', 'meter/c.csv'])).toEqual(CONSISTENT)
  })

  it('discards a widening whose table another widening changed meanwhile, and reconciles again', async () => {
    // Prepare
    const lake = await lakeWithA()
    lakes.push(lake)
    await lake.putRaw('meter/b.csv', B)
    const held = gate()
    const first = armingLoad()

    // Act: the first execution is held in its rewrite (to B's scale 9) while a second widens to C's 18.
    const running = lake.run(undefined, { startTime: DAY2, wrap: first.wrap, deps: { ...lake.deps, curated: holdingFirstUpload(lake.deps.curated, first.armed, held.wait) } })
    await held.reached
    await lake.putRaw('meter/c.csv', C)
    const second = await lake.run(undefined, { startTime: DAY2, wrap: transformingBlind })
    held.open()
    const held1 = await running
    // An Iceberg table keeps the old generation's parts for its earlier snapshots until expiry.
    await expireDataset(lake.deps, 'meter', new Date(Date.now() + 25 * 3_600_000))
    const generations = (await lake.curatedKeys('meter/')).filter((k) => k.endsWith('.parquet')).map((k) => /gen=([0-9a-f]+)/.exec(k)?.[1])

    // Assess
    expect(second.failure).toBeUndefined()
    expect(held1.failure).toBeUndefined()
    expect(held1.report.files.map((f) => [f.key, f.outcome])).toEqual([['meter/b.csv', 'skipped']])
    expect(new Set(generations).size).toBe(1)
    const end = await state(lake)
    expect(end.sum).toBe(exactSum(csvColumn([A, B, C], 'amount')))
    expect(end.types).toEqual([end.declared])
    expect(parseAthenaType(end.declared!)).toMatchObject({ kind: 'decimal', scale: expect.toSatisfy((n: number) => n >= 12) })
    expect(await lakeFindings(lake.deps, ['meter/a.csv', 'meter/b.csv', 'meter/c.csv'])).toEqual(CONSISTENT)
  })

  it('finishes, keeping every row, a widening another execution built the same way and swapped in while it was held', async () => {
    // Prepare
    const lake = await lakeWithA()
    lakes.push(lake)
    await lake.putRaw('meter/b.csv', B)
    const held = gate()
    const first = armingLoad()

    // Act: the first execution is held in its rewrite of meter/a.csv while a second widens the
    // same table version to the same type (one generation), swaps it in and commits it.
    const running = lake.run(undefined, { startTime: DAY2, wrap: first.wrap, deps: { ...lake.deps, curated: holdingFirstUpload(lake.deps.curated, first.armed, held.wait) } })
    await held.reached
    await lake.putRaw('meter/e.csv', E)
    const second = await lake.run(undefined, { startTime: DAY2, wrap: transformingBlind })
    held.open()
    const held1 = await running

    // Assess
    expect(second.failure).toBeUndefined()
    expect(held1.failure).toBeUndefined()
    const end = await state(lake)
    expect(end.rows).toEqual([
      { source: 'meter/a.csv', n: 20, ids: 20 },
      { source: 'meter/b.csv', n: 1, ids: 1 },
      { source: 'meter/e.csv', n: 1, ids: 1 },
    ])
    expect(end.sum).toBe(exactSum(csvColumn([A, B, E], 'amount')))
    expect(end.types).toEqual([end.declared])
    expect(await lakeFindings(lake.deps, ['meter/a.csv', 'meter/b.csv', 'meter/e.csv'])).toEqual(CONSISTENT)
  })

  it('rewrites a file another execution loaded while the widening rewrote the table', async () => {
    // Prepare
    const lake = await lakeWithA()
    lakes.push(lake)
    await lake.putRaw('meter/b.csv', B)
    const held = gate()
    const widening = armingLoad()

    // Act: a plain load (no widening) commits meter/d.csv in the middle of the rewrite.
    const running = lake.run(undefined, { startTime: DAY2, wrap: widening.wrap, deps: { ...lake.deps, curated: holdingFirstUpload(lake.deps.curated, widening.armed, held.wait) } })
    await held.reached
    await lake.putRaw('meter/d.csv', D)
    const load = await lake.run({ trigger: 'object', key: 'meter/d.csv' }, { startTime: DAY2 })
    held.open()
    const widened = await running

    // Assess
    expect(load.failure).toBeUndefined()
    expect(load.report.files.find((f) => f.key === 'meter/d.csv')?.outcome).toBe('loaded')
    expect(widened.failure).toBeUndefined()
    const end = await state(lake)
    expect(end.rows).toEqual([
      { source: 'meter/a.csv', n: 20, ids: 20 },
      { source: 'meter/b.csv', n: 1, ids: 1 },
      { source: 'meter/d.csv', n: 1, ids: 1 },
    ])
    expect(end.sum).toBe(exactSum(csvColumn([A, B, D], 'amount')))
    expect(end.types).toEqual([end.declared])
    expect(parseAthenaType(end.declared!)).toMatchObject({ kind: 'decimal', scale: expect.toSatisfy((n: number) => n >= 3) })
    expect(await lakeFindings(lake.deps, ['meter/a.csv', 'meter/b.csv', 'meter/d.csv'])).toEqual(CONSISTENT)
  })

  it('keeps the rejects of a load that read the table between the swap and the move of its rejects table', async () => {
    // Prepare
    const lake = await lakeWithA()
    lakes.push(lake)
    await lake.putRaw('meter/b.csv', B)
    const held = gate()
    let holding = true
    const catalog: Catalog = {
      ...lake.deps.catalog,
      async replaceTable(db, table, partitions, version) {
        if (holding && table.Name === 'meter__rejects') {
          holding = false
          await held.wait()
        }
        return lake.deps.catalog.replaceTable(db, table, partitions, version)
      },
    }
    const late = `id,amount\n${Array.from({ length: 30 }, (_, i) => `${400 + i},1.5`).join('\n')}\n499,1.5,extra\n`

    // Act: the widening is held after its data table swap; a load on the next day runs meanwhile.
    const running = lake.run(undefined, { startTime: DAY2, wrap: transformingBlind, deps: { ...lake.deps, catalog } })
    await held.reached
    await lake.putRaw('meter/e.csv', late)
    const load = await lake.run({ trigger: 'object', key: 'meter/e.csv' }, { startTime: DAY3, wrap: transformingBlind })
    held.open()
    const widened = await running

    // Assess
    expect(load.failure).toBeUndefined()
    expect(widened.failure).toBeUndefined()
    expect(await lake.query('SELECT source, line, ingest_date FROM meter__rejects')).toEqual([{ source: 'meter/e.csv', line: 32, ingest_date: '2024-07-03' }])
    const end = await state(lake)
    expect(end.sum).toBe(exactSum(csvColumn([A, B, late], 'amount')))
    expect(end.types).toEqual([end.declared])
    expect(await lakeFindings(lake.deps, ['meter/a.csv', 'meter/b.csv', 'meter/e.csv'])).toEqual(CONSISTENT)
  })
})
