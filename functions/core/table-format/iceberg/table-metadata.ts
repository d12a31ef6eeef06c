import type { IcebergSchema, PartitionSpec, Snapshot, TableMetadata } from './iceberg-model'
import { lastPartitionId } from './partition-spec'
import type { SnapshotPlan } from './snapshot-plan'
import { snapshotSummary } from './snapshot-plan'

/** The fields format v2 requires of table metadata. */
export const REQUIRED_METADATA_FIELDS = [
  'format-version', 'table-uuid', 'location', 'last-sequence-number', 'last-updated-ms', 'last-column-id',
  'schemas', 'current-schema-id', 'partition-specs', 'default-spec-id', 'last-partition-id', 'sort-orders', 'default-sort-order-id',
] as const

/** The table property engines read Parquet files without field ids by. */
export const NAME_MAPPING = 'schema.name-mapping.default'

/**
 * The name mapping of a table's schemas: each field id with every name it has had, so a
 * Parquet part written without field ids (every part sluice wrote for Hive tables) reads by
 * name, also after a rename. `renames` (new name → the name before, `renamesOf`) adds the names
 * a field had between two schemas (`a → b → c` committed as one schema change), except a name
 * another field has: one name maps to one id.
 */
export function nameMapping(schemas: IcebergSchema[], renames: Record<string, string> = {}): string {
  const names = new Map<number, string[]>()
  for (const schema of schemas) for (const f of schema.fields) names.set(f.id, [...new Set([...(names.get(f.id) ?? []), f.name])])
  const owner = new Map([...names].flatMap(([id, n]) => n.map((name) => [name, id] as const)))
  for (const [id, known] of names) {
    const all = [...known]
    for (const name of known) {
      for (let before = renames[name]; before !== undefined && !all.includes(before); before = renames[before]) {
        if (owner.has(before) && owner.get(before) !== id) break
        all.push(before)
      }
    }
    names.set(id, all)
  }
  return JSON.stringify([...names].sort(([a], [b]) => a - b).map(([id, n]) => ({ 'field-id': id, names: n })))
}

/** A new table with no snapshot yet. `location` is the table's folder, without a trailing `/`. */
export function newTableMetadata(input: { uuid: string; location: string; schema: IcebergSchema; spec: PartitionSpec; now: Date; properties?: Record<string, string> }): TableMetadata {
  return {
    'format-version': 2,
    'table-uuid': input.uuid,
    location: input.location,
    'last-sequence-number': 0,
    'last-updated-ms': input.now.getTime(),
    'last-column-id': Math.max(0, ...input.schema.fields.map((f) => f.id)),
    schemas: [input.schema],
    'current-schema-id': input.schema['schema-id'],
    'partition-specs': [input.spec],
    'default-spec-id': input.spec['spec-id'],
    'last-partition-id': lastPartitionId(input.spec),
    properties: { 'write.format.default': 'parquet', ...input.properties, [NAME_MAPPING]: nameMapping([input.schema]) },
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    'default-sort-order-id': 0,
    refs: {},
  }
}

/** The current snapshot, if the table has one. */
export function currentSnapshot(metadata: TableMetadata): Snapshot | undefined {
  const id = metadata['current-snapshot-id']
  return id === undefined || id === -1 ? undefined : metadata.snapshots.find((s) => s['snapshot-id'] === id)
}

/**
 * Makes a schema the current one (added if new); the same metadata when it is current already.
 * `lastColumnId` is the highest id ever assigned, which never goes down. `renames` is what
 * `evolveSchema` was given, for the name mapping.
 */
export function withSchema(metadata: TableMetadata, schema: IcebergSchema, lastColumnId: number, renames: Record<string, string> = {}): TableMetadata {
  if (metadata.schemas.some((s) => s === schema || s['schema-id'] === schema['schema-id'])) {
    return metadata['current-schema-id'] === schema['schema-id'] ? metadata : { ...metadata, 'current-schema-id': schema['schema-id'] }
  }
  const schemas = [...metadata.schemas, schema]
  return {
    ...metadata,
    schemas,
    'current-schema-id': schema['schema-id'],
    'last-column-id': Math.max(metadata['last-column-id'], lastColumnId),
    properties: { ...metadata.properties, [NAME_MAPPING]: nameMapping(schemas, renames) },
  }
}

/**
 * The metadata after a planned snapshot is committed: the snapshot current on `main`, logged,
 * and the metadata file it replaces (`previous`, if any) in the metadata log.
 */
export function withSnapshot(metadata: TableMetadata, plan: SnapshotPlan, manifestList: string, now: Date, previous: string | undefined, runId?: string): TableMetadata {
  const parent = currentSnapshot(metadata)
  const snapshot: Snapshot = {
    'snapshot-id': plan.snapshotId,
    ...(parent ? { 'parent-snapshot-id': parent['snapshot-id'] } : {}),
    'sequence-number': plan.sequenceNumber,
    'timestamp-ms': now.getTime(),
    'manifest-list': manifestList,
    summary: snapshotSummary(plan, parent, runId),
    'schema-id': metadata['current-schema-id'],
  }
  const at = now.getTime()
  return {
    ...metadata,
    'last-sequence-number': plan.sequenceNumber,
    'last-updated-ms': at,
    'current-snapshot-id': plan.snapshotId,
    snapshots: [...metadata.snapshots, snapshot],
    'snapshot-log': [...metadata['snapshot-log'], { 'timestamp-ms': at, 'snapshot-id': plan.snapshotId }],
    'metadata-log': previous ? [...metadata['metadata-log'], { 'timestamp-ms': metadata['last-updated-ms'], 'metadata-file': previous }] : metadata['metadata-log'],
    refs: { ...metadata.refs, main: { 'snapshot-id': plan.snapshotId, type: 'branch' } },
  }
}

/**
 * Makes the partition spec of `partitioned` (the fields a new spec built for the current schema
 * would have) the default, added as a new spec when no spec has those fields: a contract's
 * `partitionBy` added or changed after the table was created. A field keeps the id an earlier
 * spec gave the same source column; a new one takes the next id. Data files keep the spec they
 * were written with; new ones are written with the default.
 */
export function withPartitionSpec(metadata: TableMetadata, partitioned: PartitionSpec): TableMetadata {
  const same = (a: PartitionSpec) => a.fields.length === partitioned.fields.length && a.fields.every((f, i) => f['source-id'] === partitioned.fields[i]['source-id'] && f.transform === partitioned.fields[i].transform)
  const existing = metadata['partition-specs'].find(same)
  if (existing) return existing['spec-id'] === metadata['default-spec-id'] ? metadata : { ...metadata, 'default-spec-id': existing['spec-id'] }
  let last = metadata['last-partition-id']
  const earlier = metadata['partition-specs'].flatMap((s) => s.fields)
  const fields = partitioned.fields.map((f) => ({ ...f, 'field-id': earlier.find((e) => e['source-id'] === f['source-id'] && e.transform === f.transform)?.['field-id'] ?? ++last }))
  const specId = Math.max(...metadata['partition-specs'].map((s) => s['spec-id'])) + 1
  return { ...metadata, 'partition-specs': [...metadata['partition-specs'], { 'spec-id': specId, fields }], 'default-spec-id': specId, 'last-partition-id': Math.max(last, metadata['last-partition-id']) }
}
