import { cp } from 'node:fs/promises'
import { parquetReadObjects } from 'hyparquet'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_COMPACTION, type CompactionSettings } from '../../functions/core/compaction/merge-plan'
import { layoutKey } from '../../functions/core/compaction/compaction-layout'
import { LINEAGE_SOURCE } from '../../functions/core/parquet/lineage'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import type { LakeDeps } from '../../functions/core/lake/step-deps'
import { compactDataset } from '../../functions/load/table-compactor'
import type { CompactionOutcome } from '../../functions/load/compact-partition'
import { glueCatalog } from '../../functions/adapters/glue-catalog'
import { s3ObjectStore } from '../../functions/adapters/s3-object-store'
import { createLake, START_TIME, type E2ELake } from '../support/e2e-lake'
import { startGlueServer } from '../support/glue-server'
import { startS3rver } from '../support/s3rver'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'
import { dying } from '../support/dying-lake'

/** sluice compacts Hive tables; an Iceberg table's compaction is still to come (docs/iceberg.md, What remains). */
const COMPACTED_FORMAT = 'hive'

/** Never compacts after a load: the tests compact when they choose. */
const NEVER: CompactionSettings = { ...DEFAULT_COMPACTION, partThreshold: Number.MAX_SAFE_INTEGER, openThreshold: Number.MAX_SAFE_INTEGER }
const LATER = () => new Date(START_TIME.getTime() + 2 * 60 * 60 * 1000)

/** A small CSV of `rows` events with ids from `first`: decimals, timestamps and text; `bad` rows with a field too many go to rejects. */
function eventsCsv(first: number, rows: number, bad = 0): string {
  const lines = ['event_id,amount_eur,happened_at,note']
  for (let i = 0; i < bad; i++) lines.push(`${first + rows + i},1.00,2024-06-01T00:00:00Z,note,surplus`)
  for (let i = 0; i < rows; i++) {
    const id = first + i
    lines.push(`${id},${(id * 37) % 1000}.${String(id % 100).padStart(2, '0')},2024-06-${String(1 + (id % 28)).padStart(2, '0')}T${String(id % 24).padStart(2, '0')}:15:30.123456Z,note ${id}`)
  }
  return `${lines.join('\n')}\n`
}

const TOTALS = `SELECT count(*) AS n, sum(amount_eur) AS total, count(DISTINCT event_id) AS ids, count(DISTINCT ${LINEAGE_SOURCE}) AS files, min(happened_at) AS first, max(happened_at) AS last FROM events`

async function partKeys(lake: E2ELake, table = 'events'): Promise<string[]> {
  const keys: string[] = []
  for (const p of await lake.deps.catalog.listPartitions(lake.deps.database, table)) {
    const prefix = p.StorageDescriptor.Location.slice(lake.deps.curated.location('').length)
    for (const k of await lake.curatedKeys(prefix)) if (k.endsWith('.parquet') && k.lastIndexOf('/') === prefix.length - 1) keys.push(k)
  }
  return keys
}

async function rawKeys(lake: E2ELake): Promise<string[]> {
  const keys: string[] = []
  for await (const o of lake.deps.raw.list('events/')) keys.push(o.key)
  return keys
}

async function seedEvents(lake: E2ELake, files: number, rows = 3): Promise<void> {
  for (let f = 0; f < files; f++) await lake.putRaw(`events/e-${String(f).padStart(3, '0')}.csv`, eventsCsv(f * 1000, rows))
}

describe('compaction', () => {
  const lakes: E2ELake[] = []
  const newLake = async () => {
    const lake = await createLake({ seed: 'none', tableFormat: COMPACTED_FORMAT })
    lakes.push(lake)
    return lake
  }

  afterEach(async () => {
    await Promise.all(lakes.splice(0).map((l) => l.dispose()))
  })

  it('merges the parts of 200 small files into one, keeping every row, sum, id and the order of each file', async () => {
    // Prepare
    const lake = await newLake()
    await seedEvents(lake, 200)
    await lake.run(undefined, { compaction: NEVER })
    const before = { totals: await lake.query(TOTALS), snapshot: await lake.snapshot(), parts: await partKeys(lake) }

    // Act
    const outcomes = await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, LATER)

    // Assess
    const after = await partKeys(lake)
    expect(before.parts).toHaveLength(200)
    expect(outcomes.map((o) => [o.table, o.outcome, o.partsBefore, o.partsAfter])).toEqual([['events', 'compacted', 200, 1]])
    expect(after).toHaveLength(1)
    expect(await lake.query(TOTALS)).toEqual(before.totals)
    expect(before.totals[0]).toMatchObject({ n: 600, ids: 600, files: 200 })
    expect(await lake.snapshot()).toEqual(before.snapshot)
    const rows = (await parquetReadObjects({ file: await partBuffer(lake.deps.curated, after[0]!) })) as Record<string, unknown>[]
    const bySource = new Map<string, Record<string, unknown>[]>()
    for (const r of rows) bySource.set(r[LINEAGE_SOURCE] as string, [...(bySource.get(r[LINEAGE_SOURCE] as string) ?? []), r])
    expect(bySource.size).toBe(200)
    for (const [, ofFile] of bySource) expect(ofFile.map((r) => Number(r['event_id']))).toEqual(ofFile.map((r) => Number(r['event_id'])).sort((a, b) => a - b))
    expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)
  })

  it('ends in the clean state after a crash at any step of a compaction and a rerun, and readers never see a row missing or twice', async () => {
    // Prepare
    const base = await newLake()
    await seedEvents(base, 8)
    await base.run(undefined, { compaction: NEVER })
    const baseline = await base.snapshot()
    const probe = await newLake()
    await copyLake(base, probe)
    const steps = dying(probe.deps, Number.MAX_SAFE_INTEGER)
    await compactDataset(steps.deps, 'events', DEFAULT_COMPACTION, LATER)
    expect(steps.changes()).toBeGreaterThan(8)

    for (let crashAt = 0; crashAt < steps.changes(); crashAt++) {
      const lake = await newLake()
      await copyLake(base, lake)

      // Act
      const crashed = await compactDataset(dying(lake.deps, crashAt).deps, 'events', DEFAULT_COMPACTION, LATER).then(() => 'finished', (e: Error) => e.message)
      const seen = await lake.snapshot()
      const rerun = await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, () => new Date(LATER().getTime() + 60 * 60 * 1000))

      // Assess
      expect(crashed, `crash at change ${crashAt}`).toBe(`crash after ${crashAt} change(s)`)
      expect(seen, `readers after a crash at change ${crashAt}`).toEqual(baseline)
      expect(await lake.snapshot(), `after the rerun of a crash at change ${crashAt}`).toEqual(baseline)
      expect(rerun.filter((o) => o.table === 'events').map((o) => o.outcome), `crash at change ${crashAt}`).toEqual([expect.stringMatching(/^(compacted|nothing)$/)])
      expect(await partKeys(lake), `crash at change ${crashAt}`).toHaveLength(1)
      expect(await lakeFindings(lake.deps, await rawKeys(lake)), `crash at change ${crashAt}`).toEqual(CONSISTENT)
      expect((await lake.curatedKeys('_ledger/events/_partitions/')).filter((k) => !k.endsWith('layout.json')), `crash at change ${crashAt}`).toEqual([])
      await lakes.splice(lakes.indexOf(lake), 1)[0]!.dispose()
    }
  }, 600_000)

  it('removes exactly the rows of a file replaced or deleted after compaction', async () => {
    // Prepare
    const lake = await newLake()
    await seedEvents(lake, 20)
    for (const f of [5, 7, 9]) await lake.putRaw(`events/e-00${f}.csv`, eventsCsv(f * 1000, 30, 1))
    await lake.run(undefined, { compaction: NEVER })
    const compacted = await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, LATER)
    await lake.putRaw('events/e-005.csv', eventsCsv(900_000, 5))
    await lake.deleteRaw('events/e-007.csv')
    const serial = await newLake()
    await seedEvents(serial, 20)
    await serial.putRaw('events/e-009.csv', eventsCsv(9000, 30, 1))
    await serial.putRaw('events/e-005.csv', eventsCsv(900_000, 5))
    await serial.deleteRaw('events/e-007.csv')
    await serial.run(undefined, { compaction: NEVER })

    // Act
    const { report } = await lake.run(undefined, { clock: LATER })

    // Assess
    expect(compacted.map((o) => [o.table, o.outcome, o.partsAfter])).toEqual([['events', 'compacted', 1], ['events__rejects', 'compacted', 1]])
    expect(report.files.map((f) => [f.key, f.outcome]).sort()).toEqual([['events/e-005.csv', 'loaded'], ['events/e-007.csv', 'retracted']])
    expect(await lake.query('SELECT source FROM events__rejects')).toEqual([{ source: 'events/e-009.csv' }])
    expect(await lake.snapshot()).toEqual(await serial.snapshot())
    expect(await lake.query(TOTALS)).toEqual(await serial.query(TOTALS))
    expect(await lake.query(`SELECT count(*) AS n FROM events WHERE ${LINEAGE_SOURCE} IN ('events/e-005.csv', 'events/e-007.csv')`)).toEqual([{ n: 5 }])
    expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)
    expect((await lake.curatedKeys('_ledger/events/_partitions/')).filter((k) => !k.endsWith('layout.json'))).toEqual([])
  })

  it('gives the serial result when a compaction races a load and a replacement', async () => {
    // Prepare
    const base = await newLake()
    await seedEvents(base, 40)
    await base.run(undefined, { compaction: NEVER })
    const serial = await newLake()
    await seedEvents(serial, 40)
    await serial.putRaw('events/e-003.csv', eventsCsv(800_000, 4))
    await serial.putRaw('events/e-100.csv', eventsCsv(700_000, 2))
    await serial.run(undefined, { compaction: NEVER })
    const expected = await serial.snapshot()
    const home = `events/ingest_date=${START_TIME.toISOString().slice(0, 10)}/`

    for (const [i, delay] of [-1, -1, 0, 0, 10, 10, 40, 40].entries()) {
      const lake = await newLake()
      await copyLake(base, lake)
      if (i % 2 === 1) await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, LATER)
      await lake.putRaw('events/e-003.csv', eventsCsv(800_000, 4))
      await lake.putRaw('events/e-100.csv', eventsCsv(700_000, 2))

      // Act: the compaction starts while Load publishes and commits.
      let compacting: Promise<CompactionOutcome[]> | undefined
      const run = await lake.run(undefined, {
        deps: slow(lake.deps, i),
        clock: LATER,
        compaction: { ...DEFAULT_COMPACTION, partThreshold: 2, openThreshold: 2 },
        wrap: (state, handler) => (state !== 'Load' ? handler : async (event) => {
          compacting = new Promise((resolve) => setTimeout(resolve, Math.max(0, delay))).then(() => compactDataset(slow(lake.deps, i + 100), 'events', DEFAULT_COMPACTION, LATER))
          // A negative delay: Load starts once the compaction holds the partition.
          while (delay < 0 && !(await lake.deps.curated.readText(layoutKey('events', home)))?.includes('"claim"')) await new Promise((resolve) => setTimeout(resolve, 1))
          const loaded = await handler(event)
          await compacting
          return loaded
        }),
      })
      const compacted = await compacting!

      // Assess
      expect(run.failure, `delay ${delay}`).toBeUndefined()
      expect(compacted.map((o) => o.outcome).every((o) => ['compacted', 'nothing', 'busy'].includes(o))).toBe(true)
      expect(await lake.snapshot(), `delay ${delay}`).toEqual(expected)
      expect(await lakeFindings(lake.deps, await rawKeys(lake)), `delay ${delay}`).toEqual(CONSISTENT)
      expect((await lake.curatedKeys('_ledger/events/_partitions/')).filter((k) => !k.endsWith('layout.json')), `delay ${delay}`).toEqual([])
      await lakes.splice(lakes.indexOf(lake), 1)[0]!.dispose()
    }
  }, 600_000)

  it('compacts a lake in S3 buckets with a Glue catalog, and a load after it publishes into the compacted folder', async () => {
    // Prepare
    const s3 = await startS3rver(['raw', 'curated'])
    const glue = await startGlueServer()
    try {
      const raw = s3ObjectStore(s3.client, 'raw')
      const curated = s3ObjectStore(s3.client, 'curated')
      const lake = await createLake({ seed: 'none', tableFormat: COMPACTED_FORMAT, zones: { raw, curated, buckets: { raw, curated } }, catalog: glueCatalog(glue.client) })
      lakes.push(lake)
      await seedEvents(lake, 40)
      await lake.run(undefined, { compaction: NEVER })
      const before = await lake.snapshot()

      // Act
      const compacted = await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, LATER)
      const after = await lake.snapshot()
      await lake.putRaw('events/e-111.csv', eventsCsv(990_000, 2))
      await lake.run(undefined, { clock: LATER })

      // Assess
      expect(compacted.map((o) => [o.table, o.outcome, o.partsBefore, o.partsAfter])).toEqual([['events', 'compacted', 40, 1]])
      expect(after).toEqual(before)
      const [partition] = await lake.deps.catalog.listPartitions(lake.deps.database, 'events')
      expect(partition?.StorageDescriptor.Location).toMatch(/^s3:\/\/curated\/events\/compacted\/[0-9a-z]+\/ingest_date=2024-07-01\/$/)
      expect(await lake.query(TOTALS)).toEqual([expect.objectContaining({ n: 122, ids: 122, files: 41 })])
      expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)
    } finally {
      await s3.stop()
      await glue.stop()
    }
  })

  it('removes the rows of a file replaced after compaction even when the Compact step failed before rewriting the merged part', async () => {
    // Prepare
    const lake = await newLake()
    await seedEvents(lake, 12)
    await lake.run(undefined, { compaction: NEVER })
    await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, LATER)
    await lake.putRaw('events/e-005.csv', eventsCsv(900_000, 5))
    const serial = await newLake()
    await seedEvents(serial, 12)
    await serial.putRaw('events/e-005.csv', eventsCsv(900_000, 5))
    await serial.run(undefined, { compaction: NEVER })
    const broken: LakeDeps = { ...lake.deps, catalog: { ...lake.deps.catalog, movePartition: async () => { throw new Error('catalog unreachable') } } }
    const failedCompact: string[] = []
    const watch = (state: string, handler: (e: unknown) => Promise<unknown>) =>
      state === 'Compact' ? (e: unknown) => handler(e).catch((error: Error) => (failedCompact.push(error.message), Promise.reject(error))) : handler
    const crashed = await lake.run(undefined, { deps: broken, clock: LATER, wrap: watch })
    const doubled = await lake.query(`SELECT count(*) AS n FROM events WHERE ${LINEAGE_SOURCE} = 'events/e-005.csv'`)

    // Act: a sweep after any Load could have run finishes the file again.
    const hourLater = new Date(LATER().getTime() + 2 * 60 * 60 * 1000)
    const rerun = await lake.run(undefined, { startTime: new Date(START_TIME.getTime() + 60 * 60 * 1000), clock: () => hourLater })

    // Assess
    expect(crashed.failure).toBeUndefined()
    expect(failedCompact).toEqual(['catalog unreachable'])
    expect(doubled).toEqual([{ n: 8 }])
    expect(rerun.failure).toBeUndefined()
    expect(rerun.report.files.map((f) => [f.key, f.outcome])).toEqual([['events/e-005.csv', 'skipped']])
    expect(await lake.snapshot()).toEqual(await serial.snapshot())
    expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)
    expect((await lake.curatedKeys('_ledger/events/_partitions/')).filter((k) => !k.endsWith('layout.json'))).toEqual([])
  })

})


/** The lake with a random delay of 0-3 ms before each call to the curated zone, from `seed`. */
function slow(deps: LakeDeps, seed: number): LakeDeps {
  let state = seed * 7919 + 1
  const pause = () => new Promise<void>((resolve) => setTimeout(resolve, (state = (state * 48271) % 2147483647) % 4))
  const wrapped = Object.fromEntries(
    Object.entries(deps.curated).map(([name, fn]) => [name, name === 'list' || name === 'read' || name === 'location' ? fn : async (...a: unknown[]) => (await pause(), (fn as (...x: unknown[]) => unknown)(...a))]),
  ) as unknown as ObjectStore
  return { ...deps, curated: wrapped }
}

/** A copy of a lake's folder (raw, curated, catalog) as a new lake. */
async function copyLake(from: E2ELake, into: E2ELake): Promise<void> {
  for (const zone of ['raw', 'curated', 'catalog']) await cp(`${from.dir}/${zone}`, `${into.dir}/${zone}`, { recursive: true, force: true, preserveTimestamps: true })
}

async function partBuffer(store: ObjectStore, key: string): Promise<ArrayBuffer> {
  const chunks: Uint8Array[] = []
  for await (const c of store.read(key)) chunks.push(c)
  const bytes = Buffer.concat(chunks)
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}