import type { Catalog } from '../core/lake/catalog'
import type { ObjectStore } from '../core/lake/object-store'
import { SluiceError } from '../core/errors'
import type { TableFormat } from '../core/table-format/table-format'
import { keyOfLocation } from './zone-locations'

/**
 * Hive tables: the Parquet parts under each partition the catalog registers, as Athena lists
 * them when it plans a query (keys with a `_` or `.` segment are never data).
 */
export function hiveTableFormat(deps: { store: ObjectStore; catalog: Catalog; database: string }): TableFormat {
  return {
    name: 'hive',
    async readTable(name, options = {}) {
      if (options.asOf !== undefined) throw new SluiceError(`hive: ${name} is a Hive table, which keeps no earlier states; as-of reads Iceberg tables only`)
      const table = await deps.catalog.getTable(deps.database, name)
      if (!table) return undefined
      const keys = table.PartitionKeys.map((k) => k.Name)
      const files = []
      for (const partition of await deps.catalog.listPartitions(deps.database, name)) {
        const prefix = keyOfLocation(deps.store, partition.StorageDescriptor.Location)
        const values = Object.fromEntries(keys.map((k, i) => [k, partition.Values[i]]))
        for await (const o of deps.store.list(prefix)) {
          const inside = o.key.slice(prefix.length).split('/')
          if (o.key.endsWith('.parquet') && !inside.some((s) => s.startsWith('_') || s.startsWith('.'))) files.push({ location: deps.store.location(o.key), partition: values })
        }
      }
      return { columns: [...table.StorageDescriptor.Columns, ...table.PartitionKeys], partitionColumns: keys, files }
    },
  }
}
