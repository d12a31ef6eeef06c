import { describe, expect, it } from 'vitest'
import { avroMetadata, avroRead } from 'icebird'
import type { DataFile, ManifestFile, TableMetadata } from '../../functions/core/table-format/iceberg/iceberg-model'
import { evolveSchema } from '../../functions/core/table-format/iceberg/iceberg-schema'
import { partitionSpec, partitionTuple } from '../../functions/core/table-format/iceberg/partition-spec'
import { inheritSequenceNumbers, manifestFileOf, planSnapshot, type LiveManifest, type TableChange } from '../../functions/core/table-format/iceberg/snapshot-plan'
import { currentSnapshot, newTableMetadata, withSnapshot } from '../../functions/core/table-format/iceberg/table-metadata'
import { decodeManifest, decodeManifestList, encodeManifest, encodeManifestList } from '../../functions/adapters/iceberg-avro'
import { expectV2Manifest, expectV2ManifestList, expectV2Metadata } from '../support/iceberg-spec'

const NOW = new Date('2024-07-01T06:00:00Z')

function table(): TableMetadata {
  const { schema } = evolveSchema(undefined, [{ name: 'id', type: { kind: 'bigint' } }, { name: 'region', type: { kind: 'string' } }], 0)
  return newTableMetadata({ uuid: '6a1e2f2c-0b7e-4f43-9a55-3a3f6e0d5f10', location: 'file:///lake/curated/orders', schema, spec: partitionSpec(schema, ['region']), now: NOW })
}

function file(metadata: TableMetadata, source: string, n: number, date: string, region: string | undefined): DataFile {
  const partition = partitionTuple(metadata['partition-specs'][0], metadata.schemas[0], { ingest_date: date, ...(region ? { region } : {}) })
  return { path: `file:///lake/curated/orders/ingest_date=${date}/${source}-p${n}-00000.parquet`, source, recordCount: 3 * n, sizeBytes: 500 + n, partition }
}

/** Every Avro file written over a commit, with the metadata after it. */
interface Written {
  metadata: TableMetadata
  live: LiveManifest[]
  files: { kind: 'manifest' | 'list'; bytes: Uint8Array }[]
}

async function commit(state: Omit<Written, 'files'>, change: TableChange, snapshotId: number): Promise<Written> {
  const { metadata, live } = state
  const plan = planSnapshot(metadata, live, change, { snapshotId, manifestPath: (i) => `file:///lake/curated/orders/metadata/${snapshotId}-m${i}.avro` })
  const files: Written['files'] = []
  const written: LiveManifest[] = []
  for (const content of plan.written) {
    const bytes = await encodeManifest(content, metadata)
    files.push({ kind: 'manifest', bytes })
    const row = manifestFileOf(metadata, content, bytes.length, plan.sequenceNumber)
    written.push({ file: row, content: inheritSequenceNumbers(await decodeManifest(bytes, content.path), row) })
  }
  const rows: ManifestFile[] = [...plan.kept, ...written.map((w) => w.file)]
  const parent = currentSnapshot(metadata)
  const list = await encodeManifestList(rows, { snapshotId, ...(parent ? { parentSnapshotId: parent['snapshot-id'] } : {}), sequenceNumber: plan.sequenceNumber })
  files.push({ kind: 'list', bytes: list })
  expect(await decodeManifestList(list)).toEqual(rows)
  const next = withSnapshot(metadata, plan, `file:///lake/curated/orders/metadata/snap-${snapshotId}.avro`, NOW, undefined)
  return { metadata: next, live: [...live.filter((m) => plan.kept.includes(m.file)), ...written], files }
}

describe('Iceberg Avro manifests', () => {
  it('writes every manifest and manifest list to the v2 schemas, and metadata with every required field', async () => {
    let state: Written = { metadata: table(), live: [], files: [] }
    const all: Written['files'] = []
    const t = state.metadata
    for (const [change, id] of [
      [{ sources: [{ source: 'a', files: [file(t, 'a', 1, '2024-07-01', 'eu')] }, { source: 'b', files: [file(t, 'b', 1, '2024-07-01', undefined)] }] }, 101],
      [{ sources: [{ source: 'a', files: [file(t, 'a', 2, '2024-07-02', 'us'), file(t, 'a', 3, '2024-07-02', 'eu')] }] }, 102],
      [{ sources: [{ source: 'b', files: [] }] }, 103],
    ] as [TableChange, number][]) {
      state = await commit(state, change, id)
      all.push(...state.files)
    }
    expect(all.filter((f) => f.kind === 'manifest').length).toBeGreaterThanOrEqual(4)
    for (const f of all) {
      if (f.kind === 'manifest') await expectV2Manifest(f.bytes, state.metadata['partition-specs'][0].fields.map((p) => ({ ...p })))
      else await expectV2ManifestList(f.bytes)
    }
    expectV2Metadata(JSON.parse(JSON.stringify(state.metadata)) as Record<string, unknown>)
  })

  it('writes the manifest list of a snapshot with no data file as a whole container file, header and schema included', async () => {
    const bytes = await encodeManifestList([], { snapshotId: 7, sequenceNumber: 1 })
    await expectV2ManifestList(bytes)
    expect(await decodeManifestList(bytes)).toEqual([])
    const reader = { view: new DataView(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), offset: 0 }
    const { metadata, syncMarker } = await avroMetadata(reader)
    expect(await avroRead({ reader, metadata, syncMarker })).toEqual([])
  })

  it('reads back what it wrote, and icebird reads the same entries: inherited sequence numbers as null, the ingest date as a date', async () => {
    const t = table()
    const content = { path: 'm.avro', specId: 0, schemaId: 0, addedSnapshotId: 7, entries: [
      { status: 1 as const, snapshotId: 7, file: file(t, 'a', 1, '2024-07-01', 'eu') },
      { status: 0 as const, snapshotId: 5, sequenceNumber: 2, fileSequenceNumber: 2, file: file(t, 'b', 2, '2024-06-30', undefined) },
    ] }
    const bytes = await encodeManifest(content, t)
    expect(await decodeManifest(bytes, 'm.avro')).toEqual(content)
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    const reader = { view: new DataView(buffer), offset: 0 }
    const { metadata, syncMarker } = await avroMetadata(reader)
    const records = (await avroRead({ reader, metadata, syncMarker })) as { status: number; sequence_number?: bigint; data_file: { file_path: string; partition: Record<string, unknown>; record_count: bigint } }[]
    expect(records.map((r) => [r.status, r.sequence_number ?? null, r.data_file.file_path, r.data_file.partition, Number(r.data_file.record_count)])).toEqual([
      [1, null, content.entries[0].file.path, { ingest_date: new Date('2024-07-01'), region: 'eu' }, 3],
      [0, 2n, content.entries[1].file.path, { ingest_date: new Date('2024-06-30'), region: undefined }, 6],
    ])
  })
})
