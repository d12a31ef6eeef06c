import { afterEach, describe, expect, it } from 'vitest'
import type { Catalog } from '../../functions/core/lake/catalog'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import type { LakeDeps } from '../../functions/core/lake/step-deps'
import { createLake, type E2ELake } from '../support/e2e-lake'
import { canonicalDecimal, csvColumn, exactSum } from '../support/exact-sum'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'
import { realCatalog } from '../../functions/adapters/table-format-catalog'
import { armingLoad, liveParts, transformingBlind } from '../support/live-parts'

/**
 * The rewrite of a widening crash-tested like a publish: the Load that widens fails at each
 * change it makes to the curated zone or the catalog in turn, either before the change lands
 * or right after; readers then see the old state or the new one, never a mix of types, and a
 * rerun ends in the state of a run that never crashed.
 */

const DAY2 = new Date('2024-07-02T06:00:00.000Z')
const DAY3 = new Date('2024-07-03T06:00:00.000Z')
const A = `id,amount\n${Array.from({ length: 40 }, (_, i) => `${i + 1},${i}.5`).join('\n')}\n`
const B = 'id,amount\n101,0.125\n102,-3.875\n'
const C = 'id,amount\n201,2.5\n'
const KEYS = ['meter/a.csv', 'meter/c.csv', 'meter/b.csv']

type Mode = 'before' | 'after'

/**
 * The lake's curated zone and catalog counting their changes while `armed()`, and failing the
 * `at`-th one (from 1): `before` it lands, or `after` (the change is made, then the process dies).
 */
function faulty(deps: LakeDeps, armed: () => boolean, at = 0, mode: Mode = 'before'): { deps: LakeDeps; count: () => number } {
  let n = 0
  const step = async <T>(what: string, change: () => Promise<T>): Promise<T> => {
    if (!armed()) return change()
    n += 1
    if (n !== at) return change()
    if (mode === 'after') await change()
    throw new Error(`crash: injected ${mode} ${what}`)
  }
  const curated: ObjectStore = {
    ...deps.curated,
    writeText: (key, text, condition) => step(`writing ${key}`, () => deps.curated.writeText(key, text, condition)),
    copy: (from, to) => step(`copying to ${to}`, () => deps.curated.copy(from, to)),
    delete: (keys) => step(`deleting ${keys.length} key(s)`, () => deps.curated.delete(keys)),
    async upload(key) {
      const upload = await deps.curated.upload(key)
      return { ...upload, close: () => step(`uploading ${key}`, () => upload.close()) }
    },
  }
  const catalog: Catalog = {
    ...deps.catalog,
    createTable: (db, t) => step(`creating ${t.Name}`, () => deps.catalog.createTable(db, t)),
    updateTable: (db, t, v) => step(`updating ${t.Name}`, () => deps.catalog.updateTable(db, t, v)),
    replaceTable: (db, t, p, v) => step(`replacing ${t.Name}`, () => deps.catalog.replaceTable(db, t, p, v)),
    addPartitions: (db, t, p) => step(`adding partitions to ${t}`, () => deps.catalog.addPartitions(db, t, p)),
  }
  return { deps: { ...deps, curated, catalog }, count: () => n }
}

async function loadedOnce(): Promise<E2ELake> {
  const lake = await createLake({ seed: 'none' })
  await lake.putRaw('meter/a.csv', A)
  await lake.putRaw('meter/c.csv', C)
  expect((await lake.run()).failure).toBeUndefined()
  await lake.putRaw('meter/b.csv', B)
  return lake
}

/** What a reader sees: the rows, their ids and sum, and the live parts' types of `amount`. */
async function seen(lake: E2ELake): Promise<{ rows: number; ids: number; sum: string; amountTypes: string[]; declared: string | undefined }> {
  const [row] = await lake.query('SELECT count(*) AS n, count(DISTINCT id) AS ids, CAST(sum(amount) AS VARCHAR) AS s FROM meter')
  // What readers see: the catalog's own definition (an Iceberg table's working one is Load's).
  const table = await realCatalog(lake.deps.catalog).getTable('sluice', 'meter')
  const parts = await liveParts(lake.deps.catalog, 'sluice', 'meter', lake.deps.curated)
  return {
    rows: Number(row.n), ids: Number(row.ids), sum: canonicalDecimal(String(row.s)),
    amountTypes: [...new Set(parts.map((p) => p.types.amount))], declared: table?.StorageDescriptor.Columns.find((c) => c.Name === 'amount')?.Type,
  }
}

describe('a crash while a column widens', () => {
  let lake: E2ELake | undefined
  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('leaves the old state or the new one at every step, and a rerun gives the clean result', { timeout: 600_000 }, async () => {
    // Prepare: how many changes the widening Load makes when nothing fails.
    const reference = await loadedOnce()
    const counting = armingLoad()
    const dry = faulty(reference.deps, counting.armed)
    expect((await reference.run(undefined, { startTime: DAY2, wrap: counting.wrap, deps: dry.deps })).failure).toBeUndefined()
    const clean = await seen(reference)
    await reference.dispose()
    const steps = dry.count()
    const old = { rows: 41, sum: exactSum(csvColumn([A, C], 'amount')) }
    const all = { rows: 43, sum: exactSum(csvColumn([A, B, C], 'amount')) }

    for (const mode of ['before', 'after'] as Mode[]) {
      for (let at = 1; at <= steps; at++) {
        lake = await loadedOnce()
        const arming = armingLoad()

        // Act
        const crashed = await lake
          .run(undefined, { startTime: DAY2, wrap: arming.wrap, deps: faulty(lake.deps, arming.armed, at, mode).deps })
          .then((outcome) => outcome.failure?.cause ?? 'no failure', (e: unknown) => (e as Error).message)
        const during = await seen(lake)
        const rerun = await lake.run(undefined, { startTime: DAY3, wrap: transformingBlind })
        const after = await seen(lake)
        const findings = await lakeFindings(lake.deps, KEYS)

        // Assess
        const where = `${mode} step ${at} of ${steps}: ${crashed}`
        expect(crashed, where).toContain('crash: injected')
        expect(during.amountTypes, where).toEqual([during.declared])
        expect(during.ids, where).toBe(during.rows)
        expect([old, all], where).toContainEqual({ rows: during.rows, sum: during.sum })
        expect(rerun.failure, where).toBeUndefined()
        expect(after, where).toEqual(clean)
        expect(findings, where).toEqual(CONSISTENT)
        await lake.dispose()
        lake = undefined
      }
    }
    expect(clean).toMatchObject({ rows: 43, ids: 43, sum: all.sum, amountTypes: [clean.declared] })
    expect(clean.declared).not.toBe('decimal(18,1)')
  })
})
