import { afterEach, describe, expect, it } from 'vitest'
import type { TaskHandler } from '../../cli/local/run-workflow'
import { parseLedgerKey, type LedgerRecord } from '../../functions/core/lake/ledger'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { glueCatalog } from '../../functions/adapters/glue-catalog'
import { GENERATION_PARAMETER } from '../../functions/core/lake/generation'
import { createLake, type E2ELake, type Row } from '../support/e2e-lake'
import { startGlueServer, type GlueServer } from '../support/glue-server'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'
import { lakeStatus } from '../../cli/ops/lake-status'
import { receiptKey, type Receipt } from '../../functions/core/lake/receipt'
import { fileId } from '../../functions/core/lake/lake-layout'
import { partitionValues } from '../support/live-parts'
import type { TransformEvent } from '../../functions/core/lake/workflow-types'

const NEXT_DAY = new Date('2024-07-02T06:00:00.000Z')
const REPROCESS = { trigger: 'reprocess', dataset: 'orders' }
const ORDER_FILES = ['orders/orders-2024-05.csv', 'orders/orders-2024-06.csv']

const HEADER = 'order_id,customer_id,ordered_at,status,items,total_eur,note'
const JULY_WORDS = `${HEADER}\n50200,1001,2024-07-01T10:00:00Z,pending,two,10.50,\n50201,1002,2024-07-02T10:00:00Z,pending,three,11.25,\n`
const JULY_FIXED = `${HEADER}\n50200,1001,2024-07-01T10:00:00Z,pending,2,10.50,\n50201,1002,2024-07-02T10:00:00Z,pending,3,11.25,\n`
const AUGUST = `${HEADER}\n50300,1003,2024-08-01T10:00:00Z,pending,1,20.00,\n`

async function columnsOf(lake: E2ELake, table: string): Promise<string[]> {
  return ((await lake.deps.catalog.getTable('sluice', table))?.StorageDescriptor.Columns ?? []).map((c) => `${c.Name} ${c.Type}`)
}

async function heads(lake: E2ELake): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = []
  for (const key of await lake.curatedKeys('_ledger/')) {
    if (parseLedgerKey(key)?.kind !== 'head') continue
    records.push(JSON.parse((await lake.deps.curated.readText(key))!) as LedgerRecord)
  }
  return records
}

const ordersSummary = (lake: E2ELake): Promise<Row[]> =>
  lake.query('SELECT count(*) AS n, count(DISTINCT order_id) AS ids, sum(total_eur) AS total, sum(items) AS items FROM orders')

/** A lake whose orders table carries a variant column that no raw file needs any more. */
async function lakeWithStaleVariant(): Promise<E2ELake> {
  const lake = await createLake({ seed: ORDER_FILES })
  await lake.putRaw('orders/orders-2024-07.csv', JULY_WORDS)
  await lake.run()
  await lake.putRaw('orders/orders-2024-07.csv', JULY_FIXED)
  await lake.run()
  return lake
}

/** Wraps the Load handler to call `after` once each Load returned. */
function afterEachLoad(after: (n: number) => Promise<void>) {
  let n = 0
  return (state: string, handler: TaskHandler): TaskHandler =>
    state !== 'Load'
      ? handler
      : async (event) => {
          const result = await handler(event)
          await after(++n)
          return result
        }
}

/** The curated zone, failing the first write of a ledger head whose record names `generation`. */
function failingFirstSwapCommit(curated: ObjectStore): ObjectStore {
  let failed = false
  return {
    ...curated,
    async writeText(key, text, condition) {
      if (!failed && key.startsWith('_ledger/') && parseLedgerKey(key)?.kind === 'head' && text.includes('"generation"')) {
        failed = true
        throw new Error(`crash: injected before writing ${key}`)
      }
      return curated.writeText(key, text, condition)
    },
  }
}

describe('sluice reprocess', () => {
  let lake: E2ELake | undefined
  let glue: GlueServer | undefined

  afterEach(async () => {
    await lake?.dispose()
    await glue?.stop()
    lake = glue = undefined
  })

  it('swaps the rebuilt table into Glue: one UpdateTable per table, then the new partitions in and the old ones out', async () => {
    // Prepare
    glue = await startGlueServer()
    // Glue's partitions of a Hive table: an Iceberg table's swap is its pointer (iceberg-load.test.ts).
    lake = await createLake({ seed: ORDER_FILES, catalog: glueCatalog(glue.client), tableFormat: 'hive' })
    await lake.putRaw('orders/orders-2024-07.csv', JULY_WORDS)
    await lake.run()
    await lake.putRaw('orders/orders-2024-07.csv', JULY_FIXED)
    await lake.run()
    const before = await ordersSummary(lake)
    const updatesBefore = glue.calls('UpdateTable')

    // Act
    const outcome = await lake.run(REPROCESS, { startTime: NEXT_DAY })
    const table = glue.table('sluice', 'orders') as unknown as { Parameters: Record<string, string>; StorageDescriptor: { Location: string; Columns: { Name: string }[] } }
    const partitions = (await lake.deps.catalog.listPartitions('sluice', 'orders')).map((p) => [p.Values, p.StorageDescriptor.Location])

    // Assess
    expect(outcome.failure).toBeUndefined()
    expect(await ordersSummary(lake)).toEqual(before)
    expect(table.StorageDescriptor.Columns.map((c) => c.Name)).not.toContain('items__string')
    expect(table.StorageDescriptor.Location).toMatch(new RegExp(`/orders/gen=${table.Parameters[GENERATION_PARAMETER]}/$`))
    expect(partitions).toEqual([[['2024-07-02'], expect.stringMatching(new RegExp(`/orders/gen=${table.Parameters[GENERATION_PARAMETER]}/ingest_date=2024-07-02/$`))]])
    expect(glue.calls('UpdateTable') - updatesBefore).toBe(2)
    expect(await lakeFindings(lake.deps, [...ORDER_FILES, 'orders/orders-2024-07.csv'])).toEqual(CONSISTENT)
  })

  it('rebuilds a table from its raw files, dropping a variant column no file needs any more, with the same rows', async () => {
    // Prepare
    lake = await lakeWithStaleVariant()
    const columnsBefore = await columnsOf(lake, 'orders')
    const before = await ordersSummary(lake)

    // Act
    const outcome = await lake.run(REPROCESS, { startTime: NEXT_DAY })
    const after = await ordersSummary(lake)
    const ingestDates = await lake.query('SELECT DISTINCT ingest_date FROM orders')
    const rejects = await lake.query('SELECT count(*) AS n FROM orders__rejects')

    // Assess
    expect(columnsBefore).toContain('items__string string')
    expect(outcome.failure).toBeUndefined()
    expect(outcome.report.trigger).toBe('reprocess')
    expect(outcome.report.files.map((f) => [f.key, f.outcome]).sort()).toEqual([...ORDER_FILES, 'orders/orders-2024-07.csv'].map((k) => [k, 'loaded']))
    expect(await columnsOf(lake, 'orders')).not.toContain('items__string string')
    expect(await columnsOf(lake, 'orders')).toContain('items bigint')
    expect(after).toEqual(before)
    expect(ingestDates).toEqual([{ ingest_date: '2024-07-02' }])
    expect(rejects).toEqual([{ n: 2 }])
    expect((await heads(lake)).every((h) => h.generation && h.outputs.every((k) => k.includes(`/gen=${h.generation}/`)))).toBe(true)
    expect(await lakeFindings(lake.deps, [...ORDER_FILES, 'orders/orders-2024-07.csv'])).toEqual(CONSISTENT)
  })

  it('shows readers the old table until the new one is complete', async () => {
    // Prepare
    lake = await lakeWithStaleVariant()
    const before = { summary: await ordersSummary(lake), columns: await columnsOf(lake, 'orders') }
    const seen: { summary: Row[]; columns: string[] }[] = []
    const current = lake

    // Act: one file per batch, and a look at the table after every Load
    const outcome = await lake.run(REPROCESS, {
      startTime: NEXT_DAY,
      settings: { batchSize: 1 },
      wrap: afterEachLoad(async () => void seen.push({ summary: await ordersSummary(current), columns: await columnsOf(current, 'orders') })),
    })

    // Assess
    expect(outcome.failure).toBeUndefined()
    expect(seen.length).toBeGreaterThanOrEqual(3)
    expect(seen.slice(0, 2)).toEqual([before, before])
    expect(seen[2]!.summary).toEqual(before.summary)
    expect(seen[2]!.columns).not.toContain('items__string string')
  })

  it('loads a file that a sweep finds after the rebuild into the new generation', async () => {
    // Prepare
    lake = await lakeWithStaleVariant()
    await lake.run(REPROCESS, { startTime: NEXT_DAY })
    await lake.putRaw('orders/orders-2024-08.csv', AUGUST)

    // Act
    const sweep = await lake.run(undefined, { startTime: NEXT_DAY })
    const summary = await lake.query('SELECT count(*) AS n FROM orders WHERE order_id = 50300')

    // Assess
    expect(sweep.report.totals).toMatchObject({ loaded: 1, skipped: 3 })
    expect(summary).toEqual([{ n: 1 }])
    expect(await lakeFindings(lake.deps, [...ORDER_FILES, 'orders/orders-2024-07.csv', 'orders/orders-2024-08.csv'])).toEqual(CONSISTENT)
  })

  it('keeps the old table when it crashes while building, and gives the rebuilt one when run again', async () => {
    // Prepare
    lake = await lakeWithStaleVariant()
    const before = await ordersSummary(lake)
    const controller = new AbortController()
    const crashed = await lake
      .run(REPROCESS, { startTime: NEXT_DAY, settings: { batchSize: 1 }, signal: controller.signal, wrap: afterEachLoad(async (n) => void (n === 1 && controller.abort())) })
      .then((o) => (o.failure ? 'crashed' : 'finished'), () => 'crashed')
    const afterCrash = { summary: await ordersSummary(lake), columns: await columnsOf(lake, 'orders') }

    // Act
    const rerun = await lake.run(REPROCESS, { startTime: NEXT_DAY })
    const after = await ordersSummary(lake)

    // Assess
    expect(crashed).toBe('crashed')
    expect(afterCrash.summary).toEqual(before)
    expect(afterCrash.columns).toContain('items__string string')
    expect(rerun.failure).toBeUndefined()
    expect(after).toEqual(before)
    expect(await columnsOf(lake, 'orders')).not.toContain('items__string string')
  })

  it('gives the rebuilt table with each row once when a plain run follows a crash in the middle of the swap', async () => {
    // Prepare
    lake = await lakeWithStaleVariant()
    const before = await ordersSummary(lake)
    const crashed = await lake
      .run(REPROCESS, { startTime: NEXT_DAY, deps: { ...lake.deps, curated: failingFirstSwapCommit(lake.deps.curated) } })
      .then((o) => o.failure?.cause ?? 'finished', (e: unknown) => (e as Error).message)

    // Act
    const rerun = await lake.run(undefined, { startTime: NEXT_DAY })
    const after = await ordersSummary(lake)

    // Assess
    expect(crashed).toContain('crash: injected')
    expect(rerun.failure).toBeUndefined()
    expect(after).toEqual(before)
    expect(await columnsOf(lake, 'orders')).not.toContain('items__string string')
    expect(await lakeFindings(lake.deps, [...ORDER_FILES, 'orders/orders-2024-07.csv'])).toEqual(CONSISTENT)
  })

  it('changes the partitioning of a table to the partitionBy of a contract added after its loads', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    await lake.putRaw('events/a.csv', 'id,region,amount\n1,north,1.50\n2,south,2.50\n')
    await lake.putRaw('events/b.csv', 'id,region,amount\n3,north,3.50\n')
    await lake.run()
    await lake.putRaw('_contracts/events.json', JSON.stringify({
      columns: [{ name: 'id', type: 'bigint' }, { name: 'region', type: 'string' }, { name: 'amount', type: 'decimal(12,2)' }],
      partitionBy: 'region',
    }))

    // Act
    const outcome = await lake.run({ trigger: 'reprocess', dataset: 'events' }, { startTime: NEXT_DAY })
    const table = await lake.deps.catalog.getTable('sluice', 'events')
    const partitions = await partitionValues(lake.deps, 'events')
    const rows = await lake.query('SELECT region, count(*) AS n, sum(amount) AS total FROM events GROUP BY 1 ORDER BY 1')

    // Assess
    expect(outcome.failure).toBeUndefined()
    expect(table?.PartitionKeys.map((k) => k.Name)).toEqual(['ingest_date', 'region'])
    expect(partitions).toEqual([['2024-07-02', 'north'], ['2024-07-02', 'south']])
    expect(rows).toEqual([{ region: 'north', n: 2, total: '5.00' }, { region: 'south', n: 1, total: '2.50' }])
    expect(await lakeFindings(lake.deps, ['events/a.csv', 'events/b.csv'])).toEqual(CONSISTENT)
  })

  it('fails with a reason naming the dataset when the raw zone holds none of its files', async () => {
    // Prepare
    lake = await createLake({ seed: ORDER_FILES })
    await lake.run()

    // Act
    const outcome = await lake.run({ trigger: 'reprocess', dataset: 'returns' }).then(
      (o) => o.failure?.cause ?? 'no failure',
      (e: unknown) => (e as Error).message,
    )

    // Assess
    expect(outcome).toMatch(/reprocess: the raw zone holds no files of dataset returns/)
  })
})

describe('sluice reprocess of files a new contract quarantines', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  const GOOD = 'id,amount\n1,10\n2,20\n3,30\n'
  const BAD = 'id,amount\n4,x1\n5,x2\n6,x3\n'
  const WORSE = 'id,amount\n7,y1\n8,y2\n'
  const INT_AMOUNTS = JSON.stringify({ columns: [{ name: 'id', type: 'int' }, { name: 'amount', type: 'int' }] })

  /** A prod dataset loaded without a contract (amount inferred as string where it must), then given one that rejects non-integer amounts. */
  async function lakeUnderNewContract(files: Record<string, string>): Promise<E2ELake> {
    const made = await createLake({ seed: 'none' })
    for (const [key, text] of Object.entries(files)) await made.putRaw(key, text)
    await made.run()
    await made.putRaw('_contracts/prod.json', INT_AMOUNTS)
    return made
  }

  /** Where each input row ended up: `table <id>` for a row of prod, `rejects <record> <source>:<line>` for a reject. */
  async function placesOfRows(made: E2ELake): Promise<string[]> {
    const rows = await made.query('SELECT id FROM prod')
    const rejects = await made.query('SELECT record, source, line FROM prod__rejects')
    return [...rows.map((r) => `table ${String(r.id)}`), ...rejects.map((r) => `rejects ${String(r.record)} ${String(r.source)}:${String(r.line)}`)].sort()
  }

  async function receiptOfKey(made: E2ELake, key: string): Promise<Receipt> {
    return JSON.parse((await made.deps.curated.readText(receiptKey('prod', fileId(key))))!) as Receipt
  }

  it('puts the rows of a file it quarantines into the rejects table, and only the good file in the table', async () => {
    // Prepare
    lake = await lakeUnderNewContract({ 'prod/good.csv': GOOD, 'prod/bad.csv': BAD })

    // Act
    const outcome = await lake.run({ trigger: 'reprocess', dataset: 'prod' }, { startTime: NEXT_DAY })
    const [status] = await lakeStatus(lake.deps)

    // Assess
    expect(outcome.failure?.error).toBe('FilesFailed')
    expect(outcome.report.files.map((f) => [f.key, f.outcome]).sort()).toEqual([['prod/bad.csv', 'quarantined'], ['prod/good.csv', 'loaded']])
    expect(await placesOfRows(lake)).toEqual(['rejects 4,x1 prod/bad.csv:2', 'rejects 5,x2 prod/bad.csv:3', 'rejects 6,x3 prod/bad.csv:4', 'table 1', 'table 2', 'table 3'])
    expect([status.files, status.rows, status.quarantined.map((q) => q.key)]).toEqual([1, 3, ['prod/bad.csv']])
    expect(status.quarantined[0].reason).not.toContain('earlier load stays')
    expect((await receiptOfKey(lake, 'prod/bad.csv')).status).toBe('quarantined')
    expect((await receiptOfKey(lake, 'prod/good.csv')).status).toBe('loaded')
    expect(await lakeFindings(lake.deps, ['prod/good.csv'])).toEqual(CONSISTENT)
  })

  it('swaps in an empty table with every row in rejects when every file is quarantined, and ends', async () => {
    // Prepare: besides two files the contract rejects, one that is no CSV at all (it has no rejects).
    lake = await lakeUnderNewContract({ 'prod/bad.csv': BAD, 'prod/worse.csv': WORSE, 'prod/blob.csv': 'id,amount\n\u0000\u0001\u0002\n' })

    // Act
    const outcome = await lake.run({ trigger: 'reprocess', dataset: 'prod' }, { startTime: NEXT_DAY, settings: { batchSize: 1 } })
    const [status] = await lakeStatus(lake.deps)

    // Assess
    expect(outcome.failure?.error).toBe('FilesFailed')
    expect(outcome.report.files.map((f) => [f.key, f.outcome]).sort()).toEqual([['prod/bad.csv', 'quarantined'], ['prod/blob.csv', 'quarantined'], ['prod/worse.csv', 'quarantined']])
    expect(outcome.report.files.find((f) => f.key === 'prod/blob.csv')?.reason).toMatch(/^BinaryInputError/)
    expect(await placesOfRows(lake)).toEqual([
      'rejects 4,x1 prod/bad.csv:2', 'rejects 5,x2 prod/bad.csv:3', 'rejects 6,x3 prod/bad.csv:4', 'rejects 7,y1 prod/worse.csv:2', 'rejects 8,y2 prod/worse.csv:3',
    ])
    expect([status.files, status.rows, status.quarantined.map((q) => q.key).sort()]).toEqual([0, 0, ['prod/bad.csv', 'prod/blob.csv', 'prod/worse.csv']])
    expect(await Promise.all(['prod/bad.csv', 'prod/blob.csv', 'prod/worse.csv'].map(async (k) => (await receiptOfKey(lake!, k)).status))).toEqual(['quarantined', 'quarantined', 'quarantined'])
  })

  it('keeps the old table whole when a file fails for a reason a retry may change', async () => {
    // Prepare: bad.csv is quarantined under the contract, more.csv loads, good.csv cannot be read this time.
    lake = await lakeUnderNewContract({ 'prod/good.csv': GOOD, 'prod/bad.csv': BAD, 'prod/more.csv': 'id,amount\n9,90\n' })
    const before = await lake.query('SELECT id, amount FROM prod ORDER BY id')
    const unreadable = (state: string, handler: TaskHandler): TaskHandler =>
      state !== 'Transform' ? handler : async (event) => {
        if ((event as TransformEvent).file.key === 'prod/good.csv') throw new Error('disk: cannot read prod/good.csv')
        return handler(event)
      }

    // Act
    const outcome = await lake.run({ trigger: 'reprocess', dataset: 'prod' }, { startTime: NEXT_DAY, wrap: unreadable })

    // Assess
    expect(outcome.failure?.error).toBe('FilesFailed')
    expect(outcome.report.files.map((f) => [f.key, f.outcome]).sort()).toEqual([['prod/bad.csv', 'quarantined'], ['prod/good.csv', 'failed'], ['prod/more.csv', 'loaded']])
    expect(await lake.query('SELECT id, amount FROM prod ORDER BY id')).toEqual(before)
    expect(before).toHaveLength(7)
  })
})
