import { PARQUET_FORMAT, type CatalogColumn, type TableInput } from '../../lake/catalog'
import { SluiceError } from '../../errors'
import type { IcebergSchema } from './iceberg-model'

/** A catalog table an Iceberg commit meets is of another format (a Hive table not yet converted). */
export class TableFormatMismatchError extends SluiceError {}

/** Glue table parameters of an Iceberg table, as Iceberg's own Glue catalog sets them. */
export const TABLE_TYPE = 'table_type'
export const METADATA_LOCATION = 'metadata_location'
export const PREVIOUS_METADATA_LOCATION = 'previous_metadata_location'

/** Athena's spelling of an Iceberg column type, for the columns mirrored in the storage descriptor. */
function athenaColumnType(type: string): string {
  return type === 'long' ? 'bigint' : type === 'timestamptz' ? 'timestamp' : type
}

/** The schema's columns as the catalog mirrors them, with Athena's type names. */
export function mirroredColumns(schema: IcebergSchema): CatalogColumn[] {
  return schema.fields.map((f) => ({ Name: f.name, Type: athenaColumnType(f.type) }))
}

/**
 * The catalog definition of an Iceberg table: `table_type=ICEBERG` and the pointer to its
 * current metadata file (with the one it replaced), the columns mirrored from the current schema,
 * no partition keys (partitioning is in the metadata).
 */
export function icebergTableInput(name: string, location: string, schema: IcebergSchema, metadataLocation: string, previous?: string): TableInput {
  return {
    Name: name,
    TableType: 'EXTERNAL_TABLE',
    Parameters: {
      [TABLE_TYPE]: 'ICEBERG',
      [METADATA_LOCATION]: metadataLocation,
      ...(previous ? { [PREVIOUS_METADATA_LOCATION]: previous } : {}),
    },
    PartitionKeys: [],
    StorageDescriptor: {
      Columns: mirroredColumns(schema),
      Location: location,
      ...PARQUET_FORMAT,
    },
  }
}

/** The metadata file a catalog table points at; undefined for a table that is no Iceberg table. */
export function metadataLocationOf(table: TableInput | undefined): string | undefined {
  if (table?.Parameters[TABLE_TYPE]?.toUpperCase() !== 'ICEBERG') return undefined
  return table.Parameters[METADATA_LOCATION]
}
