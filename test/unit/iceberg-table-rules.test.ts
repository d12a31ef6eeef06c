import { describe, expect, it } from 'vitest'
import type { DataFile, TableMetadata } from '../../functions/core/table-format/iceberg/iceberg-model'
import { evolveSchema, SchemaEvolutionError } from '../../functions/core/table-format/iceberg/iceberg-schema'
import { dateOfDays, partitionSpec, partitionTuple } from '../../functions/core/table-format/iceberg/partition-spec'
import { liveDataFiles, manifestFileOf, planSnapshot, type LiveManifest, type TableChange } from '../../functions/core/table-format/iceberg/snapshot-plan'
import { newTableMetadata, withSchema, withSnapshot } from '../../functions/core/table-format/iceberg/table-metadata'
import { assertRebasable, CommitConflictError } from '../../functions/core/table-format/iceberg/commit-rebase'
import { snapshotAsOf, SnapshotNotFoundError, tableHistory } from '../../functions/core/table-format/iceberg/time-travel'
import { partitionSummaries } from '../../functions/core/table-format/iceberg/partition-summary'
import { partDataFile } from '../../functions/core/table-format/iceberg/part-data-file'
import { expiredFiles, planExpiry, RetentionSettingError } from '../../functions/core/table-format/iceberg/snapshot-expiry'

const NOW = new Date('2024-07-01T06:00:00Z')

function table(partitionBy: string[] = []): TableMetadata {
  const { schema } = evolveSchema(undefined, [{ name: 'id', type: { kind: 'int' } }, { name: 'region', type: { kind: 'string' } }], 0)
  return newTableMetadata({ uuid: '00000000-0000-4000-8000-000000000000', location: 'file:///lake/curated/orders', schema, spec: partitionSpec(schema, partitionBy), now: NOW })
}

function file(source: string, n: number, rows = 10): DataFile {
  return { path: `file:///lake/curated/orders/ingest_date=2024-07-01/${source}-p${n}-00000.parquet`, source, recordCount: rows, sizeBytes: 100 * rows, partition: { ingest_date: 19905 } }
}

/** Commits a change the way an adapter does, with every manifest "encoded" as 1 byte per entry. */
function commit(metadata: TableMetadata, live: LiveManifest[], change: TableChange, snapshotId: number, now = NOW): { metadata: TableMetadata; live: LiveManifest[] } {
  const plan = planSnapshot(metadata, live, change, { snapshotId, manifestPath: (i) => `m-${snapshotId}-${i}.avro` })
  const written = plan.written.map((content) => ({ content, file: manifestFileOf(metadata, content, content.entries.length, plan.sequenceNumber) }))
  const next = withSnapshot(metadata, plan, `snap-${snapshotId}.avro`, now, 'v0.metadata.json', change.runId)
  const kept = live.filter((m) => plan.kept.includes(m.file))
  return { metadata: next, live: [...kept, ...written] }
}

describe('Iceberg schema', () => {
  it('keeps the ids of known columns and gives new columns the next ids', () => {
    const first = evolveSchema(undefined, [{ name: 'id', type: { kind: 'int' } }], 0)
    const second = evolveSchema(first.schema, [{ name: 'amount', type: { kind: 'decimal', precision: 10, scale: 2 } }, { name: 'id', type: { kind: 'bigint' } }], first.lastColumnId)
    expect(first.schema.fields.map((f) => [f.id, f.name, f.type])).toEqual([[1, 'ingest_date', 'date'], [2, 'id', 'int']])
    expect(second.schema.fields.map((f) => [f.id, f.name, f.type])).toEqual([[1, 'ingest_date', 'date'], [3, 'amount', 'decimal(10,2)'], [2, 'id', 'long']])
    expect(second.schema['schema-id']).toBe(1)
  })

  it('types sluice timestamps, which Parquet holds as UTC-adjusted micros, as timestamptz', () => {
    const { schema } = evolveSchema(undefined, [{ name: 'at', type: { kind: 'timestamp' } }, { name: 'n', type: { kind: 'bigint' } }], 0)
    expect(schema.fields.map((f) => f.type)).toEqual(['date', 'timestamptz', 'long'])
  })

  it('returns the same schema when nothing changed', () => {
    const first = evolveSchema(undefined, [{ name: 'id', type: { kind: 'int' } }], 0)
    expect(evolveSchema(first.schema, [{ name: 'id', type: { kind: 'int' } }], first.lastColumnId).schema).toBe(first.schema)
  })

  it('refuses a change that is no promotion (decimal scale, date to timestamp)', () => {
    const d = evolveSchema(undefined, [{ name: 'a', type: { kind: 'decimal', precision: 10, scale: 2 } }, { name: 'b', type: { kind: 'date' } }], 0)
    expect(() => evolveSchema(d.schema, [{ name: 'a', type: { kind: 'decimal', precision: 12, scale: 3 } }], d.lastColumnId)).toThrow(SchemaEvolutionError)
    expect(() => evolveSchema(d.schema, [{ name: 'b', type: { kind: 'timestamp' } }], d.lastColumnId)).toThrow(SchemaEvolutionError)
    expect(evolveSchema(d.schema, [{ name: 'a', type: { kind: 'decimal', precision: 14, scale: 2 } }], d.lastColumnId).schema.fields[1].type).toBe('decimal(14,2)')
  })

  it('adds a new schema to the metadata and keeps the old one for older snapshots', () => {
    const t = table()
    const next = evolveSchema(t.schemas[0], [{ name: 'note', type: { kind: 'string' } }], t['last-column-id'])
    const evolved = withSchema(t, next.schema, next.lastColumnId)
    expect(evolved.schemas.map((s) => s['schema-id'])).toEqual([0, 1])
    expect(evolved['current-schema-id']).toBe(1)
    expect(evolved['last-column-id']).toBe(4)
  })

  it('maps every field id to its names, so Parquet parts without field ids read by name', () => {
    const t = table()
    expect(JSON.parse(t.properties['schema.name-mapping.default'])).toEqual([{ 'field-id': 1, names: ['ingest_date'] }, { 'field-id': 2, names: ['id'] }, { 'field-id': 3, names: ['region'] }])
    const next = evolveSchema(t.schemas[0], [{ name: 'note', type: { kind: 'string' } }], t['last-column-id'])
    expect(JSON.parse(withSchema(t, next.schema, next.lastColumnId).properties['schema.name-mapping.default'])).toContainEqual({ 'field-id': 4, names: ['note'] })
  })
})

describe('Iceberg partition spec', () => {
  it('partitions by the day of ingest, then by the contract partitionBy, as identity fields from id 1000', () => {
    const t = table(['region'])
    expect(t['partition-specs'][0].fields).toEqual([
      { 'source-id': 1, 'field-id': 1000, name: 'ingest_date', transform: 'identity' },
      { 'source-id': 3, 'field-id': 1001, name: 'region', transform: 'identity' },
    ])
    expect(t['last-partition-id']).toBe(1001)
  })

  it('types partition values from the Hive path: a date as days since 1970-01-01', () => {
    const t = table(['region'])
    const tuple = partitionTuple(t['partition-specs'][0], t.schemas[0], { ingest_date: '2024-07-01', region: 'eu' })
    expect(tuple).toEqual({ ingest_date: 19905, region: 'eu' })
    expect(dateOfDays(19905)).toBe('2024-07-01')
  })
})

describe('Iceberg partition summaries', () => {
  it('bounds each partition field in single-value bytes: a date as 4 little-endian bytes, strings in UTF-8 byte order', () => {
    const t = table(['region'])
    const files = ['\uFF21', '\u{1F600}', null].map((region, i) => ({ ...file('a', i), partition: { ingest_date: 19905 + i, region } }))
    const [date, region] = partitionSummaries(t['partition-specs'][0], t.schemas[0], files)
    expect(date).toEqual({ containsNull: false, lowerBound: Uint8Array.of(0xc1, 0x4d, 0, 0), upperBound: Uint8Array.of(0xc3, 0x4d, 0, 0) })
    expect(region.containsNull).toBe(true)
    expect(new TextDecoder().decode(region.lowerBound)).toBe('\uFF21')
    expect(new TextDecoder().decode(region.upperBound)).toBe('\u{1F600}')
  })
})

describe('Iceberg data files of Hive parts', () => {
  it('reads the partition values from the key and the source from the part name', () => {
    const t = table(['region'])
    const key = 'orders/ingest_date=2024-07-01/region=north%20east/0123abcd-9f8e-00002.parquet'
    expect(partDataFile({ key, location: `s3://lake/${key}`, rows: 7, bytes: 1234 }, t['partition-specs'][0], t.schemas[0])).toEqual({
      path: `s3://lake/${key}`, source: '0123abcd', recordCount: 7, sizeBytes: 1234, partition: { ingest_date: 19905, region: 'north east' },
    })
  })
})

describe('Iceberg snapshots', () => {
  it('appends, replaces a source file and retracts one, each as one snapshot with the right files', () => {
    let state = commit(table(), [], { sources: [{ source: 'a', files: [file('a', 1)] }, { source: 'b', files: [file('b', 1), file('b', 2)] }] }, 11)
    expect(state.metadata.snapshots[0].summary.operation).toBe('append')

    state = commit(state.metadata, state.live, { sources: [{ source: 'a', files: [file('a', 3, 4)] }] }, 12)
    const replace = state.metadata.snapshots[1]
    expect(replace.summary).toMatchObject({ operation: 'overwrite', 'added-data-files': '1', 'deleted-data-files': '1', 'total-records': '24', 'total-data-files': '3' })
    expect(replace['parent-snapshot-id']).toBe(11)
    expect(liveDataFiles(state.live).map((f) => f.path).sort()).toEqual([file('a', 3).path, file('b', 1).path, file('b', 2).path])

    state = commit(state.metadata, state.live, { sources: [{ source: 'b', files: [] }] }, 13)
    expect(state.metadata.snapshots[2].summary).toMatchObject({ operation: 'delete', 'deleted-records': '20', 'total-records': '4' })
    expect(liveDataFiles(state.live).map((f) => f.path)).toEqual([file('a', 3).path])
    expect(state.metadata['last-sequence-number']).toBe(3)
    expect(state.metadata.refs.main['snapshot-id']).toBe(13)
  })

  it('keeps a manifest holding none of the changed sources as it is', () => {
    const first = commit(table(), [], { sources: [{ source: 'a', files: [file('a', 1)] }] }, 21)
    const second = commit(first.metadata, first.live, { sources: [{ source: 'b', files: [file('b', 1)] }] }, 22)
    expect(second.live[0]).toBe(first.live[0])
    expect(second.live[1].file).toMatchObject({ addedFilesCount: 1, existingFilesCount: 0, sequenceNumber: 2, minSequenceNumber: 2 })
  })

  it('records removed files as deleted entries of the snapshot that removed them, keeping their sequence numbers', () => {
    const first = commit(table(), [], { sources: [{ source: 'a', files: [file('a', 1)] }, { source: 'b', files: [file('b', 1)] }] }, 31)
    const inherited: LiveManifest[] = first.live.map((m) => ({ ...m, content: { ...m.content, entries: m.content.entries.map((e) => ({ ...e, sequenceNumber: 1, fileSequenceNumber: 1 })) } }))
    const second = commit(first.metadata, inherited, { sources: [{ source: 'a', files: [] }] }, 32)
    const rewritten = second.live[0]
    expect(rewritten.content.entries.map((e) => [e.status, e.file.source, e.snapshotId, e.sequenceNumber])).toEqual([[2, 'a', 32, 1], [0, 'b', 31, 1]])
    expect(rewritten.file).toMatchObject({ deletedFilesCount: 1, existingFilesCount: 1, minSequenceNumber: 1, sequenceNumber: 2 })
  })
})

describe('Iceberg manifests over several snapshots', () => {
  it('drops a manifest left with deleted entries only from the next snapshot', () => {
    let state = commit(table(), [], { sources: [{ source: 'a', files: [file('a', 1)] }] }, 41)
    state = commit(state.metadata, state.live, { sources: [{ source: 'a', files: [] }] }, 42)
    expect(state.live.map((m) => m.content.entries.map((e) => e.status))).toEqual([[2]])
    state = commit(state.metadata, state.live, { sources: [{ source: 'b', files: [file('b', 1)] }] }, 43)
    expect(state.live.map((m) => m.content.entries.map((e) => [e.status, e.file.source]))).toEqual([[[1, 'b']]])
  })
})

describe('Iceberg commit applied again on a newer snapshot', () => {
  it('applies when the newer snapshot changed other source files only', () => {
    expect(() => assertRebasable({ sources: [{ source: 'a', files: [file('a', 2)] }] }, [file('a', 1)], [file('a', 1), file('b', 1)], 'orders')).not.toThrow()
  })

  it('fails with CommitConflictError when the same source file changed in both', () => {
    expect(() => assertRebasable({ sources: [{ source: 'a', files: [file('a', 2)] }] }, [file('a', 1)], [file('a', 3)], 'orders')).toThrow(CommitConflictError)
    expect(() => assertRebasable({ sources: [{ source: 'a', files: [] }] }, [], [file('a', 3)], 'orders')).toThrow(/source file\(s\) a/)
  })
})

describe('Iceberg time travel and history', () => {
  const at = (hour: number) => new Date(`2024-07-01T${String(hour).padStart(2, '0')}:00:00Z`)
  function history(): TableMetadata {
    let state = commit(table(), [], { sources: [{ source: 'a', files: [file('a', 1)] }], runId: 'r1' }, 51, at(6))
    state = commit(state.metadata, state.live, { sources: [{ source: 'a', files: [file('a', 2, 4)] }], runId: 'r2' }, 52, at(8))
    state = commit(state.metadata, state.live, { sources: [{ source: 'a', files: [] }], runId: 'r3' }, 53, at(10))
    return state.metadata
  }

  it('reads as of a time the snapshot current then, and as of an id that snapshot', () => {
    const metadata = history()
    expect(snapshotAsOf(metadata, at(6), 'orders')['snapshot-id']).toBe(51)
    expect(snapshotAsOf(metadata, at(9), 'orders')['snapshot-id']).toBe(52)
    expect(snapshotAsOf(metadata, at(23), 'orders')['snapshot-id']).toBe(53)
    expect(snapshotAsOf(metadata, 52, 'orders')['snapshot-id']).toBe(52)
  })

  it('fails with SnapshotNotFoundError naming the earliest retained snapshot before the first snapshot, for an unknown id, and for an expired one', () => {
    const metadata = history()
    expect(() => snapshotAsOf(metadata, at(5), 'orders')).toThrow('iceberg: orders has no snapshot as of 2024-07-01T05:00:00.000Z; its earliest retained snapshot is 51 at 2024-07-01T06:00:00.000Z')
    expect(() => snapshotAsOf(metadata, 99, 'orders')).toThrow(SnapshotNotFoundError)
    expect(() => snapshotAsOf(metadata, 99, 'orders')).toThrow('iceberg: orders has no snapshot 99; its earliest retained snapshot is 51 at 2024-07-01T06:00:00.000Z')
    const expired = { ...metadata, snapshots: metadata.snapshots.filter((s) => s['snapshot-id'] !== 51) }
    expect(() => snapshotAsOf(expired, at(7), 'orders')).toThrow('iceberg: orders has no snapshot as of 2024-07-01T07:00:00.000Z; its earliest retained snapshot is 52 at 2024-07-01T08:00:00.000Z')
  })

  it('lists each snapshot with its run, files and rows, oldest first', () => {
    expect(tableHistory(history()).map((h) => [h.snapshotId, h.committedAt, h.operation, h.runId, h.addedFiles, h.deletedFiles, h.addedRows, h.deletedRows, h.totalRows, h.current])).toEqual([
      [51, '2024-07-01T06:00:00.000Z', 'append', 'r1', 1, 0, 10, 0, 10, false],
      [52, '2024-07-01T08:00:00.000Z', 'overwrite', 'r2', 1, 1, 4, 10, 4, false],
      [53, '2024-07-01T10:00:00.000Z', 'delete', 'r3', 0, 1, 0, 4, 0, true],
    ])
  })
})

describe('Iceberg snapshot expiry', () => {
  const HOUR = 3_600_000
  const at = (hour: number) => new Date(Date.UTC(2024, 6, 1) + hour * HOUR)
  function threeCommits() {
    const s1 = commit(table(), [], { sources: [{ source: 'a', files: [file('a', 1)] }] }, 61, at(6))
    const s2 = commit(s1.metadata, s1.live, { sources: [{ source: 'a', files: [file('a', 2)] }] }, 62, at(8))
    const s3 = commit(s2.metadata, s2.live, { sources: [{ source: 'b', files: [file('b', 1)] }] }, 63, at(10))
    return [s1, s2, s3]
  }

  it('expires a snapshot only once it stopped being current longer ago than the retention, never the current one', () => {
    const [, , s3] = threeCommits()
    expect(planExpiry(s3.metadata, at(8.5), HOUR)).toBeUndefined()
    expect(planExpiry(s3.metadata, at(9.5), HOUR)!.expired.map((s) => s['snapshot-id'])).toEqual([61])
    const late = planExpiry(s3.metadata, at(30), HOUR)!
    expect(late.expired.map((s) => s['snapshot-id'])).toEqual([61, 62])
    expect(late.metadata.snapshots.map((s) => s['snapshot-id'])).toEqual([63])
    expect(late.metadata['snapshot-log'].map((e) => e['snapshot-id'])).toEqual([63])
    expect(planExpiry(s3.metadata, at(30), HOUR, 1)!.expired.map((s) => s['snapshot-id'])).toEqual([61])
  })

  it('refuses a retention under an hour', () => {
    expect(() => planExpiry(threeCommits()[2].metadata, at(30), HOUR - 1)).toThrow(RetentionSettingError)
  })

  it('deletes the data files and manifests only expired snapshots reference', () => {
    const [s1, s2, s3] = threeCommits()
    const files = expiredFiles([{ snapshot: s1.metadata.snapshots[0], manifests: s1.live }, { snapshot: s2.metadata.snapshots[1], manifests: s2.live }], [s3.live])
    expect(files.dataFiles).toEqual([file('a', 1).path])
    // m-62-0 is m-61-0 rewritten with a's first file deleted: no live entry, so s3 dropped it.
    expect(files.manifests).toEqual(['m-61-0.avro', 'm-62-0.avro'])
    expect(files.manifestLists).toEqual(['snap-61.avro', 'snap-62.avro'])
  })
})
