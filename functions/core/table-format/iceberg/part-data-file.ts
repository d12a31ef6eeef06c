import type { DataFile, IcebergSchema, PartitionSpec } from './iceberg-model'
import { sourceOfDataFile } from './data-file-source'
import { partitionTuple } from './partition-spec'

/** A Parquet part as Load and the ledger know it: its key in the zone, rows and bytes. */
export interface PartFacts {
  key: string
  location: string
  rows: number
  bytes: number
}

/**
 * The Iceberg data file of a part at its Hive key (`<table>/ingest_date=…/<col>=…/<file id>-…`):
 * the partition values read from the key's `name=value` segments, typed by the spec, and the
 * source from the part's name. So Load's new parts and a converted table's existing ones enter
 * the manifests the same way.
 */
export function partDataFile(part: PartFacts, spec: PartitionSpec, schema: IcebergSchema): DataFile {
  const values: Record<string, string> = {}
  for (const segment of part.key.split('/').slice(0, -1)) {
    const eq = segment.indexOf('=')
    if (eq > 0) values[segment.slice(0, eq)] = decodeURIComponent(segment.slice(eq + 1))
  }
  return { path: part.location, source: sourceOfDataFile(part.key), recordCount: part.rows, sizeBytes: part.bytes, partition: partitionTuple(spec, schema, values) }
}
