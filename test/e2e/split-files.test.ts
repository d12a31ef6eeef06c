import { afterEach, describe, expect, it } from 'vitest'
import type { TaskHandler } from '../../cli/local/run-workflow'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import type { TransformEvent } from '../../functions/core/lake/workflow-types'
import { s3ObjectStore } from '../../functions/adapters/s3-object-store'
import { createLake, type E2ELake, type RunOptions } from '../support/e2e-lake'
import { startS3rver } from '../support/s3rver'

/** Small enough that the test files are split into several byte ranges. */
const SPLIT_BYTES = 6000

/**
 * Orders whose notes are quoted and span three lines, so that most cuts fall inside a quoted
 * field, with ragged rows (rejected) at the given lines of the row list.
 */
function ordersCsv(rows: number, ragged: (i: number) => boolean): string {
  const lines = ['order_id,placed_on,amount,note,score']
  for (let i = 1; i <= rows; i++) {
    const note = `"first line of ${i}\nsecond, ""quoted"" line\nthird line ${'x'.repeat(i % 7)}"`
    const day = String((i % 28) + 1).padStart(2, '0')
    lines.push(ragged(i) ? `${i},2024-05-${day},${i}.25` : `${i},2024-05-${day},${(i * 3.5).toFixed(2)},${note},${i % 5 === 0 ? '' : i * 1.5}`)
  }
  return `${lines.join('\n')}\n`
}

/** The curated store, recording the keys of staged range conversions. */
function recordingRanges(curated: ObjectStore, seen: string[]): ObjectStore {
  return {
    ...curated,
    async writeText(key, text, condition) {
      if (/\/range-\d+-/.test(key)) seen.push(key)
      return curated.writeText(key, text, condition)
    },
  }
}

/** Dies right after the first range's Transform returns: every later handler call fails. */
function crashAfterFirstRange(): { options: RunOptions; settled: () => Promise<unknown> } {
  const controller = new AbortController()
  const running = new Set<Promise<unknown>>()
  const wrap = (name: string, handler: TaskHandler): TaskHandler => async (event) => {
    if (controller.signal.aborted) throw new Error('crash: the process is gone')
    const call = handler(event)
    running.add(call)
    try {
      const result = await call
      if (name === 'Transform' && (event as TransformEvent).file.range) controller.abort()
      return result
    } finally {
      running.delete(call)
    }
  }
  return { options: { signal: controller.signal, wrap }, settled: () => Promise.allSettled([...running]) }
}

describe('a large file split into byte ranges', () => {
  const lakes: E2ELake[] = []
  afterEach(async () => {
    await Promise.all(lakes.splice(0).map((l) => l.dispose()))
  })
  const lakeWith = async (key: string, csv: string) => {
    const lake = await createLake({ seed: 'none' })
    lakes.push(lake)
    await lake.putRaw(key, csv)
    return lake
  }
  const columns = async (lake: E2ELake, table: string) => (await lake.deps.catalog.getTable(lake.deps.database, table))?.StorageDescriptor.Columns

  it('loads as one version equal, cell for cell, to the same file loaded unsplit, a cut inside a quoted field redone', async () => {
    // Prepare
    const csv = ordersCsv(400, (i) => i % 53 === 0)
    const whole = await lakeWith('orders/big.csv', csv)
    const split = await lakeWith('orders/big.csv', csv)
    const ranges: string[] = []
    const transforms: TransformEvent[] = []

    // Act
    const unsplit = await whole.run(undefined, { settings: { splitBytes: 0 } })
    const outcome = await split.run(undefined, {
      settings: { splitBytes: SPLIT_BYTES },
      deps: { ...split.deps, curated: recordingRanges(split.deps.curated, ranges) },
      wrap: (name, handler) => async (event) => {
        if (name === 'Transform') transforms.push(event as TransformEvent)
        return handler(event)
      },
    })

    // Assess
    const count = Math.ceil(csv.length / SPLIT_BYTES)
    expect(count).toBeGreaterThanOrEqual(5)
    expect(transforms.map((t) => t.file.range)).toEqual(Array.from({ length: count }, (_, index) => ({ index, count })))
    // More conversions than ranges: a range started inside a quoted field and was redone.
    expect(ranges.length).toBeGreaterThan(count)
    expect(outcome.failure).toBeUndefined()
    expect(outcome.report.files).toEqual([expect.objectContaining({ key: 'orders/big.csv', outcome: 'loaded', rowsIn: 400, rowsRejected: 7, rowsOut: 393 })])
    expect(outcome.report.files[0]).toMatchObject({ rowsIn: unsplit.report.files[0].rowsIn, rowsOut: unsplit.report.files[0].rowsOut })
    expect(await split.snapshot()).toEqual(await whole.snapshot())
    expect(await columns(split, 'orders')).toEqual(await columns(whole, 'orders'))
    expect(await split.query('SELECT line, error_code FROM orders__rejects ORDER BY line')).toEqual(await whole.query('SELECT line, error_code FROM orders__rejects ORDER BY line'))
    expect((await split.query('SELECT min(line) AS first FROM orders__rejects'))[0].first).toBe(1 + 52 * 3 + 1)
    expect((await split.curatedKeys('_ledger/')).filter((k) => /^_ledger\/orders\/[0-9a-f]+\.json$/.test(k))).toHaveLength(1)
    expect(await split.curatedKeys('_staging/')).toEqual([])
  })

  it('loads a file whose quoted field spans more than a whole range as the unsplit load does', async () => {
    // Prepare: order 150's note has 2,000 lines, several ranges long.
    const lines = ['order_id,note,amount']
    for (let i = 1; i <= 300; i++) lines.push(`${i},${i === 150 ? `"${Array.from({ length: 2000 }, (_, k) => `line ${k}`).join('\n')}"` : `note ${i}`},${i}.5`)
    const csv = `${lines.join('\n')}\n`
    const whole = await lakeWith('notes/long.csv', csv)
    const split = await lakeWith('notes/long.csv', csv)

    // Act
    await whole.run(undefined, { settings: { splitBytes: 0 } })
    const outcome = await split.run(undefined, { settings: { splitBytes: SPLIT_BYTES } })

    // Assess
    expect(Math.ceil(csv.length / SPLIT_BYTES)).toBeGreaterThanOrEqual(4)
    expect(outcome.report.files).toEqual([expect.objectContaining({ outcome: 'loaded', rowsIn: 300, rowsOut: 300 })])
    expect(await split.snapshot()).toEqual(await whole.snapshot())
  })

  it('applies the reject threshold to the whole file, not to each range', async () => {
    // Prepare: the rejects all fall in the last range, 20 % of it but 4 % of the file.
    const under = ordersCsv(400, (i) => i > 384)
    const over = ordersCsv(400, (i) => i > 376)
    const lake = await lakeWith('orders/under.csv', under)
    await lake.putRaw('orders/over.csv', over)

    // Act
    const outcome = await lake.run(undefined, { settings: { splitBytes: SPLIT_BYTES } })

    // Assess
    const byKey = Object.fromEntries(outcome.report.files.map((f) => [f.key, f]))
    expect(byKey['orders/under.csv']).toMatchObject({ outcome: 'loaded', rowsIn: 400, rowsRejected: 16 })
    expect(byKey['orders/over.csv']).toMatchObject({ outcome: 'quarantined' })
    expect(byKey['orders/over.csv'].reason).toMatch(/^RejectThresholdError: rejects: 24 of 400 rows of orders\/over\.csv were rejected/)
    expect(await lake.query('SELECT count(*) AS n FROM orders')).toEqual([{ n: 384 }])
    expect(await lake.query('SELECT count(*) AS n FROM orders__rejects')).toEqual([{ n: 16 }])
    expect(await lake.curatedKeys('_staging/')).toEqual([])
  })

  it('gives the results of a clean run when rerun after a crash between the ranges and Load', async () => {
    // Prepare
    const csv = ordersCsv(400, (i) => i % 53 === 0)
    const clean = await lakeWith('orders/big.csv', csv)
    await clean.run(undefined, { settings: { splitBytes: SPLIT_BYTES } })
    const lake = await lakeWith('orders/big.csv', csv)
    const crash = crashAfterFirstRange()
    await lake.run(undefined, { ...crash.options, settings: { splitBytes: SPLIT_BYTES } }).catch((e: unknown) => e)
    await crash.settled()

    // Act
    const rerun = await lake.run(undefined, { settings: { splitBytes: SPLIT_BYTES } })

    // Assess
    expect(rerun.failure).toBeUndefined()
    expect(rerun.report.totals).toMatchObject({ loaded: 1 })
    expect(await lake.snapshot()).toEqual(await clean.snapshot())
    expect(await lake.query('SELECT order_id, count(*) AS n FROM orders GROUP BY ALL HAVING n > 1')).toEqual([])
    const lakeKeys = (await lake.curatedKeys()).filter((k) => /^orders/.test(k))
    const cleanKeys = (await clean.curatedKeys()).filter((k) => /^orders/.test(k))
    expect(lakeKeys.length).toBe(cleanKeys.length)
  })

  it('fails the file whole, committing none of its ranges, when one range fails', async () => {
    // Prepare
    const lake = await lakeWith('orders/big.csv', ordersCsv(400, (i) => i % 53 === 0))

    // Act
    const outcome = await lake.run(undefined, {
      settings: { splitBytes: SPLIT_BYTES },
      wrap: (name, handler) => async (event) => {
        const range = (event as TransformEvent).file?.range
        if (name === 'Transform' && range?.index === 2) throw Object.assign(new Error('csv: injected failure of range 2'), { name: 'CsvFormatError' })
        return handler(event)
      },
    })

    // Assess
    expect(outcome.report.files).toEqual([expect.objectContaining({ key: 'orders/big.csv', outcome: 'quarantined', rowsOut: 0 })])
    expect(outcome.report.files[0].reason).toMatch(/^CsvFormatError: range 3 of \d+ failed, so the file is not loaded: .*injected failure of range 2/)
    expect(outcome.failure?.error).toBe('FilesFailed')
    // No rows are committed: the head records the version as failed, with no outputs, and its quarantine.
    const ledger = await lake.curatedKeys('_ledger/')
    const heads = ledger.filter((k) => !k.endsWith('.quarantined.json') && !k.endsWith('.receipt.json'))
    expect(heads).toEqual([expect.stringMatching(/^_ledger\/orders\/[0-9a-f]+\.json$/)])
    const head = JSON.parse((await lake.deps.curated.readText(heads[0]!))!)
    expect(head).toMatchObject({ key: 'orders/big.csv', state: 'failed', outputs: [] })
    expect((await lake.curatedKeys('_ledger/')).filter((k) => k.endsWith('.receipt.json'))).toHaveLength(1)
    expect((await lake.curatedKeys()).filter((k) => /^orders/.test(k))).toEqual([])
    expect(await lake.curatedKeys('_staging/')).toEqual([])
  })

  it('reads the ranges with ranged GETs from S3 and gives the same tables as the folder lake unsplit', async () => {
    // Prepare
    const csv = ordersCsv(400, (i) => i % 53 === 0)
    const s3 = await startS3rver(['rawsplit', 'curatedsplit'])
    try {
      const raw = s3ObjectStore(s3.client, 'rawsplit')
      const curated = s3ObjectStore(s3.client, 'curatedsplit')
      const inS3 = await createLake({ seed: 'none', zones: { raw, curated, buckets: { rawsplit: raw, curatedsplit: curated } } })
      lakes.push(inS3)
      await inS3.putRaw('orders/big.csv', csv)
      const whole = await lakeWith('orders/big.csv', csv)

      // Act
      const outcome = await inS3.run(undefined, { settings: { splitBytes: SPLIT_BYTES } })
      await whole.run(undefined, { settings: { splitBytes: 0 } })

      // Assess
      expect(outcome.failure).toBeUndefined()
      expect(outcome.report.files).toEqual([expect.objectContaining({ outcome: 'loaded', rowsIn: 400, rowsRejected: 7 })])
      expect(await inS3.snapshot()).toEqual(await whole.snapshot())
    } finally {
      await s3.stop()
    }
  })
})
