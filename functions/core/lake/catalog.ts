/**
 * The Glue Data Catalog's shapes, as sluice writes them: the Glue adapter sends them as they
 * are, and the local catalog stores the same JSON.
 */

import type { CatalogColumn } from '../schema/catalog-column'

export type { CatalogColumn }

export interface StorageDescriptor {
  Columns: CatalogColumn[]
  Location: string
  InputFormat: string
  OutputFormat: string
  SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> }
  Compressed?: boolean
}

/** Glue `TableInput`. */
export interface TableInput {
  Name: string
  Description?: string
  TableType: 'EXTERNAL_TABLE'
  Parameters: Record<string, string>
  PartitionKeys: CatalogColumn[]
  StorageDescriptor: StorageDescriptor
}

/** Glue `PartitionInput`. */
export interface PartitionInput {
  Values: string[]
  StorageDescriptor: StorageDescriptor
}

/** A table definition and the version it was read at (Glue's `VersionId`). */
export interface VersionedTable {
  table: TableInput
  version: string
}

/**
 * What the workflow needs from a catalog; Glue and the local JSON catalog implement it.
 * Definitions change by optimistic locking: read a version, update only that version, and on
 * WriteConflictError read again, reconcile again and retry.
 */
export interface Catalog {
  ensureDatabase(database: string): Promise<void>
  getTable(database: string, name: string): Promise<TableInput | undefined>
  readTable(database: string, name: string): Promise<VersionedTable | undefined>
  /** Creates the table; WriteConflictError when it exists already. */
  createTable(database: string, table: TableInput): Promise<void>
  /**
   * Replaces the definition read at `version`; WriteConflictError when it has changed since.
   * `skipArchive`: Glue keeps no archived version of the definition replaced (an Iceberg pointer
   * swap, made at every commit, as Iceberg's own Glue catalog does by default).
   */
  updateTable(database: string, table: TableInput, version: string, options?: { skipArchive?: boolean }): Promise<void>
  /** Registers partitions; ones that exist already are left as they are. */
  addPartitions(database: string, table: string, partitions: PartitionInput[]): Promise<void>
  /**
   * Puts a table in place with exactly these partitions, whatever it was (a rebuilt generation
   * swapped in). Locally one atomic write; on Glue one UpdateTable (or CreateTable), then the
   * partition calls, which are not atomic with it (docs/operating.md, "Reprocess"). With `version`, only the
   * definition read at that version is replaced: WriteConflictError when it has changed since.
   */
  replaceTable(database: string, table: TableInput, partitions: PartitionInput[], version?: string): Promise<void>
  /**
   * Points an existing partition at another location, its definition otherwise unchanged: the
   * atomic switch a compaction ends with (one UpdatePartition on Glue, one write locally). Only
   * from location `from`: WriteConflictError when the partition is elsewhere now (its table was
   * swapped to another generation meanwhile). Glue cannot make UpdatePartition conditional, so
   * there the check is a read just before it.
   */
  movePartition(database: string, table: string, values: string[], location: string, from: string): Promise<void>
  /** Removes a table and its partitions; a missing table is not an error. */
  deleteTable(database: string, name: string): Promise<void>
  listTables(database: string): Promise<TableInput[]>
  listPartitions(database: string, table: string): Promise<PartitionInput[]>
}

export const PARQUET_FORMAT = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: {
    SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    Parameters: { 'serialization.format': '1' },
  },
}

/** Partition key of every curated table. */
export const INGEST_DATE = 'ingest_date'

/** A Parquet table definition at `location` (which ends with `/`). */
export function parquetTable(name: string, columns: CatalogColumn[], partitionKeys: CatalogColumn[], location: string, description?: string): TableInput {
  return {
    Name: name,
    ...(description ? { Description: description } : {}),
    TableType: 'EXTERNAL_TABLE',
    Parameters: { classification: 'parquet', EXTERNAL: 'TRUE', 'parquet.compression': 'SNAPPY' },
    PartitionKeys: partitionKeys,
    StorageDescriptor: { Columns: columns, Location: location, ...PARQUET_FORMAT },
  }
}

/** The partition of `table` with these values (in partition key order) at `location`. */
export function parquetPartition(table: TableInput, values: string[], location: string): PartitionInput {
  return {
    Values: values,
    StorageDescriptor: { ...table.StorageDescriptor, Location: location },
  }
}
