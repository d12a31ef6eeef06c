import { access } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_COMPACTION, type CompactionSettings } from '../../functions/core/compaction/merge-plan'
import type { LakeDeps } from '../../functions/core/lake/step-deps'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import type { DataFile } from '../../functions/core/table-format/iceberg/iceberg-model'
import { isMergedDataFile, mergedRecordKey } from '../../functions/core/table-format/iceberg/merged-files'
import { realCatalog } from '../../functions/adapters/table-format-catalog'
import { currentTableFiles, tableFilesAsOf } from '../../functions/adapters/iceberg-commit'
import { keyOfLocation } from '../../functions/adapters/zone-locations'
import { compactDataset } from '../../functions/load/table-compactor'
import { expireDataset } from '../../functions/load/expire-tables'
import { readMergedFile } from '../../functions/load/iceberg-merges'
import { examineDataset } from '../../cli/ops/lake-doctor'
import { rebuildSite } from '../../functions/site/rebuild-site'
import { fileId } from '../../functions/core/lake/lake-layout'
import { createLake, START_TIME, type E2ELake, type Row } from '../support/e2e-lake'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'
import { dying } from '../support/dying-lake'
import { closeDuckDb, duckQuery, sqlString } from '../support/duckdb-parquet'

/** Never compacts after a load: the tests compact when they choose. */
const NEVER: CompactionSettings = { ...DEFAULT_COMPACTION, partThreshold: Number.MAX_SAFE_INTEGER, openThreshold: Number.MAX_SAFE_INTEGER }
const NOW = () => new Date()
const HOUR = 3_600_000

/** A small CSV of `rows` events with ids from `first`. */
function eventsCsv(first: number, rows: number): string {
  const lines = ['event_id,amount_eur,happened_at,note']
  for (let i = 0; i < rows; i++) {
    const id = first + i
    lines.push(`${id},${(id * 37) % 1000}.${String(id % 100).padStart(2, '0')},2024-06-${String(1 + (id % 28)).padStart(2, '0')}T${String(id % 24).padStart(2, '0')}:15:30.123456Z,note ${id}`)
  }
  return `${lines.join('\n')}\n`
}

const rawKey = (f: number) => `events/e-${String(f).padStart(3, '0')}.csv`

async function seedEvents(lake: E2ELake, files: number, rows = 3): Promise<void> {
  for (let f = 0; f < files; f++) await lake.putRaw(rawKey(f), eventsCsv(f * 1000, rows))
}

const target = (lake: E2ELake) => ({ store: lake.deps.curated, catalog: realCatalog(lake.deps.catalog), database: lake.deps.database })

/** The rows of data files as DuckDB reads them, in one order (run ids aside). */
async function rowsOf(files: DataFile[]): Promise<Row[]> {
  if (files.length === 0) return []
  const paths = files.map((f) => sqlString(fileURLToPath(f.path)))
  return duckQuery(`SELECT COLUMNS(c -> c NOT IN ('_sluice_run_id')) FROM read_parquet([${paths.join(', ')}], union_by_name = true) ORDER BY ALL`)
}

const current = async (lake: E2ELake, table = 'events') => (await currentTableFiles(target(lake), table))!
const ids = (rows: Row[]) => rows.map((r) => Number(r.event_id)).sort((a, b) => a - b)
const exists = (path: string) => access(fileURLToPath(path)).then(() => true, () => false)

async function rawKeys(lake: E2ELake): Promise<string[]> {
  const keys: string[] = []
  for await (const o of lake.deps.raw.list('events/')) keys.push(o.key)
  return keys
}

/** The ids a serial load of these files gives. */
function idsOf(files: Map<number, [number, number]>): number[] {
  return [...files.values()].flatMap(([first, rows]) => Array.from({ length: rows }, (_, i) => first + i)).sort((a, b) => a - b)
}

describe('compaction of an Iceberg table', () => {
  const lakes: E2ELake[] = []
  const newLake = async () => {
    const lake = await createLake({ seed: 'none', tableFormat: 'iceberg' })
    lakes.push(lake)
    return lake
  }
  afterEach(async () => {
    await Promise.all(lakes.splice(0).map((l) => l.dispose()))
  })
  afterAll(closeDuckDb)

  it('merges the small files of a partition into one in a replace snapshot, keeping every row, and changes no ledger head', async () => {
    // Prepare
    const lake = await newLake()
    await seedEvents(lake, 40)
    expect((await lake.run(undefined, { compaction: NEVER })).failure).toBeUndefined()
    const before = await current(lake)
    const heads = await lake.curatedKeys('_ledger/events/')
    const headTexts = await Promise.all(heads.map((k) => lake.deps.curated.readText(k)))

    // Act
    const outcomes = await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, NOW)

    // Assess
    const after = await current(lake)
    expect(before.files).toHaveLength(40)
    expect(outcomes.filter((o) => o.table === 'events').map((o) => [o.outcome, o.partsBefore, o.partsAfter])).toEqual([['compacted', 40, 1]])
    expect(after.files).toHaveLength(1)
    expect(isMergedDataFile(after.files[0]!.path)).toBe(true)
    expect(after.metadata.snapshots.at(-1)!.summary).toMatchObject({ operation: 'replace', 'added-data-files': '1', 'deleted-data-files': '40', 'added-records': '120', 'deleted-records': '120', 'total-records': '120' })
    expect(await rowsOf(after.files)).toEqual(await rowsOf(before.files))
    expect(await lake.query('SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM events')).toEqual([{ n: 120, ids: 120 }])
    // The merged file's record names the 40 parts in row order, with their rows.
    const record = (await readMergedFile(lake.deps.curated, 'events', keyOfLocation(lake.deps.curated, after.files[0]!.path)))!
    expect(record.members.map((m) => m.part)).toEqual(before.files.map((f) => keyOfLocation(lake.deps.curated, f.path)).sort())
    expect(record.members.every((m) => m.rows === 3)).toBe(true)
    // No head changed: the heads still name the parts the merged file holds the rows of.
    expect(await Promise.all(heads.map((k) => lake.deps.curated.readText(k)))).toEqual(headTexts)
    expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)
    expect((await examineDataset(lake.deps, 'events')).orphans).toEqual([])
    // The snapshot before reads as it did.
    expect(await rowsOf((await tableFilesAsOf(target(lake), 'events', before.metadata['current-snapshot-id']!))!.files)).toEqual(await rowsOf(before.files))
  })

  it('takes a replaced and a deleted file\'s rows out of a merged file in the same snapshot as the new version', async () => {
    // Prepare
    const lake = await newLake()
    await seedEvents(lake, 12)
    await lake.run(undefined, { compaction: NEVER })
    await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, NOW)
    const compacted = await current(lake)
    const expected = new Map(Array.from({ length: 12 }, (_, f) => [f, [f * 1000, 3] as [number, number]]))

    // Act
    await lake.putRaw(rawKey(5), eventsCsv(90_000, 4))
    await lake.deleteRaw(rawKey(7))
    expect((await lake.run(undefined, { compaction: NEVER })).failure).toBeUndefined()
    expected.set(5, [90_000, 4])
    expected.delete(7)

    // Assess
    const after = await current(lake)
    // One snapshot: the new version's part, and the merged file cut without both files' rows.
    expect(after.metadata.snapshots).toHaveLength(compacted.metadata.snapshots.length + 1)
    expect(after.metadata.snapshots.at(-1)!.summary).toMatchObject({ operation: 'overwrite', 'added-data-files': '2', 'deleted-data-files': '1', 'deleted-records': '36', 'added-records': String(30 + 4) })
    expect(ids(await rowsOf(after.files))).toEqual(idsOf(expected))
    const merged = after.files.filter((f) => isMergedDataFile(f.path))
    expect(merged).toHaveLength(1)
    expect(merged[0]!.path).not.toBe(compacted.files[0]!.path)
    const record = (await readMergedFile(lake.deps.curated, 'events', keyOfLocation(lake.deps.curated, merged[0]!.path)))!
    expect(record.members).toHaveLength(10)
    expect(await lake.query('SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM events')).toEqual([{ n: 34, ids: 34 }])
    expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)
    // As of the compacted snapshot, the old rows.
    expect(ids(await rowsOf((await tableFilesAsOf(target(lake), 'events', compacted.metadata['current-snapshot-id']!))!.files))).toEqual(idsOf(new Map(Array.from({ length: 12 }, (_, f) => [f, [f * 1000, 3]]))))

    // A second compaction merges the cut file with the new part; a later replacement still finds its rows.
    await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, NOW)
    expect((await current(lake)).files).toHaveLength(1)
    await lake.putRaw(rawKey(5), eventsCsv(95_000, 2))
    await lake.run(undefined, { compaction: NEVER })
    expected.set(5, [95_000, 2])
    expect(ids(await rowsOf((await current(lake)).files))).toEqual(idsOf(expected))
    expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)
  })

  it('takes a file\'s rows out of a merged file of an earlier day when its new version loads into another day, or it is deleted later', async () => {
    // Prepare
    const lake = await newLake()
    await seedEvents(lake, 6)
    await lake.run(undefined, { compaction: NEVER })
    await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, NOW)
    const compacted = await current(lake)
    const expected = new Map(Array.from({ length: 6 }, (_, f) => [f, [f * 1000, 3] as [number, number]]))

    // Act: the next day's run loads the new version into the next day's partition.
    await lake.putRaw(rawKey(4), eventsCsv(40_000, 2))
    const run = await lake.run(undefined, { startTime: new Date(START_TIME.getTime() + 86_400_000), compaction: NEVER })
    expected.set(4, [40_000, 2])

    // Assess
    expect(run.failure).toBeUndefined()
    const after = await current(lake)
    expect(after.metadata.snapshots).toHaveLength(compacted.metadata.snapshots.length + 1)
    expect(ids(await rowsOf(after.files))).toEqual(idsOf(expected))
    expect(new Set(after.files.map((f) => /ingest_date=([^/]+)\//.exec(f.path)![1])).size).toBe(2)
    expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)

    // A deletion the day after takes another file's rows out of the first day's merged file.
    await lake.deleteRaw(rawKey(1))
    expect((await lake.run(undefined, { startTime: new Date(START_TIME.getTime() + 2 * 86_400_000), compaction: NEVER })).failure).toBeUndefined()
    expected.delete(1)
    expect(ids(await rowsOf((await current(lake)).files))).toEqual(idsOf(expected))
    expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)
  })

  it('replaces merged files whole when a reprocess swaps in a new generation, and compacts that one too', async () => {
    // Prepare
    const lake = await newLake()
    await seedEvents(lake, 8)
    await lake.run(undefined, { compaction: NEVER })
    await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, NOW)
    const compacted = await current(lake)
    expect(compacted.files.filter((f) => isMergedDataFile(f.path))).toHaveLength(1)

    // Act
    const run = await lake.run({ trigger: 'reprocess', dataset: 'events' }, { startTime: new Date(START_TIME.getTime() + 86_400_000), compaction: NEVER })
    const reprocessed = await current(lake)
    await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, NOW)
    const again = await current(lake)

    // Assess
    expect(run.failure).toBeUndefined()
    const expected = idsOf(new Map(Array.from({ length: 8 }, (_, f) => [f, [f * 1000, 3] as [number, number]])))
    expect(reprocessed.files.some((f) => isMergedDataFile(f.path))).toBe(false)
    expect(reprocessed.files.every((f) => f.path.includes('/gen='))).toBe(true)
    expect(ids(await rowsOf(reprocessed.files))).toEqual(expected)
    expect(again.files).toHaveLength(1)
    expect(ids(await rowsOf(again.files))).toEqual(expected)
    expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)
  })

  it('after the retention, expiry deletes the merged parts, the merged files cut since, and their records', async () => {
    // Prepare
    const lake = await newLake()
    await seedEvents(lake, 6)
    await lake.run(undefined, { compaction: NEVER })
    const small = (await current(lake)).files
    await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, NOW)
    const first = (await current(lake)).files[0]!
    await lake.putRaw(rawKey(2), eventsCsv(70_000, 2))
    await lake.run(undefined, { compaction: NEVER })
    const now = await current(lake)
    const firstKey = keyOfLocation(lake.deps.curated, first.path)

    // Act
    const soon = await expireDataset(lake.deps, 'events', new Date(Date.now() + HOUR))
    for (const f of [...small, first]) expect(await exists(f.path), f.path).toBe(true)
    const later = await expireDataset(lake.deps, 'events', new Date(Date.now() + 25 * HOUR))

    // Assess
    expect(soon.find((e) => e.table === 'events')).toMatchObject({ expiredSnapshots: 0, deletedFiles: 0 })
    expect(later.find((e) => e.table === 'events')!.expiredSnapshots).toBeGreaterThan(0)
    for (const f of [...small, first]) expect(await exists(f.path), f.path).toBe(false)
    for (const f of now.files) expect(await exists(f.path), f.path).toBe(true)
    expect(await lake.deps.curated.readText(mergedRecordKey('events', firstKey))).toBeUndefined()
    expect((await lake.curatedKeys('_iceberg/events/shared/')).every((k) => !k.endsWith(firstKey.slice(firstKey.lastIndexOf('/') + 1, -'.parquet'.length)))).toBe(true)
    expect(ids(await rowsOf((await current(lake)).files))).toEqual(ids(await rowsOf(now.files)))
    expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)
    expect((await examineDataset(lake.deps, 'events')).orphans).toEqual([])
  })

  it('commits nothing of a merge whose file a load replaced meanwhile, and expiry removes the merge it wrote', async () => {
    // Prepare
    const lake = await newLake()
    await seedEvents(lake, 8)
    await lake.run(undefined, { compaction: NEVER })
    await lake.putRaw(rawKey(3), eventsCsv(80_000, 5))
    let raced = false
    // The load runs once the compaction has written its merged file, before it commits.
    const racing = withUpload(lake.deps, async (key) => {
      if (raced || !key.includes('/compacted/')) return
      raced = true
      expect((await lake.run(undefined, { compaction: NEVER })).failure).toBeUndefined()
    })

    // Act
    const outcomes = await compactDataset(racing, 'events', DEFAULT_COMPACTION, NOW)

    // Assess
    expect(raced).toBe(true)
    expect(outcomes.filter((o) => o.table === 'events').map((o) => o.outcome)).toEqual(['busy'])
    const after = await current(lake)
    expect(after.files.some((f) => isMergedDataFile(f.path))).toBe(false)
    const expected = new Map(Array.from({ length: 8 }, (_, f) => [f, [f * 1000, 3] as [number, number]]))
    expected.set(3, [80_000, 5])
    expect(ids(await rowsOf(after.files))).toEqual(idsOf(expected))
    expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)
    const orphan = (await lake.curatedKeys('events/compacted/')).filter((k) => k.endsWith('.parquet'))
    expect(orphan).toHaveLength(1)
    await expireDataset(lake.deps, 'events', new Date(Date.now() + 25 * HOUR))
    expect(await lake.curatedKeys('events/compacted/')).toEqual([])
    expect(await lake.curatedKeys('_iceberg/events/merged/')).toEqual([])
    expect(await lake.curatedKeys('_iceberg/events/shared/')).toEqual([])
    // A compaction now merges the table as it is.
    expect((await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, NOW)).filter((o) => o.table === 'events').map((o) => o.outcome)).toEqual(['compacted'])
    expect(ids(await rowsOf((await current(lake)).files))).toEqual(idsOf(expected))
  })

  it('widens a compacted table whose merged parts have expired, from the merged files, and rebuilds its site', async () => {
    // Prepare
    const lake = await newLake()
    await seedEvents(lake, 6)
    await lake.run(undefined, { compaction: NEVER })
    const small = (await current(lake)).files
    await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, NOW)
    await expireDataset(lake.deps, 'events', new Date(Date.now() + 25 * HOUR))
    for (const f of small) expect(await exists(f.path), f.path).toBe(false)
    const before = ids(await rowsOf((await current(lake)).files))
    const [{ total }] = (await lake.query('SELECT sum(amount_eur)::DOUBLE AS total FROM events')) as { total: number }[]

    // Act: a file whose amount needs a wider decimal scale, which Iceberg cannot promote
    await lake.putRaw(rawKey(50), 'event_id,amount_eur,happened_at,note\n50000,0.125,2024-06-01T00:00:00Z,wide\n')
    const run = await lake.run(undefined, { compaction: NEVER })

    // Assess
    expect(run.failure).toBeUndefined()
    const types = (await lake.deps.catalog.getTable('sluice', 'events'))!.StorageDescriptor.Columns.find((c) => c.Name === 'amount_eur')!.Type
    expect(types).toBe('decimal(29,9)')
    const after = await rowsOf((await current(lake)).files)
    expect(ids(after)).toEqual([...before, 50000].sort((a, b) => a - b))
    expect(String(after.find((r) => Number(r.event_id) === 1001)!.amount_eur)).toBe('37.010000000')
    expect(await lake.query('SELECT count(*)::INTEGER AS n, sum(amount_eur)::DOUBLE AS total FROM events')).toEqual([{ n: 19, total: total + 0.125 }])
    expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)
    const pages = new Map<string, string>()
    await rebuildSite({ ...lake.deps, site: { write: async (path: string, content: string | Uint8Array) => void pages.set(path, String(content)) }, assets: [], queries: { athena: true } })
    expect(pages.get(`files/${fileId(rawKey(0))}.html`) ?? [...pages.keys()].join(' ')).toContain('&quot;_sluice_source&quot; = ')
  })

  it('leaves readers the rows they saw after a crash at any step, and a rerun compacts; what the crash wrote goes at expiry', async () => {
    const probe = await newLake()
    await seedEvents(probe, 5)
    await probe.run(undefined, { compaction: NEVER })
    const counting = dying(probe.deps, Number.MAX_SAFE_INTEGER)
    await compactDataset(counting.deps, 'events', DEFAULT_COMPACTION, NOW)
    const steps = counting.changes()
    expect(steps).toBeGreaterThan(5)
    await lakes.splice(lakes.indexOf(probe), 1)[0]!.dispose()

    for (let crashAt = 0; crashAt < steps; crashAt++) {
      // Prepare
      const lake = await newLake()
      await seedEvents(lake, 5)
      await lake.run(undefined, { compaction: NEVER })
      const baseline = await rowsOf((await current(lake)).files)

      // Act
      const crashed = await compactDataset(dying(lake.deps, crashAt).deps, 'events', DEFAULT_COMPACTION, NOW).then(() => 'finished', (e: Error) => e.message)
      const seen = await rowsOf((await current(lake)).files)
      const rerun = await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, NOW)

      // Assess
      expect(crashed, `crash at change ${crashAt}`).toBe(`crash after ${crashAt} change(s)`)
      expect(seen, `readers after a crash at change ${crashAt}`).toEqual(baseline)
      expect(rerun.filter((o) => o.table === 'events').map((o) => o.outcome), `crash at change ${crashAt}`).toEqual(['compacted'])
      const after = await current(lake)
      expect(after.files, `crash at change ${crashAt}`).toHaveLength(1)
      expect(await rowsOf(after.files), `crash at change ${crashAt}`).toEqual(baseline)
      expect(await lakeFindings(lake.deps, await rawKeys(lake)), `crash at change ${crashAt}`).toEqual(CONSISTENT)
      await expireDataset(lake.deps, 'events', new Date(Date.now() + 25 * HOUR))
      const live = keyOfLocation(lake.deps.curated, after.files[0]!.path)
      expect((await lake.curatedKeys('events/compacted/')).filter((k) => k.endsWith('.parquet')), `crash at change ${crashAt}`).toEqual([live])
      await lakes.splice(lakes.indexOf(lake), 1)[0]!.dispose()
    }
  }, 600_000)
})

/** The lake with `before` awaited ahead of every upload to the curated zone. */
function withUpload(deps: LakeDeps, before: (key: string) => Promise<void>): LakeDeps {
  const curated: ObjectStore = { ...deps.curated, upload: async (key) => (await before(key), deps.curated.upload(key)) }
  return { ...deps, curated }
}

