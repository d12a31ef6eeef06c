import { parquetMetadata, parquetReadObjects, type FileMetaData, type SchemaElement } from 'hyparquet'
import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import { gzipSync } from 'node:zlib'
import { LINEAGE_SOURCE } from './lineage'

/** The column of a rejects part naming the raw file. */
const REJECTS_SOURCE = 'source'

/**
 * One part to merge, and, when only some of its rows stay, the sources whose rows stay (`keep`)
 * or the row ranges that stay (`keepRows`, `[start, end)` in row order).
 */
export interface MergeSource {
  bytes: Uint8Array
  keep?: ReadonlySet<string>
  keepRows?: ReadonlyArray<readonly [number, number]>
}

/** What a merge wrote. */
export interface MergedPart {
  bytes: Uint8Array
  rows: number
}

/**
 * The schema of a part as a comparable string: only parts with equal schemas are merged, so a
 * merged part has exactly the columns and types of each of its sources.
 */
export function partSchema(bytes: Uint8Array): string {
  return JSON.stringify(metadataOf(bytes).schema.map(schemaIdentity))
}

/**
 * Concatenates Parquet parts of one schema into one part, in order, row group by row group:
 * each source's rows keep their order, and their values are copied as stored (decimals as their
 * unscaled integers, dates as days, timestamps as their integers), so nothing is rounded or
 * converted on the way. A source with `keep` contributes only the rows whose `_sluice_source`
 * (in a rejects part, `source`) is in it: the rows of files a later commit replaced or
 * retracted are dropped. A source with `keepRows` contributes only the rows in those ranges: a
 * merged part whose member parts' rows lie in known ranges needs no source column to be cut.
 */
export async function mergeParts(sources: MergeSource[]): Promise<MergedPart> {
  const first = metadataOf(sources[0]!.bytes)
  const schema = first.schema
  const leaves = schema.slice(1)
  // Data parts name their raw file in the lineage column, rejects parts in `source`.
  const sourceColumn = [LINEAGE_SOURCE, REJECTS_SOURCE].find((name) => leaves.some((e) => e.name === name))
  if (sources.some((s) => s.keep) && !sourceColumn) throw new Error('compaction: a part without a source column cannot be cut by source')
  const codec = first.row_groups[0]?.columns[0]?.meta_data?.codec ?? 'SNAPPY'
  const bytes = new ByteWriter()
  const writer = new ParquetWriter({ writer: bytes, schema, codec, compressors: { GZIP: (input: Uint8Array) => gzipSync(input) }, statistics: true, createdBy: 'sluice' })
  let rows = 0
  // Tiny sources' rows are gathered into row groups of a useful size.
  let buffered: Record<string, unknown>[] = []
  const flush = () => {
    if (buffered.length === 0) return
    writer.write({ columnData: leaves.map((e) => ({ name: e.name, data: buffered.map((o) => writable(e, o[e.name])) })), rowGroupSize: buffered.length })
    rows += buffered.length
    buffered = []
  }
  for (const source of sources) {
    const metadata = metadataOf(source.bytes)
    if (JSON.stringify(metadata.schema.map(schemaIdentity)) !== JSON.stringify(schema.map(schemaIdentity))) {
      throw new Error('compaction: parts of different schemas cannot be merged')
    }
    const file = toArrayBuffer(source.bytes)
    const stored = storedForm(metadata)
    // Row group by row group: only one source row group is ever decoded at a time.
    let start = 0
    for (const group of metadata.row_groups) {
      const end = start + Number(group.num_rows)
      const objects = (await parquetReadObjects({ file, metadata: stored, utf8: true, rowStart: start, rowEnd: end })) as Record<string, unknown>[]
      const first = start
      start = end
      const inRange = source.keepRows ? objects.filter((_, i) => inRanges(source.keepRows!, first + i)) : objects
      const kept = source.keep ? inRange.filter((o) => source.keep!.has(o[sourceColumn!] as string)) : inRange
      for (const o of kept) buffered.push(o)
      if (buffered.length >= ROW_GROUP_ROWS) flush()
    }
  }
  flush()
  writer.finish()
  return { bytes: new Uint8Array(bytes.getBuffer()), rows }
}

const inRanges = (ranges: ReadonlyArray<readonly [number, number]>, row: number) => ranges.some(([start, end]) => row >= start && row < end)

function metadataOf(bytes: Uint8Array): FileMetaData {
  return parquetMetadata(toArrayBuffer(bytes))
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

const schemaIdentity = (e: SchemaElement) => ({
  name: e.name, type: e.type, type_length: e.type_length, repetition_type: e.repetition_type, num_children: e.num_children,
  converted_type: e.converted_type, scale: e.scale, precision: e.precision, logical_type: e.logical_type,
})

/** Converted types whose stored form the reader would turn into rounded or rich values. */
/** Rows per row group of a merged part: the rows of tiny sources are gathered up to this many. */
const ROW_GROUP_ROWS = 65_536

const STORED = new Set(['DECIMAL', 'DATE', 'TIMESTAMP_MILLIS', 'TIMESTAMP_MICROS'])

/** The metadata with those columns read as their stored integers. */
function storedForm(metadata: FileMetaData): FileMetaData {
  const schema = metadata.schema.map((e) => {
    const rich = (e.converted_type && STORED.has(e.converted_type)) || ['DECIMAL', 'DATE', 'TIMESTAMP'].includes(e.logical_type?.type ?? '')
    if (!rich) return e
    const { converted_type: _c, logical_type: _l, ...plain } = e
    return plain
  })
  return { ...metadata, schema }
}

/** A stored value as the writer takes it back for the column. */
function writable(e: SchemaElement, value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (e.converted_type === 'DECIMAL') {
    if (value instanceof Uint8Array) return twosComplement(value)
    return typeof value === 'bigint' ? value : BigInt(value as number)
  }
  return value
}

/** A big-endian two's complement integer (a FIXED_LEN_BYTE_ARRAY decimal) as a bigint. */
function twosComplement(bytes: Uint8Array): bigint {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  return bytes.length > 0 && bytes[0]! & 0x80 ? n - (1n << BigInt(bytes.length * 8)) : n
}
