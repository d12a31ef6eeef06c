import { parquetMetadataAsync, parquetRead, type AsyncBuffer, type FileMetaData } from 'hyparquet'
import { athenaTypeName, type AthenaType } from '../schema/athena-types'
import { ParquetPartWriter } from './parquet-part-writer'
import type { ParquetColumn, Codec } from './parquet-schema'
import type { PartInfo, PartSink } from './part-sink'
import { castValue, writtenType } from '../schema/cast-values'
import { readableAs } from '../schema/type-widening'

/** A part's columns, in file order, with the types they were written with. */
export async function partColumns(file: AsyncBuffer, metadata?: FileMetaData): Promise<ParquetColumn[]> {
  const meta = metadata ?? (await parquetMetadataAsync(file))
  return meta.schema.slice(1).map((e) => {
    const type = writtenType(e)
    if (!type) throw new Error(`widen: column ${e.name} has a Parquet type sluice does not write (${e.type})`)
    return { name: e.name, type, nullable: e.repetition_type !== 'REQUIRED' }
  })
}

/** Whether Athena reads a part with these columns under the table's types without a rewrite. */
export function readableUnder(columns: ParquetColumn[], table: Map<string, AthenaType>): boolean {
  return columns.every((c) => {
    const t = table.get(c.name)
    return !t || readableAs(c.type, t)
  })
}

/**
 * Writes the rows of a part again with the table's types: every column the table declares
 * with another type is cast exactly (cast-values.ts), the others (lineage columns included)
 * are copied as they are; column order, nullability and row order stay, one row group out per
 * row group in, with the part's own compression, into one part of `sink`.
 */
export async function rewritePart(file: AsyncBuffer, table: Map<string, AthenaType>, sink: PartSink): Promise<PartInfo> {
  const metadata = await parquetMetadataAsync(file)
  const codec = partCodec(metadata)
  const from = await partColumns(file, metadata)
  const to: ParquetColumn[] = from.map((c) => ({ ...c, type: table.get(c.name) ?? c.type }))
  // Decimals are read as their unscaled integers (hyparquet would turn them into doubles), dates
  // as days and timestamps as µs: every cast is then integer arithmetic.
  const raw: FileMetaData = {
    ...metadata,
    schema: metadata.schema.map((e) => (e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL' ? { ...e, converted_type: undefined, logical_type: undefined } : e)),
  }
  const writer = new ParquetPartWriter(sink, 'data', to, codec, Number.POSITIVE_INFINITY)
  const same = from.map((c, i) => athenaTypeName(c.type) === athenaTypeName(to[i].type))
  let start = 0
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows)
    let read: unknown[][] = []
    await parquetRead({
      file, metadata: raw, rowStart: start, rowEnd: start + rows, utf8: true,
      parsers: { dateFromDays: (days: number) => days, timestampFromMicroseconds: (micros: bigint) => micros },
      onComplete: (r: unknown[][]) => (read = r),
    })
    start += rows
    const data = to.map((c, i) => read.map((row) => (same[i] && c.type.kind !== 'decimal' ? (row[i] as never) : castValue(row[i], from[i].type, c.type))))
    await writer.writeRowGroup(data, rows)
  }
  const parts = start === 0 ? await writer.writeEmptyPart() : await writer.finish()
  return parts[0]
}

/** The compression a part was written with (sluice writes one codec per part). */
function partCodec(metadata: FileMetaData): Codec {
  const codec = metadata.row_groups[0]?.columns[0]?.meta_data?.codec
  return codec === 'GZIP' ? 'gzip' : codec === 'UNCOMPRESSED' ? 'none' : 'snappy'
}
