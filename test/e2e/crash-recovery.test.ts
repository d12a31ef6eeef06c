import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TaskHandler, WorkflowStep } from '../../cli/local/run-workflow'
import { TransientStorageError } from '../../functions/core/errors'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import type { TransformEvent } from '../../functions/core/lake/workflow-types'
import { expireDataset } from '../../functions/load/expire-tables'
import { createLake, type E2ELake, type Row, type RunOptions } from '../support/e2e-lake'

type State = WorkflowStep

/**
 * A process that dies right after the first `state` handler returns: the execution is
 * aborted and every later handler call fails without doing anything. `settled()` waits for
 * the calls that were already running when it died.
 */
function crashAfter(state: State): { options: RunOptions; settled: () => Promise<unknown> } {
  const controller = new AbortController()
  const running = new Set<Promise<unknown>>()
  const wrap = (name: State, handler: TaskHandler): TaskHandler => async (event) => {
    if (controller.signal.aborted) throw new Error('crash: the process is gone')
    const call = handler(event)
    running.add(call)
    try {
      const result = await call
      if (name === state) controller.abort()
      return result
    } finally {
      running.delete(call)
    }
  }
  return { options: { signal: controller.signal, wrap }, settled: () => Promise.allSettled([...running]) }
}

/** The curated zone, failing the first commit (the write of a ledger head) of `dataset`. */
function failingFirstCommit(curated: ObjectStore, dataset: string): ObjectStore {
  let failed = false
  const head = new RegExp(`^_ledger/${dataset}/[0-9a-f]+\\.json$`)
  return {
    ...curated,
    async writeText(key, text, condition) {
      if (!failed && head.test(key)) {
        failed = true
        throw new Error(`crash: injected before writing ${key}`)
      }
      return curated.writeText(key, text, condition)
    },
  }
}

/** Every curated key the committed ledger heads of a dataset name. */
async function committedOutputs(lake: E2ELake, dataset: string): Promise<string[]> {
  const keys: string[] = []
  for (const key of await lake.curatedKeys(`_ledger/${dataset}/`)) {
    if (!/^_ledger\/[^/]+\/[0-9a-f]+\.json$/.test(key)) continue
    const head = JSON.parse((await lake.deps.curated.readText(key))!) as { state: string; outputs: string[] }
    if (head.state === 'committed') keys.push(...head.outputs)
  }
  return keys
}

/** Duplicates among all rows of the data tables: each would be a row loaded twice. */
async function duplicateRows(lake: E2ELake): Promise<Row[]> {
  return lake.query(`
    SELECT 'orders' AS t, order_id AS id, count(*) AS n FROM orders GROUP BY ALL HAVING n > 1
    UNION ALL SELECT 'customers', customer_id, count(*) FROM customers GROUP BY ALL HAVING count(*) > 1
    UNION ALL SELECT 'payments', order_id, count(*) FROM payments GROUP BY payment_ref, order_id HAVING count(*) > 1
    UNION ALL SELECT 'orders__rejects', line, count(*) FROM orders__rejects GROUP BY source, line HAVING count(*) > 1`)
}

describe('recovery from a crash', () => {
  let clean: Record<string, Row[]>
  let lake: E2ELake | undefined

  beforeAll(async () => {
    const reference = await createLake()
    await reference.run()
    clean = await reference.snapshot()
    await reference.dispose()
  })

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it.each<[State, number]>([
    ['Plan', 4],
    ['Transform', 4],
    ['Load', 0],
  ])('gives the results of a clean run when rerun after a crash after the first %s', async (state, reloaded) => {
    // Prepare
    lake = await createLake()
    const crash = crashAfter(state)
    await lake.run(undefined, crash.options).catch((e: unknown) => e)
    await crash.settled()

    // Act
    const rerun = await lake.run()
    const results = await lake.snapshot()

    // Assess
    expect(rerun.failure).toBeUndefined()
    expect(rerun.report.totals).toMatchObject({ loaded: reloaded, skipped: 4 - reloaded })
    expect(results).toEqual(clean)
    expect(await duplicateRows(lake)).toEqual([])
  })

  it('gives the results of a clean run when rerun after a crash between publishing files and committing them', async () => {
    // Prepare
    lake = await createLake()
    const crashed = await lake
      .run(undefined, { deps: { ...lake.deps, curated: failingFirstCommit(lake.deps.curated, 'orders') } })
      .then((outcome) => outcome.failure?.cause, (e: unknown) => (e as Error).message)

    // Act
    const rerun = await lake.run()
    const results = await lake.snapshot()

    // Assess
    // Datasets, and the files of one, commit side by side: those whose commits were under way
    // when one failed finished; the rerun loads the rest, at least the one that failed.
    expect(crashed).toContain('crash: injected before writing _ledger/orders/')
    expect(rerun.failure).toBeUndefined()
    const reloaded = rerun.report.files.filter((f) => f.outcome === 'loaded').map((f) => f.key)
    expect(reloaded.filter((k) => k.startsWith('orders/')).length).toBeGreaterThanOrEqual(1)
    expect(rerun.report.totals.loaded + rerun.report.totals.skipped).toBe(4)
    expect(results).toEqual(clean)
    expect(await duplicateRows(lake)).toEqual([])
  })

  it('removes what an interrupted publish left when the rerun loads into a later ingest date', async () => {
    // Prepare
    lake = await createLake()
    await lake.run(undefined, { deps: { ...lake.deps, curated: failingFirstCommit(lake.deps.curated, 'orders') } }).catch((e: unknown) => e)

    // Act
    const rerun = await lake.run(undefined, { startTime: new Date('2024-07-02T06:00:00.000Z') })
    const orders = await lake.query('SELECT ingest_date, count(*) AS n, count(DISTINCT order_id) AS ids FROM orders GROUP BY ALL')
    const rejects = await lake.query('SELECT ingest_date, line FROM orders__rejects ORDER BY line')
    // An Iceberg table keeps what left its ledger until expiry, which a day later removes it.
    await expireDataset(lake.deps, 'orders', new Date(Date.now() + 25 * 3_600_000))
    const ordersObjects = (await lake.curatedKeys()).filter((k) => /^orders(__rejects)?\/.*\.parquet$/.test(k))

    // Assess
    // The file whose commit failed is loaded into the later date; one committed beside it stays
    // in the first. No object of the interrupted publish is left.
    expect(rerun.failure).toBeUndefined()
    expect(orders.reduce((n, r) => n + Number(r.n), 0)).toBe(113)
    expect(orders.reduce((n, r) => n + Number(r.ids), 0)).toBe(113)
    expect(orders.map((r) => r.ingest_date)).toContain('2024-07-02')
    expect(rejects.map((r) => r.line)).toEqual([19, 43])
    expect(ordersObjects.filter((k) => k.includes('ingest_date=2024-07-01')).sort()).toEqual((await committedOutputs(lake, 'orders')).filter((k) => k.includes('ingest_date=2024-07-01')).sort())
  })

  it('loads everything once when a Transform fails with a transient error and is retried', async () => {
    // Prepare
    lake = await createLake()
    const calls: string[] = []
    let thrown = false
    const flaky: RunOptions['wrap'] = (state, handler) =>
      state !== 'Transform'
        ? handler
        : async (event) => {
            const { key } = (event as TransformEvent).file
            calls.push(key)
            if (key === 'orders/orders-2024-06.csv' && !thrown) {
              thrown = true
              throw new TransientStorageError(`s3: read s3://raw/${key} failed: SlowDown (HTTP 503): injected`)
            }
            return handler(event)
          }

    // Act
    const { report, failure } = await lake.run(undefined, { wrap: flaky })
    const results = await lake.snapshot()

    // Assess
    expect(failure).toBeUndefined()
    expect(calls.filter((k) => k === 'orders/orders-2024-06.csv')).toHaveLength(2)
    expect(report.totals).toMatchObject({ files: 4, loaded: 4, failed: 0 })
    expect(results).toEqual(clean)
    expect(await duplicateRows(lake)).toEqual([])
  })
})
