import { describe, expect, it } from 'vitest'
import type { DataFile, TableMetadata } from '../../functions/core/table-format/iceberg/iceberg-model'
import { evolveSchema } from '../../functions/core/table-format/iceberg/iceberg-schema'
import { partitionSpec } from '../../functions/core/table-format/iceberg/partition-spec'
import { liveDataFiles, manifestFileOf, planSnapshot, type LiveManifest, type TableChange } from '../../functions/core/table-format/iceberg/snapshot-plan'
import { newTableMetadata, withSnapshot } from '../../functions/core/table-format/iceberg/table-metadata'
import { cutMerged, isMergedDataFile, mergedDataFile, membersOfGroup, originParts, sourcesOf, type MergedFile } from '../../functions/core/table-format/iceberg/merged-files'

const NOW = new Date('2024-07-01T06:00:00Z')
const A = 'a'.repeat(20)
const B = 'b'.repeat(20)
const C = 'c'.repeat(20)
const part = (source: string, publish: string, n = 0) => `events/ingest_date=2024-07-01/${source}-${publish.padEnd(12, '0')}-${String(n).padStart(5, '0')}.parquet`
const location = (key: string) => `file:///lake/curated/${key}`

function table(): TableMetadata {
  const { schema } = evolveSchema(undefined, [{ name: 'id', type: { kind: 'int' } }], 0)
  return newTableMetadata({ uuid: '00000000-0000-4000-8000-000000000000', location: 'file:///lake/curated/events', schema, spec: partitionSpec(schema, []), now: NOW })
}

function file(key: string, rows: number): DataFile {
  const name = key.slice(key.lastIndexOf('/') + 1)
  return { path: location(key), source: name.slice(0, name.indexOf('-')), recordCount: rows, sizeBytes: 100 * rows, partition: { ingest_date: 19905 } }
}

function commit(metadata: TableMetadata, live: LiveManifest[], change: TableChange, snapshotId: number) {
  const plan = planSnapshot(metadata, live, change, { snapshotId, manifestPath: (i) => `m-${snapshotId}-${i}.avro` })
  const written = plan.written.map((content) => ({ content, file: manifestFileOf(metadata, content, content.entries.length, plan.sequenceNumber) }))
  return { metadata: withSnapshot(metadata, plan, `snap-${snapshotId}.avro`, NOW, 'v0.metadata.json'), live: [...live.filter((m) => plan.kept.includes(m.file)), ...written] }
}

describe('merged data files', () => {
  const merged: MergedFile = {
    key: 'events/compacted/c1/ingest_date=2024-07-01/c1-00000.parquet',
    members: [{ part: part(A, '1'), rows: 3 }, { part: part(B, '1'), rows: 2 }, { part: part(A, '1', 1), rows: 4 }, { part: part(C, '2'), rows: 5 }],
  }

  it('tells a merged data file from a published part by its name', () => {
    expect(isMergedDataFile(merged.key)).toBe(true)
    expect(isMergedDataFile(location(merged.key))).toBe(true)
    expect(isMergedDataFile(part(A, '1'))).toBe(false)
  })

  it('names the sources of its members, and the parts a snapshot holds a source\'s rows from', () => {
    expect(sourcesOf(merged)).toEqual([A, B, C])
    expect(originParts(A, [part(A, '1', 2)], [merged])).toEqual([part(A, '1'), part(A, '1', 1), part(A, '1', 2)].sort())
    expect(originParts(B, [], [merged])).toEqual([part(B, '1')])
    expect(originParts('d'.repeat(20), [], [merged])).toEqual([])
  })

  it('cuts a source\'s rows out as the ranges of its members, joining the ranges that stay', () => {
    expect(cutMerged(merged, new Set([B]))).toEqual({ keepRows: [[0, 3], [5, 14]], members: [merged.members[0], merged.members[2], merged.members[3]] })
    expect(cutMerged(merged, new Set([A]))).toEqual({ keepRows: [[3, 5], [9, 14]], members: [merged.members[1], merged.members[3]] })
    expect(cutMerged(merged, new Set([A, B, C]))).toEqual({ keepRows: [], members: [] })
    expect(cutMerged(merged, new Set())).toEqual({ keepRows: [[0, 14]], members: merged.members })
  })

  it('flattens the members of merged files in a group, so a merge of merges names the published parts', () => {
    const group = [{ key: part(C, '3'), rows: 1 }, { key: merged.key, rows: 14 }]
    expect(membersOfGroup(group, new Map([[merged.key, merged]])).map((m) => m.part)).toEqual([part(C, '3'), ...merged.members.map((m) => m.part)])
  })

  it('plans a compaction as a replace snapshot, and a cut with a new version as one overwrite', () => {
    const small = [file(part(A, '1'), 3), file(part(B, '1'), 2), file(part(A, '1', 1), 4), file(part(C, '2'), 5)]
    let t = commit(table(), [], { sources: [A, B, C].map((s) => ({ source: s, files: small.filter((f) => f.source === s) })) }, 1)
    const whole = mergedDataFile(location(merged.key), small[0]!, 14, 999)
    t = commit(t.metadata, t.live, { sources: [], rewrite: { removed: small.map((f) => f.path), added: [whole] } }, 2)
    expect(t.metadata.snapshots.at(-1)!.summary).toMatchObject({ operation: 'replace', 'added-data-files': '1', 'deleted-data-files': '4', 'total-records': '14' })
    expect(liveDataFiles(t.live).map((f) => f.path)).toEqual([whole.path])

    const cut = mergedDataFile(location('events/compacted/c2/ingest_date=2024-07-01/c2-00000.parquet'), whole, 9, 500)
    const next = file(part(B, '9'), 7)
    t = commit(t.metadata, t.live, { sources: [{ source: B, files: [next] }], rewrite: { removed: [whole.path], added: [cut] } }, 3)
    expect(t.metadata.snapshots.at(-1)!.summary).toMatchObject({ operation: 'overwrite', 'deleted-records': '14', 'added-records': '16', 'total-records': '16' })
    expect(liveDataFiles(t.live).map((f) => f.path).sort()).toEqual([cut.path, next.path].sort())
  })
})
