import { expect } from 'vitest'
import { avroMetadata, avroRead } from 'icebird'
import { decodeAvro } from '../../functions/adapters/iceberg-avro'

/**
 * The format v2 tables of https://iceberg.apache.org/spec/#manifests, transcribed by hand
 * (not taken from the writer): field id, name, whether v2 requires it, and its Avro type.
 */
type SpecField = [id: number, name: string, required: boolean, type: string]

const MANIFEST_ENTRY: SpecField[] = [
  [0, 'status', true, 'int'],
  [1, 'snapshot_id', false, 'long'],
  [3, 'sequence_number', false, 'long'],
  [4, 'file_sequence_number', false, 'long'],
  [2, 'data_file', true, 'record'],
]
const DATA_FILE: SpecField[] = [
  [134, 'content', true, 'int'],
  [100, 'file_path', true, 'string'],
  [101, 'file_format', true, 'string'],
  [102, 'partition', true, 'record'],
  [103, 'record_count', true, 'long'],
  [104, 'file_size_in_bytes', true, 'long'],
  [108, 'column_sizes', false, 'array'],
  [109, 'value_counts', false, 'array'],
  [110, 'null_value_counts', false, 'array'],
  [137, 'nan_value_counts', false, 'array'],
  [125, 'lower_bounds', false, 'array'],
  [128, 'upper_bounds', false, 'array'],
  [131, 'key_metadata', false, 'bytes'],
  [132, 'split_offsets', false, 'array'],
  [135, 'equality_ids', false, 'array'],
  [140, 'sort_order_id', false, 'int'],
]
const MANIFEST_FILE: SpecField[] = [
  [500, 'manifest_path', true, 'string'],
  [501, 'manifest_length', true, 'long'],
  [502, 'partition_spec_id', true, 'int'],
  [517, 'content', true, 'int'],
  [515, 'sequence_number', true, 'long'],
  [516, 'min_sequence_number', true, 'long'],
  [503, 'added_snapshot_id', true, 'long'],
  [504, 'added_files_count', true, 'int'],
  [505, 'existing_files_count', true, 'int'],
  [506, 'deleted_files_count', true, 'int'],
  [512, 'added_rows_count', true, 'long'],
  [513, 'existing_rows_count', true, 'long'],
  [514, 'deleted_rows_count', true, 'long'],
  [507, 'partitions', false, 'array'],
  [519, 'key_metadata', false, 'bytes'],
]
const FIELD_SUMMARY: SpecField[] = [
  [509, 'contains_null', true, 'boolean'],
  [518, 'contains_nan', false, 'boolean'],
  [510, 'lower_bound', false, 'bytes'],
  [511, 'upper_bound', false, 'bytes'],
]

/** Table metadata fields v2 requires. */
const REQUIRED_METADATA = ['format-version', 'table-uuid', 'location', 'last-sequence-number', 'last-updated-ms', 'last-column-id', 'schemas', 'current-schema-id', 'partition-specs', 'default-spec-id', 'last-partition-id', 'sort-orders', 'default-sort-order-id']
const REQUIRED_SNAPSHOT = ['snapshot-id', 'sequence-number', 'timestamp-ms', 'manifest-list', 'summary']

interface AvroField {
  name: string
  type: unknown
  'field-id'?: number
}

function typeName(type: unknown): string {
  if (typeof type === 'string') return type
  return (type as { type: string }).type
}

/** Checks a record's writer fields against a spec table: every required field there, non-null; every field with the spec's id and type. */
function checkFields(fields: AvroField[], spec: SpecField[], where: string): void {
  for (const [id, name, required] of spec.filter((f) => f[2])) {
    const field = fields.find((f) => f.name === name)
    expect(field, `${where}: required field ${name} (${id})`).toBeDefined()
    expect(Array.isArray(field!.type), `${where}: required field ${name} must not be nullable`).toBe(false)
    void required
  }
  for (const field of fields) {
    const known = spec.find((f) => f[1] === field.name)
    expect(known, `${where}: field ${field.name} is not in the v2 schema`).toBeDefined()
    const [id, , , type] = known!
    expect(field['field-id'], `${where}: field id of ${field.name}`).toBe(id)
    const actual = Array.isArray(field.type) ? field.type.filter((t) => t !== 'null') : [field.type]
    expect(actual.length, `${where}: ${field.name} is a union of null and one type`).toBe(1)
    expect(typeName(actual[0]), `${where}: type of ${field.name}`).toBe(type)
  }
}

const nonNull = (t: unknown) => (Array.isArray(t) ? t.find((x) => x !== 'null') : t)

/**
 * Checks an Avro manifest against the v2 manifest schema and its required metadata; the
 * partition struct's fields against the spec's partition field ids. Also decodes it with
 * icebird's own Avro reader, which must read as many records.
 */
export async function expectV2Manifest(bytes: Uint8Array, spec: { 'field-id': number; name: string }[]): Promise<void> {
  const { schema, metadata, records } = await decodeAvro(bytes)
  for (const key of ['schema', 'schema-id', 'partition-spec', 'partition-spec-id', 'format-version', 'content']) expect(metadata[key], `manifest metadata ${key}`).toBeDefined()
  expect(metadata['format-version']).toBe('2')
  expect(metadata.content).toBe('data')
  const entry = schema as { name: string; fields: AvroField[] }
  expect(entry.name).toBe('manifest_entry')
  checkFields(entry.fields, MANIFEST_ENTRY, 'manifest_entry')
  const dataFile = nonNull(entry.fields.find((f) => f.name === 'data_file')!.type) as { fields: AvroField[] }
  checkFields(dataFile.fields, DATA_FILE, 'data_file')
  const partition = dataFile.fields.find((f) => f.name === 'partition')!.type as { fields: AvroField[] }
  expect(partition.fields.map((f) => [f['field-id'], f.name])).toEqual(spec.map((f) => [f['field-id'], f.name]))
  expect(JSON.parse(metadata['partition-spec'])).toEqual(spec)
  expect(await readWithIcebird(bytes)).toHaveLength(records.length)
}

/** Checks an Avro manifest list against the v2 manifest_file schema and its required metadata. */
export async function expectV2ManifestList(bytes: Uint8Array): Promise<void> {
  const { schema, metadata, records } = await decodeAvro(bytes)
  for (const key of ['snapshot-id', 'parent-snapshot-id', 'sequence-number', 'format-version']) expect(metadata[key], `manifest list metadata ${key}`).toBeDefined()
  const list = schema as { name: string; fields: AvroField[] }
  expect(list.name).toBe('manifest_file')
  checkFields(list.fields, MANIFEST_FILE, 'manifest_file')
  const partitions = nonNull(list.fields.find((f) => f.name === 'partitions')!.type) as { 'element-id': number; items: { fields: AvroField[] } }
  expect(partitions['element-id']).toBe(508)
  checkFields(partitions.items.fields, FIELD_SUMMARY, 'field_summary')
  expect(await readWithIcebird(bytes)).toHaveLength(records.length)
}

/** Checks table metadata JSON for every field v2 requires, in itself and in each snapshot. */
export function expectV2Metadata(metadata: Record<string, unknown>): void {
  for (const key of REQUIRED_METADATA) expect(metadata[key], `table metadata ${key}`).toBeDefined()
  expect(metadata['format-version']).toBe(2)
  for (const snapshot of (metadata.snapshots ?? []) as Record<string, unknown>[]) {
    for (const key of REQUIRED_SNAPSHOT) expect(snapshot[key], `snapshot ${key}`).toBeDefined()
    expect((snapshot.summary as Record<string, string>).operation).toMatch(/^(append|replace|overwrite|delete)$/)
  }
  const schemas = metadata.schemas as { 'schema-id': number; fields: { id: number }[] }[]
  expect(schemas.some((s) => s['schema-id'] === metadata['current-schema-id'])).toBe(true)
  expect(Math.max(...schemas.flatMap((s) => s.fields.map((f) => f.id)))).toBeLessThanOrEqual(metadata['last-column-id'] as number)
}

async function readWithIcebird(bytes: Uint8Array): Promise<unknown[]> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const reader = { view: new DataView(buffer), offset: 0 }
  const { metadata, syncMarker } = await avroMetadata(reader)
  return avroRead({ reader, metadata, syncMarker })
}
