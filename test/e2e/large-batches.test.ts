import { afterEach, describe, expect, it } from 'vitest'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { createLake, type E2ELake } from '../support/e2e-lake'

const FILES = 600
/** Every fifth file fails: every row has the wrong field count, or the file is binary. */
const failing = (i: number) => i % 5 === 0

/** A raw key of exactly 120 characters, numbered so that key order is file order. */
function longKey(i: number): string {
  const tail = `-${String(i).padStart(4, '0')}.csv`
  const head = 'events/'
  return head + 'daily-export-of-the-point-of-sale-terminals-'.padEnd(120 - head.length - tail.length, 'x') + tail
}

function content(i: number): string | Uint8Array {
  if (!failing(i)) return `event_id,store,amount\n${i},s${i % 7},${i}.50\n${i + 100000},s${i % 3},1.25\n`
  // Half the failures are binary, half have the wrong number of fields on every row.
  return i % 10 === 0 ? new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0, 0x01, 0x02]) : `event_id,store,amount\n${i},s1\n${i + 100000},s2\n`
}

describe('a batch of many files with long keys and many failures', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  // 600 files through the whole workflow take a while on a small machine.
  it('ends in FilesFailed with every good file committed and queryable, no state nearing the payload limit', { timeout: 600_000 }, async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    for (let i = 0; i < FILES; i += 1) await lake.putRaw(longKey(i), content(i))
    const good = Array.from({ length: FILES }, (_, i) => i).filter((i) => !failing(i))

    // Act
    const { report, failure } = await lake.run(undefined, { settings: { batchSize: FILES } })
    const rows = await lake.query('SELECT count(*) AS n, count(DISTINCT _sluice_source) AS files, sum(amount) AS amount FROM events')

    // Assess
    expect(failure?.error).toBe('FilesFailed')
    expect(report.totals).toMatchObject({ files: FILES, loaded: good.length, quarantined: FILES - good.length })
    expect(report.files.filter((f) => f.outcome === 'loaded').map((f) => f.key).sort()).toEqual(good.map(longKey))
    expect(rows).toEqual([{ n: 2 * good.length, files: good.length, amount: good.reduce((sum, i) => sum + i + 0.5 + 1.25, 0).toFixed(2) }])
    // Load removed each batch's manifest and results, and the staged files.
    expect(await lake.curatedKeys('_batches/')).toEqual([])
    expect(await lake.curatedKeys('_staging/')).toEqual([])
  })
})

/** The curated zone, failing every read of a batch's shared fields: each Transform invocation fails whole. */
function failingBatchReads(curated: ObjectStore): ObjectStore {
  return {
    ...curated,
    async readText(key) {
      if (key.endsWith('/context.json')) throw new Error(`s3: read of ${key} failed: injected`)
      return curated.readText(key)
    },
  }
}

describe('a Transform invocation that fails as a whole', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('fails each file of its batch, which the next run loads', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv', 'orders/orders-2024-06.csv', 'customers/customers.csv'] })

    // Act
    const broken = await lake.run(undefined, { deps: { ...lake.deps, curated: failingBatchReads(lake.deps.curated) } })
    const rerun = await lake.run(undefined, { startTime: new Date('2024-07-02T06:00:00.000Z') })

    // Assess
    expect(broken.failure?.error).toBe('FilesFailed')
    expect(broken.report.files.map((f) => [f.key, f.outcome]).sort()).toEqual([
      ['customers/customers.csv', 'failed'],
      ['orders/orders-2024-05.csv', 'failed'],
      ['orders/orders-2024-06.csv', 'failed'],
    ])
    expect(broken.report.files[0]!.reason).toMatch(/^Error: s3: read of _batches\/.+\/context\.json failed: injected$/)
    expect(rerun.failure).toBeUndefined()
    expect(rerun.report.totals).toMatchObject({ files: 3, loaded: 3, failed: 0 })
  })
})
