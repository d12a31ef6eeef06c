import type { TableFormat } from '../core/table-format/table-format'
import { dateOfDays } from '../core/table-format/iceberg/partition-spec'
import { mirroredColumns } from '../core/table-format/iceberg/iceberg-table-input'
import { currentTableFiles, type IcebergTarget } from './iceberg-commit'

/**
 * Iceberg tables: the data files of the snapshot the catalog's metadata pointer names, so a
 * query sees one whole commit. Identity partition values come from the manifests (a date as
 * `YYYY-MM-DD`), since the Parquet parts do not hold those columns.
 */
export function icebergTableFormat(target: IcebergTarget): TableFormat {
  return {
    name: 'iceberg',
    async readTable(name) {
      const current = await currentTableFiles(target, name)
      if (!current) return undefined
      const { metadata, files } = current
      const schema = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id'])!
      const spec = metadata['partition-specs'].find((s) => s['spec-id'] === metadata['default-spec-id'])!
      const types = new Map(spec.fields.map((f) => [f.name, schema.fields.find((c) => c.id === f['source-id'])?.type]))
      const text = (name: string, v: unknown) => (v === null || v === undefined ? '' : types.get(name) === 'date' ? dateOfDays(Number(v)) : String(v))
      return {
        columns: mirroredColumns(schema),
        partitionColumns: spec.fields.map((f) => f.name),
        files: files.map((f) => ({ location: f.path, partition: Object.fromEntries(Object.entries(f.partition).map(([k, v]) => [k, text(k, v)])) })),
      }
    },
  }
}
