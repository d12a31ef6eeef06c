import avro from 'avsc'
import type { ManifestContent, ManifestEntry, ManifestFile, TableMetadata } from '../core/table-format/iceberg/iceberg-model'
import { MANIFEST_FILE_SCHEMA, manifestEntrySchema } from '../core/table-format/iceberg/iceberg-avro-schemas'
import { sourceOfDataFile } from '../core/table-format/iceberg/data-file-source'

/**
 * Iceberg manifests and manifest lists as Avro object container files (avsc), bytes in and
 * out. The writer schema in each file's header carries the spec's field ids, and the
 * key-value metadata the spec requires (schema, partition spec, format version, content).
 */

type Metadata = Record<string, string>

async function encode(schema: Record<string, unknown>, records: unknown[], metadata: Metadata): Promise<Uint8Array> {
  // avsc supports header metadata; its typings omit the option. The header is written even for no
  // record: a manifest list of an empty table is still a valid container file.
  const options = { codec: 'null', writeHeader: 'always', metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v)])) }
  const encoder = new avro.streams.BlockEncoder(schema as avro.Schema, options as Partial<avro.EncoderOptions>)
  const chunks: Buffer[] = []
  const done = new Promise<void>((resolve, reject) => {
    encoder.on('data', (c: Buffer) => chunks.push(c))
    encoder.on('end', resolve)
    encoder.on('error', reject)
    encoder.on('typeError', (e: Error) => reject(e))
  })
  for (const r of records) encoder.write(r)
  encoder.end()
  await done
  return new Uint8Array(Buffer.concat(chunks))
}

/** The records of an Avro container file and its key-value metadata. */
export async function decodeAvro(bytes: Uint8Array): Promise<{ records: Record<string, unknown>[]; metadata: Metadata; schema: Record<string, unknown> }> {
  const decoder = new avro.streams.BlockDecoder()
  const records: Record<string, unknown>[] = []
  let metadata: Metadata = {}
  return new Promise((resolve, reject) => {
    decoder.on('metadata', (_type: unknown, _codec: unknown, header: { meta: Record<string, Buffer> }) => {
      metadata = Object.fromEntries(Object.entries(header.meta).map(([k, v]) => [k, v.toString()]))
    })
    decoder.on('data', (r: Record<string, unknown>) => records.push(r))
    decoder.on('end', () => resolve({ records, metadata, schema: JSON.parse(metadata['avro.schema']) as Record<string, unknown> }))
    decoder.on('error', reject)
    decoder.end(Buffer.from(bytes))
  })
}

function specAndSchema(metadata: TableMetadata, content: Pick<ManifestContent, 'specId' | 'schemaId' | 'path'>) {
  const spec = metadata['partition-specs'].find((s) => s['spec-id'] === content.specId)
  const schema = metadata.schemas.find((s) => s['schema-id'] === content.schemaId)
  if (!spec || !schema) throw new Error(`iceberg: manifest ${content.path} names spec ${content.specId} or schema ${content.schemaId} the table lacks`)
  return { spec, schema }
}

/** A manifest of data files as Avro. */
export function encodeManifest(content: ManifestContent, metadata: TableMetadata): Promise<Uint8Array> {
  const { spec, schema } = specAndSchema(metadata, content)
  const records = content.entries.map((e) => ({
    status: e.status,
    snapshot_id: e.snapshotId,
    sequence_number: e.status === 1 ? null : (e.sequenceNumber ?? null),
    file_sequence_number: e.status === 1 ? null : (e.fileSequenceNumber ?? null),
    data_file: {
      content: 0,
      file_path: e.file.path,
      file_format: 'PARQUET',
      partition: Object.fromEntries(spec.fields.map((f) => [f.name, e.file.partition[f.name] ?? null])),
      record_count: e.file.recordCount,
      file_size_in_bytes: e.file.sizeBytes,
    },
  }))
  return encode(manifestEntrySchema(spec, schema), records, {
    schema: JSON.stringify(schema),
    'schema-id': String(schema['schema-id']),
    'partition-spec': JSON.stringify(spec.fields),
    'partition-spec-id': String(spec['spec-id']),
    'format-version': '2',
    content: 'data',
  })
}

/** A manifest read back; sequence numbers left to inheritance stay undefined. */
export async function decodeManifest(bytes: Uint8Array, path: string): Promise<ManifestContent> {
  const { records, metadata } = await decodeAvro(bytes)
  const entries: ManifestEntry[] = records.map((r) => {
    const file = r.data_file as { file_path: string; partition: Record<string, string | number | boolean | null>; record_count: number; file_size_in_bytes: number }
    return {
      status: r.status as 0 | 1 | 2,
      snapshotId: r.snapshot_id as number,
      ...(r.sequence_number === null ? {} : { sequenceNumber: r.sequence_number as number }),
      ...(r.file_sequence_number === null ? {} : { fileSequenceNumber: r.file_sequence_number as number }),
      file: { path: file.file_path, source: sourceOfDataFile(file.file_path), recordCount: file.record_count, sizeBytes: file.file_size_in_bytes, partition: { ...file.partition } },
    }
  })
  const addedSnapshotId = entries.find((e) => e.status !== 0)?.snapshotId ?? entries[0]?.snapshotId ?? 0
  return { path, specId: Number(metadata['partition-spec-id']), schemaId: Number(metadata['schema-id']), addedSnapshotId, entries }
}

/** A snapshot's manifest list as Avro. */
export function encodeManifestList(files: ManifestFile[], snapshot: { snapshotId: number; parentSnapshotId?: number; sequenceNumber: number }): Promise<Uint8Array> {
  const records = files.map((f) => ({
    manifest_path: f.path,
    manifest_length: f.length,
    partition_spec_id: f.specId,
    content: f.content,
    sequence_number: f.sequenceNumber,
    min_sequence_number: f.minSequenceNumber,
    added_snapshot_id: f.addedSnapshotId,
    added_files_count: f.addedFilesCount,
    existing_files_count: f.existingFilesCount,
    deleted_files_count: f.deletedFilesCount,
    added_rows_count: f.addedRowsCount,
    existing_rows_count: f.existingRowsCount,
    deleted_rows_count: f.deletedRowsCount,
    partitions: f.partitions.map((p) => ({
      contains_null: p.containsNull,
      contains_nan: p.containsNan ?? null,
      lower_bound: p.lowerBound ? Buffer.from(p.lowerBound) : null,
      upper_bound: p.upperBound ? Buffer.from(p.upperBound) : null,
    })),
  }))
  return encode(MANIFEST_FILE_SCHEMA, records, {
    'snapshot-id': String(snapshot.snapshotId),
    'parent-snapshot-id': snapshot.parentSnapshotId === undefined ? 'null' : String(snapshot.parentSnapshotId),
    'sequence-number': String(snapshot.sequenceNumber),
    'format-version': '2',
  })
}

/** A manifest list read back. */
export async function decodeManifestList(bytes: Uint8Array): Promise<ManifestFile[]> {
  const { records } = await decodeAvro(bytes)
  return records.map((r) => ({
    path: r.manifest_path as string,
    length: r.manifest_length as number,
    specId: r.partition_spec_id as number,
    content: 0,
    sequenceNumber: r.sequence_number as number,
    minSequenceNumber: r.min_sequence_number as number,
    addedSnapshotId: r.added_snapshot_id as number,
    addedFilesCount: r.added_files_count as number,
    existingFilesCount: r.existing_files_count as number,
    deletedFilesCount: r.deleted_files_count as number,
    addedRowsCount: r.added_rows_count as number,
    existingRowsCount: r.existing_rows_count as number,
    deletedRowsCount: r.deleted_rows_count as number,
    partitions: ((r.partitions ?? []) as { contains_null: boolean; contains_nan: boolean | null; lower_bound: Buffer | null; upper_bound: Buffer | null }[]).map((p) => ({
      containsNull: p.contains_null,
      ...(p.contains_nan === null ? {} : { containsNan: p.contains_nan }),
      ...(p.lower_bound ? { lowerBound: new Uint8Array(p.lower_bound) } : {}),
      ...(p.upper_bound ? { upperBound: new Uint8Array(p.upper_bound) } : {}),
    })),
  }))
}
