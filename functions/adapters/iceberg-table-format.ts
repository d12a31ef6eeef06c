import type { TableFormat } from '../core/table-format/table-format'
import { dateOfDays } from '../core/table-format/iceberg/partition-spec'
import { mirroredColumns } from '../core/table-format/iceberg/iceberg-table-input'
import { fileColumnNames } from '../core/table-format/iceberg/file-column-names'
import { currentTableFiles, tableFilesAsOf, type IcebergTarget } from './iceberg-commit'

/**
 * Iceberg tables: the data files of the snapshot the catalog's metadata pointer names (or of the
 * snapshot as of an earlier time or id), so a query sees one whole commit. Identity partition
 * values come from the manifests (a date as `YYYY-MM-DD`), since the Parquet parts do not hold
 * those columns. The columns are the snapshot's schema, each with the names the name mapping
 * gives its field id. A SnapshotNotFoundError answers an as-of no retained snapshot matches.
 */
export function icebergTableFormat(target: IcebergTarget): TableFormat {
  return {
    name: 'iceberg',
    async readTable(name, options = {}) {
      const asOf = options.asOf === undefined ? undefined : await tableFilesAsOf(target, name, options.asOf)
      const read = asOf ?? (options.asOf === undefined ? await currentTableFiles(target, name) : undefined)
      if (!read) return undefined
      const { metadata, files } = read
      const schemaId = asOf ? asOf.snapshot['schema-id'] : metadata['current-schema-id']
      const schema = metadata.schemas.find((s) => s['schema-id'] === schemaId)!
      const spec = metadata['partition-specs'].find((s) => s['spec-id'] === metadata['default-spec-id'])!
      const types = new Map(spec.fields.map((f) => [f.name, schema.fields.find((c) => c.id === f['source-id'])?.type]))
      const text = (name: string, v: unknown) => (v === null || v === undefined ? '' : types.get(name) === 'date' ? dateOfDays(Number(v)) : String(v))
      const partitionColumns = spec.fields.map((f) => f.name)
      const names = fileColumnNames(schema, metadata.properties)
      return {
        columns: mirroredColumns(schema),
        partitionColumns,
        files: files.map((f) => ({ location: f.path, partition: Object.fromEntries(Object.entries(f.partition).map(([k, v]) => [k, text(k, v)])) })),
        fileColumnNames: Object.fromEntries(Object.entries(names).filter(([n]) => !partitionColumns.includes(n))),
      }
    },
  }
}
