import type { IcebergSchema, PartitionSpec } from './iceberg-model'

/**
 * The Avro schemas of format v2 manifests and manifest lists, with the field ids the spec
 * assigns (https://iceberg.apache.org/spec/#manifests). Optional fields sluice never fills
 * (column metrics, split offsets, key metadata) are left out: readers project by field id and
 * read an absent optional field as null.
 */

type AvroSchema = Record<string, unknown>

const optional = (name: string, id: number, type: unknown): AvroSchema => ({ name, type: ['null', type], default: null, 'field-id': id })
const required = (name: string, id: number, type: unknown): AvroSchema => ({ name, type, 'field-id': id })

/** The Avro type of a partition value of a source column of this Iceberg type. */
function partitionValueType(type: string): unknown {
  switch (type) {
    case 'date':
      return { type: 'int', logicalType: 'date' }
    case 'int':
    case 'long':
    case 'boolean':
    case 'string':
      return type
    default:
      throw new Error(`iceberg: no partition value type for a ${type} column`)
  }
}

/** The `partition` struct (field 102) of a spec: one optional field per partition field. */
export function partitionStructSchema(spec: PartitionSpec, schema: IcebergSchema): AvroSchema {
  return {
    type: 'record',
    name: 'r102',
    fields: spec.fields.map((f) => optional(f.name, f['field-id'], partitionValueType(schema.fields.find((s) => s.id === f['source-id'])?.type ?? 'string'))),
  }
}

/** `manifest_entry` with its `data_file` struct, for manifests of this spec. */
export function manifestEntrySchema(spec: PartitionSpec, schema: IcebergSchema): AvroSchema {
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      required('status', 0, 'int'),
      optional('snapshot_id', 1, 'long'),
      optional('sequence_number', 3, 'long'),
      optional('file_sequence_number', 4, 'long'),
      required('data_file', 2, {
        type: 'record',
        name: 'r2',
        fields: [
          required('content', 134, 'int'),
          required('file_path', 100, 'string'),
          required('file_format', 101, 'string'),
          required('partition', 102, partitionStructSchema(spec, schema)),
          required('record_count', 103, 'long'),
          required('file_size_in_bytes', 104, 'long'),
        ],
      }),
    ],
  }
}

/** `manifest_file`, the record of a manifest list. */
export const MANIFEST_FILE_SCHEMA: AvroSchema = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    required('manifest_path', 500, 'string'),
    required('manifest_length', 501, 'long'),
    required('partition_spec_id', 502, 'int'),
    required('content', 517, 'int'),
    required('sequence_number', 515, 'long'),
    required('min_sequence_number', 516, 'long'),
    required('added_snapshot_id', 503, 'long'),
    required('added_files_count', 504, 'int'),
    required('existing_files_count', 505, 'int'),
    required('deleted_files_count', 506, 'int'),
    required('added_rows_count', 512, 'long'),
    required('existing_rows_count', 513, 'long'),
    required('deleted_rows_count', 514, 'long'),
    optional('partitions', 507, {
      type: 'array',
      'element-id': 508,
      items: {
        type: 'record',
        name: 'r508',
        fields: [required('contains_null', 509, 'boolean'), optional('contains_nan', 518, 'boolean'), optional('lower_bound', 510, 'bytes'), optional('upper_bound', 511, 'bytes')],
      },
    }),
  ],
}
