import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { access, mkdtemp, readdir, readFile, rm, stat, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { icebergRead } from 'icebird'
import type { Catalog } from '../../functions/core/lake/catalog'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { localObjectStore } from '../../functions/adapters/local-object-store'
import { localCatalog } from '../../functions/adapters/local-catalog'
import { commitTableChange, currentTableFiles, tableFilesAsOf, type IcebergTableSpec, type IcebergTarget } from '../../functions/adapters/iceberg-commit'
import { keyOfLocation } from '../../functions/adapters/zone-locations'
import { expireSnapshots } from '../../functions/adapters/iceberg-expiry'
import { SnapshotNotFoundError } from '../../functions/core/table-format/iceberg/time-travel'
import { evolveSchema } from '../../functions/core/table-format/iceberg/iceberg-schema'
import { partitionSpec } from '../../functions/core/table-format/iceberg/partition-spec'
import { partDataFile } from '../../functions/core/table-format/iceberg/part-data-file'
import type { DataFile } from '../../functions/core/table-format/iceberg/iceberg-model'
import type { TableChange } from '../../functions/core/table-format/iceberg/snapshot-plan'
import { MERGE_MANIFESTS_AT } from '../../functions/core/table-format/iceberg/snapshot-plan'
import { currentSnapshot } from '../../functions/core/table-format/iceberg/table-metadata'
import { snapshotManifests } from '../../functions/adapters/iceberg-files'
import { CommitConflictError } from '../../functions/core/table-format/iceberg/commit-rebase'
import { closeDuckDb, duckQuery, sqlString } from '../support/duckdb-parquet'
import { serveFolder } from '../support/http-folder'
import { expectV2Manifest, expectV2ManifestList, expectV2Metadata } from '../support/iceberg-spec'

const NOW = new Date('2024-07-01T06:00:00Z')
const TABLE: IcebergTableSpec = { name: 'orders', prefix: 'orders/', columns: [{ name: 'id', type: { kind: 'int' } }, { name: 'item', type: { kind: 'string' } }] }
type Row = { id: number; item: string }

let dir: string
let curated: string
let server: { url: string; close: () => Promise<void> }

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-iceberg-'))
  curated = join(dir, 'curated')
  await mkdir(curated, { recursive: true })
  server = await serveFolder(curated)
})

afterAll(async () => {
  await server.close()
  await closeDuckDb()
  await rm(dir, { recursive: true, force: true })
})

/** A lake zone whose locations are the HTTP URLs of the same folder, so icebird can fetch them. */
function target(catalog?: Catalog, sub = 'default'): IcebergTarget {
  const folder = localObjectStore(join(curated, sub))
  const store: ObjectStore = { ...folder, location: (prefix) => `${server.url}${sub}/${prefix}` }
  return { store, catalog: catalog ?? localCatalog(join(dir, 'catalog', sub), dir), database: 'sluice' }
}

/** Writes a Parquet part of a source file with DuckDB, and describes it as a data file. */
async function part(t: IcebergTarget, source: string, publish: string, date: string, rows: Row[]): Promise<DataFile> {
  const key = `orders/ingest_date=${date}/${source}-${publish}-00000.parquet`
  const path = join(curated, keyOfLocation({ ...t.store, location: (p) => `${server.url}${p}` }, t.store.location(key)))
  await mkdir(dirname(path), { recursive: true })
  const values = rows.map((r) => `(${r.id}::INTEGER, ${sqlString(r.item)})`).join(', ')
  await duckQuery(`COPY (SELECT * FROM (VALUES ${values}) v(id, item)) TO ${sqlString(path)} (FORMAT parquet)`)
  const { schema } = evolveSchema(undefined, TABLE.columns, 0)
  return partDataFile({ key, location: t.store.location(key), rows: rows.length, bytes: (await stat(path)).size }, partitionSpec(schema), schema)
}

const byId = (rows: Row[]) => [...rows].sort((a, b) => a.id - b.id)

/** Reads the table as icebird sees it and as DuckDB reads the current file list; they must agree. */
async function readBoth(t: IcebergTarget): Promise<Row[]> {
  const current = await currentTableFiles(t, TABLE.name)
  const fromIcebird = (await icebergRead({ tableUrl: t.store.location('orders').replace(/\/$/, ''), metadata: current!.metadata as never })) as Row[]
  const paths = current!.files.map((f) => join(curated, keyOfLocation({ ...t.store, location: (p) => `${server.url}${p}` }, f.path)))
  const fromDuck = paths.length === 0 ? [] : ((await duckQuery(`SELECT id, item FROM read_parquet([${paths.map(sqlString).join(', ')}], hive_partitioning = false)`)) as Row[])
  const icebird = byId(fromIcebird.map((r) => ({ id: Number(r.id), item: r.item })))
  expect(icebird).toEqual(byId(fromDuck))
  return icebird
}

/** Every Avro file and metadata file of the table, checked against the v2 spec. */
async function expectSpecFiles(t: IcebergTarget, sub = 'default'): Promise<void> {
  const folder = join(curated, sub, 'orders', 'metadata')
  const current = await currentTableFiles(t, TABLE.name)
  for (const name of await readdir(folder)) {
    const bytes = new Uint8Array(await readFile(join(folder, name)))
    if (name.endsWith('.metadata.json')) expectV2Metadata(JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>)
    else if (name.startsWith('snap-')) await expectV2ManifestList(bytes)
    else await expectV2Manifest(bytes, current!.metadata['partition-specs'][0].fields)
  }
}

describe('Iceberg table commits in a local lake', () => {
  it('appends, replaces and retracts source files; icebird and DuckDB over the file list agree row for row after each', async () => {
    const t = target()
    const a1 = await part(t, 'aaaa', 'p1', '2024-07-01', [{ id: 1, item: 'apple' }, { id: 2, item: 'pear' }])
    const b1 = await part(t, 'bbbb', 'p1', '2024-07-01', [{ id: 3, item: 'plum' }, { id: 4, item: 'fig' }, { id: 5, item: 'kiwi' }])
    await commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [a1] }, { source: 'bbbb', files: [b1] }], runId: 'run-1' }, NOW)
    expect(await readBoth(t)).toEqual([{ id: 1, item: 'apple' }, { id: 2, item: 'pear' }, { id: 3, item: 'plum' }, { id: 4, item: 'fig' }, { id: 5, item: 'kiwi' }])

    const a2 = await part(t, 'aaaa', 'p2', '2024-07-02', [{ id: 6, item: 'quince' }])
    await commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [a2] }], runId: 'run-2' }, NOW)
    expect(await readBoth(t)).toEqual([{ id: 3, item: 'plum' }, { id: 4, item: 'fig' }, { id: 5, item: 'kiwi' }, { id: 6, item: 'quince' }])

    await commitTableChange(t, TABLE, { sources: [{ source: 'bbbb', files: [] }], runId: 'run-3' }, NOW)
    expect(await readBoth(t)).toEqual([{ id: 6, item: 'quince' }])

    const current = await currentTableFiles(t, TABLE.name)
    expect(current!.metadata.snapshots.map((s) => [s.summary.operation, s.summary['sluice.run-id'], s.summary['total-records']])).toEqual([['append', 'run-1', '5'], ['overwrite', 'run-2', '4'], ['delete', 'run-3', '1']])
    await expectSpecFiles(t)
  })

  it('keeps the manifests a commit reads bounded however many commits the table has had, merging the small ones', async () => {
    const t = target(undefined, 'merging')
    const rows: Row[] = []
    const counts: number[] = []
    for (let i = 0; i < 40; i++) {
      const row = { id: i, item: `item ${i}` }
      rows.push(row)
      const file = await part(t, `s${String(i).padStart(3, '0')}`, 'p1', '2024-07-01', [row])
      await commitTableChange(t, TABLE, { sources: [{ source: `s${String(i).padStart(3, '0')}`, files: [file] }], runId: `run-${i}` }, NOW)
      const current = await currentTableFiles(t, TABLE.name)
      counts.push((await snapshotManifests(t.store, currentSnapshot(current!.metadata))).length)
    }
    // A replacement of a source inside a merged manifest rewrites that manifest.
    await commitTableChange(t, TABLE, { sources: [{ source: 's005', files: [await part(t, 's005', 'p2', '2024-07-02', [{ id: 5, item: 'five again' }])] }] }, NOW)
    expect(Math.max(...counts)).toBeLessThanOrEqual(MERGE_MANIFESTS_AT + 1)
    expect(counts.at(-1)).toBeLessThan(40)
    expect(await readBoth(t)).toEqual(rows.map((r) => (r.id === 5 ? { id: 5, item: 'five again' } : r)))
    await expectSpecFiles(t, 'merging')
  })

  it('swaps metadata_location in the JSON catalog, keeping the one it replaced as previous_metadata_location', async () => {
    const t = target(undefined, 'pointer')
    const first = await commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [await part(t, 'aaaa', 'p1', '2024-07-01', [{ id: 1, item: 'apple' }])] }] }, NOW)
    const second = await commitTableChange(t, TABLE, { sources: [{ source: 'bbbb', files: [await part(t, 'bbbb', 'p1', '2024-07-01', [{ id: 2, item: 'pear' }])] }] }, NOW)
    const { table, version } = (await t.catalog.readTable('sluice', 'orders'))!
    expect(table.Parameters).toEqual({ table_type: 'ICEBERG', metadata_location: second.metadataLocation, previous_metadata_location: first.metadataLocation })
    expect(table.StorageDescriptor.Columns).toEqual([{ Name: 'ingest_date', Type: 'date' }, { Name: 'id', Type: 'int' }, { Name: 'item', Type: 'string' }])
    expect(version).toBe('2')
    const metadata = JSON.parse((await t.store.readText(keyOfLocation(t.store, second.metadataLocation)))!)
    expect(metadata['metadata-log']).toEqual([{ 'timestamp-ms': NOW.getTime(), 'metadata-file': first.metadataLocation }])
  })

  it('applies a commit that lost the race again on the winning snapshot when they changed other source files', async () => {
    const inner = localCatalog(join(dir, 'catalog', 'race'), dir)
    let interloper: (() => Promise<unknown>) | undefined
    const racing: Catalog = { ...inner, async updateTable(db, table, version) {
      const other = interloper
      interloper = undefined
      if (other) await other()
      return inner.updateTable(db, table, version)
    } }
    const t = target(racing, 'race')
    await commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [await part(t, 'aaaa', 'p1', '2024-07-01', [{ id: 1, item: 'apple' }])] }] }, NOW)
    const b = await part(t, 'bbbb', 'p1', '2024-07-01', [{ id: 2, item: 'pear' }])
    const c = await part(t, 'cccc', 'p1', '2024-07-01', [{ id: 3, item: 'plum' }])
    interloper = () => commitTableChange(target(inner, 'race'), TABLE, { sources: [{ source: 'cccc', files: [c] }] }, NOW)
    const result = await commitTableChange(t, TABLE, { sources: [{ source: 'bbbb', files: [b] }] }, NOW)
    expect(result.attempts).toBe(2)
    expect(await readBoth(t)).toEqual([{ id: 1, item: 'apple' }, { id: 2, item: 'pear' }, { id: 3, item: 'plum' }])
    const current = await currentTableFiles(t, TABLE.name)
    expect(current!.metadata.snapshots.map((s) => s['sequence-number'])).toEqual([1, 2, 3])
    await expectSpecFiles(t, 'race')
  })

  it('fails with CommitConflictError when the winning snapshot changed the same source file, leaving none of its files', async () => {
    const inner = localCatalog(join(dir, 'catalog', 'clash'), dir)
    let interloper: (() => Promise<unknown>) | undefined
    const racing: Catalog = { ...inner, async updateTable(db, table, version) {
      const other = interloper
      interloper = undefined
      if (other) await other()
      return inner.updateTable(db, table, version)
    } }
    const t = target(racing, 'clash')
    await commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [await part(t, 'aaaa', 'p1', '2024-07-01', [{ id: 1, item: 'apple' }])] }] }, NOW)
    const mine = await part(t, 'aaaa', 'p2', '2024-07-02', [{ id: 2, item: 'pear' }])
    const theirs = await part(t, 'aaaa', 'p3', '2024-07-02', [{ id: 3, item: 'plum' }])
    interloper = () => commitTableChange(target(inner, 'clash'), TABLE, { sources: [{ source: 'aaaa', files: [theirs] }] } satisfies TableChange, NOW)
    const before = await readdir(join(curated, 'clash', 'orders', 'metadata'))
    await expect(commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [mine] }] }, NOW)).rejects.toThrow(CommitConflictError)
    expect(await readBoth(t)).toEqual([{ id: 3, item: 'plum' }])
    const after = await readdir(join(curated, 'clash', 'orders', 'metadata'))
    // Only the winner's files came: its rewritten and added manifests, its list and its metadata.
    expect(after.length).toBe(before.length + 4)
  })

  it('checks a change against every commit since the snapshot it was planned on', async () => {
    const t = target(undefined, 'planned')
    const first = await commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [await part(t, 'aaaa', 'p1', '2024-07-01', [{ id: 1, item: 'apple' }])] }] }, NOW)
    await commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [await part(t, 'aaaa', 'p2', '2024-07-02', [{ id: 2, item: 'pear' }])] }] }, NOW)
    await commitTableChange(t, TABLE, { sources: [{ source: 'bbbb', files: [await part(t, 'bbbb', 'p1', '2024-07-02', [{ id: 3, item: 'plum' }])] }] }, NOW)
    const stale = { sources: [{ source: 'aaaa', files: [await part(t, 'aaaa', 'p3', '2024-07-02', [{ id: 4, item: 'fig' }])] }] }

    await expect(commitTableChange(t, TABLE, stale, NOW, { baseSnapshotId: first.snapshotId })).rejects.toThrow(CommitConflictError)
    const other = await commitTableChange(t, TABLE, { sources: [{ source: 'cccc', files: [await part(t, 'cccc', 'p1', '2024-07-02', [{ id: 5, item: 'kiwi' }])] }] }, NOW, { baseSnapshotId: first.snapshotId })

    expect(other.attempts).toBe(1)
    expect(await readBoth(t)).toEqual([{ id: 2, item: 'pear' }, { id: 3, item: 'plum' }, { id: 5, item: 'kiwi' }])
  })

  it('lands ten concurrent commits of different source files as ten snapshots in a chain, every file once', async () => {
    const t = target(undefined, 'concurrent')
    const parts = await Promise.all(Array.from({ length: 10 }, (_, i) => part(t, `s${i}`, 'p1', '2024-07-01', [{ id: i, item: `item ${i}` }])))

    const results = await Promise.all(parts.map((p) => commitTableChange(t, TABLE, { sources: [{ source: p.source, files: [p] }] }, NOW)))

    expect(results.some((r) => r.attempts > 1)).toBe(true)
    expect(await readBoth(t)).toEqual(Array.from({ length: 10 }, (_, i) => ({ id: i, item: `item ${i}` })))
    const { metadata } = (await currentTableFiles(t, TABLE.name))!
    expect(metadata.snapshots.map((s) => s['sequence-number'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(metadata.snapshots.slice(1).map((s) => s['parent-snapshot-id'])).toEqual(metadata.snapshots.slice(0, -1).map((s) => s['snapshot-id']))
    await expectSpecFiles(t, 'concurrent')
  })

  it('lets one of five concurrent replacements of the same source file win; the others fail with CommitConflictError', async () => {
    const t = target(undefined, 'same-source')
    await commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [await part(t, 'aaaa', 'p0', '2024-07-01', [{ id: 0, item: 'first' }])] }] }, NOW)
    const first = (await currentTableFiles(t, TABLE.name))!.metadata['current-snapshot-id']!
    const versions = await Promise.all(Array.from({ length: 5 }, (_, i) => part(t, 'aaaa', `p${i + 1}`, '2024-07-02', [{ id: i + 1, item: `version ${i + 1}` }])))

    const outcomes = await Promise.allSettled(versions.map((v) => commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [v] }] }, NOW, { baseSnapshotId: first })))

    const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i + 1] : []))
    expect(won).toHaveLength(1)
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(CommitConflictError)
    expect(await readBoth(t)).toEqual([{ id: won[0], item: `version ${won[0]}` }])
  })

  it('reads the earlier rows as of a time before a replacement, and as of the earlier snapshot id', async () => {
    const t = target(undefined, 'as-of')
    const before = await commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [await part(t, 'aaaa', 'p1', '2024-07-01', [{ id: 1, item: 'apple' }, { id: 2, item: 'pear' }])] }] }, new Date('2024-07-01T06:00:00Z'))
    await commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [await part(t, 'aaaa', 'p2', '2024-07-02', [{ id: 3, item: 'plum' }])] }] }, new Date('2024-07-02T06:00:00Z'))

    const byTime = await tableFilesAsOf(t, TABLE.name, new Date('2024-07-01T12:00:00Z'))
    const byId = await tableFilesAsOf(t, TABLE.name, before.snapshotId!)

    expect(byTime!.snapshot['snapshot-id']).toBe(before.snapshotId)
    expect(byId!.files).toEqual(byTime!.files)
    const paths = byTime!.files.map((f) => join(curated, 'as-of', keyOfLocation(t.store, f.path)))
    const rows = await duckQuery(`SELECT id, item FROM read_parquet([${paths.map(sqlString).join(', ')}], hive_partitioning = false) ORDER BY id`)
    expect(rows).toEqual([{ id: 1, item: 'apple' }, { id: 2, item: 'pear' }])
    const asOfMetadata = { ...byTime!.metadata, 'current-snapshot-id': before.snapshotId }
    const fromIcebird = (await icebergRead({ tableUrl: t.store.location('orders').replace(/\/$/, ''), metadata: asOfMetadata as never })) as Row[]
    expect(byId_(fromIcebird)).toEqual([{ id: 1, item: 'apple' }, { id: 2, item: 'pear' }])
    expect(await readBoth(t)).toEqual([{ id: 3, item: 'plum' }])
  })

  it('keeps a replaced file\'s old data files for the retention period, and deletes them when expiry runs after it', async () => {
    const t = target(undefined, 'expiry')
    const hour = 3_600_000
    const at = (h: number) => new Date(Date.UTC(2024, 6, 1) + h * hour)
    const old = await part(t, 'aaaa', 'p1', '2024-07-01', [{ id: 1, item: 'apple' }])
    await commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [old] }] }, at(6))
    await commitTableChange(t, TABLE, { sources: [{ source: 'aaaa', files: [await part(t, 'aaaa', 'p2', '2024-07-01', [{ id: 2, item: 'pear' }])] }] }, at(8))
    await commitTableChange(t, TABLE, { sources: [{ source: 'bbbb', files: [await part(t, 'bbbb', 'p1', '2024-07-01', [{ id: 3, item: 'plum' }])] }] }, at(10))
    const oldPath = join(curated, 'expiry', keyOfLocation(t.store, old.path))

    expect(await expireSnapshots(t, TABLE, at(8.5), hour)).toEqual({ expiredSnapshots: 0, deleted: [] })
    await access(oldPath)
    expect((await tableFilesAsOf(t, TABLE.name, at(7)))!.files.map((f) => f.path)).toEqual([old.path])

    const expired = await expireSnapshots(t, TABLE, at(12), hour)

    expect(expired.expiredSnapshots).toBe(2)
    expect(expired.deleted).toContain(keyOfLocation(t.store, old.path))
    await expect(access(oldPath)).rejects.toThrow()
    await expect(tableFilesAsOf(t, TABLE.name, at(7))).rejects.toThrow(SnapshotNotFoundError)
    expect(await readBoth(t)).toEqual([{ id: 2, item: 'pear' }, { id: 3, item: 'plum' }])
    for (const key of expired.deleted) await expect(access(join(curated, 'expiry', key))).rejects.toThrow()
    await expectSpecFiles(t, 'expiry')
  })

  it('gives a reader that resolves and reads the current snapshot over and over a whole commit every time, while ten writers append, replace and retract', async () => {
    const t = target(undefined, 'isolation')
    const parts = new Map<string, Row[]>()
    const version = async (i: number, v: number) => {
      const rows = [{ id: i * 100 + v * 10, item: `s${i} v${v}` }, { id: i * 100 + v * 10 + 1, item: `s${i} v${v}` }]
      const p = await part(t, `s${i}`, `v${v}`, '2024-07-01', rows)
      parts.set(p.path, rows)
      return p
    }
    const writers = Array.from({ length: 10 }, async (_, i) => {
      for (const v of [1, 2, 3]) {
        const retract = v === 3 && i % 2 === 1
        await commitTableChange(t, TABLE, { sources: [{ source: `s${i}`, files: retract ? [] : [await version(i, v)] }] }, NOW)
      }
    })
    let writing = true
    const settled = Promise.all(writers).finally(() => (writing = false))
    const reads: { snapshot?: number; rows: Row[] }[] = []
    while (writing || reads.length < 5) {
      const current = await currentTableFiles(t, TABLE.name)
      if (!current) continue
      const paths = current.files.map((f) => join(curated, 'isolation', keyOfLocation(t.store, f.path)))
      const rows = paths.length === 0 ? [] : ((await duckQuery(`SELECT id, item FROM read_parquet([${paths.map(sqlString).join(', ')}], hive_partitioning = false)`)) as Row[])
      reads.push({ snapshot: current.metadata['current-snapshot-id'], rows: byId(rows) })
    }
    await settled

    const { metadata } = (await currentTableFiles(t, TABLE.name))!
    const committed = new Map<number, Row[]>()
    for (const snapshot of metadata.snapshots) {
      const files = (await tableFilesAsOf(t, TABLE.name, snapshot['snapshot-id']))!.files
      const versions = new Map<string, Set<string>>()
      for (const f of files) versions.set(f.source, new Set([...(versions.get(f.source) ?? []), f.path]))
      for (const paths of versions.values()) expect(paths.size).toBe(1)
      committed.set(snapshot['snapshot-id'], byId(files.flatMap((f) => parts.get(f.path)!)))
    }
    expect(metadata.snapshots).toHaveLength(30)
    for (const read of reads) expect(read.rows).toEqual(committed.get(read.snapshot!))
    expect(byId((await readBoth(t)))).toEqual(byId([0, 2, 4, 6, 8].flatMap((i) => [{ id: i * 100 + 30, item: `s${i} v3` }, { id: i * 100 + 31, item: `s${i} v3` }])))
  })
})

const byId_ = (rows: Row[]) => byId(rows.map((r) => ({ id: Number(r.id), item: r.item })))
