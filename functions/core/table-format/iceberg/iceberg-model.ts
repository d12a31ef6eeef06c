/**
 * The Iceberg format v2 shapes sluice writes (https://iceberg.apache.org/spec/): table metadata
 * JSON, and the records of manifests and manifest lists before they are encoded as Avro.
 */

/** A primitive Iceberg type as the metadata JSON spells it: `long`, `decimal(12,2)`, … */
export type IcebergType = string

export interface IcebergField {
  id: number
  name: string
  required: boolean
  type: IcebergType
}

export interface IcebergSchema {
  type: 'struct'
  'schema-id': number
  fields: IcebergField[]
}

export interface PartitionField {
  'source-id': number
  'field-id': number
  name: string
  transform: 'identity' | 'day'
}

export interface PartitionSpec {
  'spec-id': number
  fields: PartitionField[]
}

export interface Snapshot {
  'snapshot-id': number
  'parent-snapshot-id'?: number
  'sequence-number': number
  'timestamp-ms': number
  'manifest-list': string
  summary: Record<string, string> & { operation: 'append' | 'overwrite' | 'delete' | 'replace' }
  'schema-id': number
}

export interface TableMetadata {
  'format-version': 2
  'table-uuid': string
  location: string
  'last-sequence-number': number
  'last-updated-ms': number
  'last-column-id': number
  schemas: IcebergSchema[]
  'current-schema-id': number
  'partition-specs': PartitionSpec[]
  'default-spec-id': number
  'last-partition-id': number
  properties: Record<string, string>
  'current-snapshot-id'?: number
  snapshots: Snapshot[]
  'snapshot-log': { 'timestamp-ms': number; 'snapshot-id': number }[]
  'metadata-log': { 'timestamp-ms': number; 'metadata-file': string }[]
  'sort-orders': { 'order-id': number; fields: unknown[] }[]
  'default-sort-order-id': number
  refs: Record<string, { 'snapshot-id': number; type: 'branch' | 'tag' }>
}

/** A partition value as the manifest stores it: days since 1970-01-01 for a date. */
export type PartitionValue = string | number | boolean | null

/**
 * One Parquet data file of the table. `source` is the sluice file id of the raw file whose
 * version the file holds rows of: every part a Load publishes belongs to exactly one source
 * file. A data file compaction merged holds several; its `source` is its compaction's id, and
 * its record names its members (merged-files.ts).
 */
export interface DataFile {
  path: string
  source: string
  recordCount: number
  sizeBytes: number
  /** Values by partition field name, in the spec's field order. */
  partition: Record<string, PartitionValue>
}

/** Entry status: 0 existing, 1 added, 2 deleted. */
export type EntryStatus = 0 | 1 | 2

/**
 * A manifest entry. Added entries leave their sequence numbers to be inherited from the
 * manifest list (written as null), so the manifest stays valid when a commit is applied again
 * on a newer snapshot; existing and deleted entries carry theirs.
 */
export interface ManifestEntry {
  status: EntryStatus
  snapshotId: number
  sequenceNumber?: number
  fileSequenceNumber?: number
  file: DataFile
}

/** A manifest's content before it is encoded: its entries, all of one spec and schema. */
export interface ManifestContent {
  path: string
  specId: number
  schemaId: number
  /** The snapshot that wrote it. */
  addedSnapshotId: number
  entries: ManifestEntry[]
}

/** A partition field's summary in the manifest list: bounds as Iceberg single-value bytes. */
export interface FieldSummary {
  containsNull: boolean
  containsNan?: boolean
  lowerBound?: Uint8Array
  upperBound?: Uint8Array
}

/** One row of a manifest list (`manifest_file`). */
export interface ManifestFile {
  path: string
  length: number
  specId: number
  /** 0: data. sluice writes no delete files. */
  content: 0
  sequenceNumber: number
  minSequenceNumber: number
  addedSnapshotId: number
  addedFilesCount: number
  existingFilesCount: number
  deletedFilesCount: number
  addedRowsCount: number
  existingRowsCount: number
  deletedRowsCount: number
  partitions: FieldSummary[]
}
