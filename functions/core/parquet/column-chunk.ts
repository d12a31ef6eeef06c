import type { ColumnChunk, SchemaElement } from 'hyparquet'
import { ByteWriter } from 'hyparquet-writer'
import { writePageHeader } from 'hyparquet-writer/src/datapage.js'
import { deltaBinaryPack } from 'hyparquet-writer/src/delta.js'
import { writeRleBitPackedHybrid } from './rle-hybrid'
import { gzipSync } from 'node:zlib'
import { DISTINCT_SHARE, type BigDecimalColumn, type BooleanColumn, type BytesColumn, type ColumnBuilder, type DoubleColumn, type Int32Column, type Int64Column } from './column-builders'
import { scratch } from './encode-scratch'
import { snappyCompress } from './snappy'
import type { Codec } from './parquet-schema'

/**
 * Encodes one column chunk straight from a typed-array builder: a DATA_PAGE (v1) with
 * RLE/bit-packed definition levels and PLAIN values, or for strings with enough repeats a
 * PLAIN dictionary page and RLE_DICTIONARY indexes; chunk statistics (min, max, nulls).
 * The layout is the one Athena, Trino, DuckDB and hyparquet all read. Working arrays come
 * from `scratch`: per chunk only the compressed pages and the statistics are allocated.
 */
export function writeColumnChunk(out: ByteWriter, fileOffset: number, builder: ColumnBuilder, element: SchemaElement, codec: Codec): ColumnChunk {
  const start = out.offset
  const optional = element.repetition_type === 'OPTIONAL'
  let dictionaryOffset: bigint | undefined
  let uncompressed = 0
  let encodings: ('PLAIN' | 'RLE' | 'RLE_DICTIONARY' | 'DELTA_BINARY_PACKED')[] = ['PLAIN', 'RLE']
  let body: Uint8Array
  let encoding: 'PLAIN' | 'RLE_DICTIONARY' | 'DELTA_BINARY_PACKED' = 'PLAIN'
  let min: unknown
  let max: unknown

  if (builder.kind === 'bytes' && isDictionary(builder)) {
    dictionaryOffset = BigInt(fileOffset + out.offset - start)
    const page = plainBytes(builder, undefined, 0, builder.entries)
    uncompressed += writePage(out, page, codec, { type: 'DICTIONARY_PAGE', dictionary_page_header: { num_values: builder.entries, encoding: 'PLAIN' } })
    body = dictionaryIndexes(builder.indexes.subarray(0, builder.count), builder.entries)
    encoding = 'RLE_DICTIONARY'
    encodings.push('RLE_DICTIONARY')
    const used = usedEntries(builder)
    ;[min, max] = bytesMinMax(builder, used, used.length)
  } else if (builder.kind === 'int32' || (builder.kind === 'int64' && !builder.big)) {
    // Integers: a dictionary, else DELTA_BINARY_PACKED when that halves PLAIN, else PLAIN,
    // whose bytes are made only then.
    ;[min, max] = integerStats(builder)
    const numeric = numericDictionary(builder.values, builder.count)
    const delta = numeric ? undefined : deltaValues(builder.values.subarray(0, builder.count), min, max, builder.kind === 'int32' ? 'INT32' : 'INT64')
    if (numeric) {
      dictionaryOffset = BigInt(fileOffset + out.offset - start)
      const page = builder.kind === 'int32' ? plainInt32Values(numeric.entries) : plainInt64Values(numeric.entries)
      uncompressed += writePage(out, page, codec, { type: 'DICTIONARY_PAGE', dictionary_page_header: { num_values: numeric.entries.length, encoding: 'PLAIN' } })
      body = dictionaryIndexes(numeric.indexes, numeric.entries.length)
      encoding = 'RLE_DICTIONARY'
      encodings.push('RLE_DICTIONARY')
    } else if (delta && delta.length <= (builder.count * (builder.kind === 'int32' ? 4 : 8)) / 2) {
      body = delta
      encoding = 'DELTA_BINARY_PACKED'
      encodings = ['RLE', 'DELTA_BINARY_PACKED']
    } else {
      const values = builder.values.subarray(0, builder.count)
      body = builder.kind === 'int32' ? new Uint8Array(values.buffer, values.byteOffset, values.byteLength) : plainInt64Values(values as Float64Array)
    }
  } else {
    ;({ body, min, max } = plainValues(builder, element.type_length ?? 16))
  }

  const dataOffset = BigInt(fileOffset + out.offset - start)
  if (builder.kind === 'bytes' && encoding === 'PLAIN') uncompressed += writePlainBytesPages(out, builder, optional, codec)
  else uncompressed += writeDataPage(out, body, builder, 0, builder.rows, builder.count, optional, encoding, codec)
  const nulls = builder.rows - builder.count
  return {
    file_offset: BigInt(fileOffset),
    meta_data: {
      type: element.type!,
      encodings,
      path_in_schema: [element.name],
      codec: codec === 'snappy' ? 'SNAPPY' : codec === 'gzip' ? 'GZIP' : 'UNCOMPRESSED',
      num_values: BigInt(builder.rows),
      total_uncompressed_size: BigInt(uncompressed),
      total_compressed_size: BigInt(out.offset - start),
      data_page_offset: dataOffset,
      dictionary_page_offset: dictionaryOffset,
      statistics: {
        null_count: BigInt(nulls),
        ...(builder.count > 0 && min !== undefined ? { min_value: min as never, max_value: max as never } : {}),
      },
    },
  }
}

/**
 * The chunk of a required string column with one value in every row (lineage): a dictionary
 * page of that value and one RLE run of index 0, written without building the column.
 */
export function writeConstantChunk(out: ByteWriter, fileOffset: number, value: Uint8Array, rows: number, element: SchemaElement, codec: Codec): ColumnChunk {
  const start = out.offset
  const entry = scratch.page()
  entry.appendUint32(value.length)
  entry.appendBytes(value)
  let uncompressed = writePage(out, entry.getBytes(), codec, { type: 'DICTIONARY_PAGE', dictionary_page_header: { num_values: 1, encoding: 'PLAIN' } })
  const dataOffset = BigInt(fileOffset + out.offset - start)
  const body = scratch.indexWriter()
  body.appendUint8(1)
  body.appendVarInt(rows * 2)
  body.appendUint8(0)
  uncompressed += writePage(out, body.getBytes(), codec, {
    type: 'DATA_PAGE',
    data_page_header: { num_values: rows, encoding: 'RLE_DICTIONARY', definition_level_encoding: 'RLE', repetition_level_encoding: 'RLE' },
  })
  return {
    file_offset: BigInt(fileOffset),
    meta_data: {
      type: element.type!,
      encodings: ['PLAIN', 'RLE', 'RLE_DICTIONARY'],
      path_in_schema: [element.name],
      codec: codec === 'snappy' ? 'SNAPPY' : codec === 'gzip' ? 'GZIP' : 'UNCOMPRESSED',
      num_values: BigInt(rows),
      total_uncompressed_size: BigInt(uncompressed),
      total_compressed_size: BigInt(out.offset - start),
      data_page_offset: dataOffset,
      dictionary_page_offset: BigInt(fileOffset),
      statistics: { null_count: 0n, min_value: value.slice() as never, max_value: value.slice() as never },
    },
  }
}

/**
 * DELTA_BINARY_PACKED values of an integer chunk whose values all fit 32 bits (hyparquet-
 * writer's exact number path), or undefined. Ids and other values that mostly climb shrink to
 * a few bits each, where PLAIN and Snappy keep about half of their eight bytes.
 */
function deltaValues(values: Int32Array | Float64Array, min: unknown, max: unknown, type: 'INT32' | 'INT64'): Uint8Array | undefined {
  if (values.length < 2 || min === undefined || max === undefined) return undefined
  if (Number(min) < -0x80000000 || Number(max) > 0x7fffffff) return undefined
  const out = scratch.indexWriter()
  deltaBinaryPack(out, values, type)
  return out.getBytes()
}

/** A data page of rows `[from, to)`, which hold `values` values: levels (when optional), then `body`. */
function writeDataPage(out: ByteWriter, body: Uint8Array, builder: ColumnBuilder, from: number, to: number, values: number, optional: boolean, encoding: string, codec: Codec): number {
  let page = body
  if (optional) {
    const levels = scratch.page()
    levels.appendUint32(0)
    // No nulls: one RLE run of 1s, without looking at every level.
    const length =
      values === to - from ? (levels.appendVarInt((to - from) * 2), levels.appendUint8(1), levels.offset - 4) : writeRleBitPackedHybrid(levels, builder.defined.subarray(from, to), 1)
    levels.view.setUint32(0, length, true)
    levels.appendBytes(body)
    page = levels.getBytes()
  }
  return writePage(out, page, codec, {
    type: 'DATA_PAGE',
    data_page_header: { num_values: to - from, encoding, definition_level_encoding: 'RLE', repetition_level_encoding: 'RLE' },
  })
}

/** PLAIN string values per data page, at most about this many bytes each. */
const PAGE_BYTES = 1024 * 1024

/**
 * A PLAIN string chunk as data pages of about PAGE_BYTES each (as DuckDB and parquet-mr page
 * theirs): a chunk of long unique strings would otherwise be one page of many megabytes, held
 * two or three times over while it is built and compressed.
 */
function writePlainBytesPages(out: ByteWriter, c: BytesColumn, optional: boolean, codec: Codec): number {
  const pick = valueEntries(c)
  let uncompressed = 0
  let from = 0
  let firstValue = 0
  let row = 0
  let value = 0
  do {
    let bytes = 0
    while (row < c.rows && (bytes < PAGE_BYTES || row === from)) {
      if (c.defined[row]) {
        const e = pick[value]
        bytes += 4 + c.ends[e] - c.entryStart(e)
        value += 1
      }
      row += 1
    }
    uncompressed += writeDataPage(out, plainBytes(c, pick, firstValue, value), c, from, row, value - firstValue, optional, 'PLAIN', codec)
    from = row
    firstValue = value
  } while (from < c.rows)
  return uncompressed
}

/** An RLE_DICTIONARY data page body: the bit width, then the indexes RLE/bit-packed. */
function dictionaryIndexes(indexes: Int32Array, entries: number): Uint8Array {
  const values = scratch.indexWriter()
  const bitWidth = Math.max(1, Math.ceil(Math.log2(entries)))
  values.appendUint8(bitWidth)
  writeRleBitPackedHybrid(values, indexes, bitWidth)
  return values.getBytes()
}

function plainInt32Values(values: Float64Array): Uint8Array {
  const body = scratch.values.take(values.length * 4)
  const i32 = new Int32Array(body.buffer, 0, values.length)
  for (let i = 0; i < values.length; i++) i32[i] = values[i]
  return body
}

function plainInt64Values(values: Float64Array): Uint8Array {
  const body = scratch.values.take(values.length * 8)
  const u32 = new Uint32Array(body.buffer, 0, values.length * 2)
  const i32 = new Int32Array(body.buffer, 0, values.length * 2)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    const hi = Math.floor(v / TWO_32)
    u32[2 * i] = v - hi * TWO_32
    i32[2 * i + 1] = hi
  }
  return body
}

/**
 * Dictionary of an integer chunk (int, date, bigint, timestamp, decimal), or undefined when
 * its values are mostly distinct. Low-cardinality columns (quantities, dates) shrink by
 * half or more with it, as DuckDB's dictionaries do; a prefix decides early for unique ids.
 */
function numericDictionary(values: Int32Array | Float64Array, n: number): { entries: Float64Array; indexes: Int32Array } | undefined {
  if (n === 0) return undefined
  const limit = Math.min(65536, Math.max(16, Math.floor(n * 0.4)))
  const probe = Math.min(n, 2048)
  let size = 1024
  while (size < Math.min(n, limit) * 2) size *= 2
  const mask = size - 1
  const slots = scratch.slots.take(size).fill(-1)
  const entries = scratch.numbers.take(Math.min(n, limit + 1))
  const indexes = scratch.indexes.take(n)
  let count = 0
  for (let i = 0; i < n; i++) {
    const v = values[i]
    // Zero-safe: -0 and 0 are one value to Parquet integers.
    const h = Math.imul((v | 0) ^ ((v / TWO_32) | 0), 0x9e3779b1)
    let slot = (h ^ (h >>> 16)) & mask
    for (;;) {
      const entry = slots[slot]
      if (entry === -1) {
        if (count >= limit || (i < probe && count > probe / 2 && i === probe - 1)) return undefined
        slots[slot] = count
        entries[count] = v
        indexes[i] = count++
        break
      }
      if (entries[entry] === v) {
        indexes[i] = entry
        break
      }
      slot = (slot + 1) & mask
    }
    if (i === probe - 1 && count > probe / 2) return undefined
  }
  return { entries: entries.subarray(0, count), indexes }
}

/** Writes a page header and its (compressed) body; returns the uncompressed size with header. */
function writePage(out: ByteWriter, page: Uint8Array, codec: Codec, header: Record<string, unknown>): number {
  const compressed = codec === 'snappy' ? snappyCompress(page) : codec === 'gzip' ? gzipSync(page) : page
  const before = out.offset
  writePageHeader(out, { ...header, uncompressed_page_size: page.length, compressed_page_size: compressed.length } as never)
  const headerBytes = out.offset - before
  out.appendBytes(compressed)
  return headerBytes + page.length
}

/** Chunk statistics of an integer chunk held as numbers (an INT64 one as bigints, as plainInt64 gives them). */
function integerStats(c: Int32Column | Int64Column): [unknown, unknown] {
  if (c.count === 0) return [undefined, undefined]
  const values = c.values
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < c.count; i++) {
    const v = values[i]
    if (v < min) min = v
    if (v > max) max = v
  }
  return c.kind === 'int64' ? [BigInt(min), BigInt(max)] : [min, max]
}

/** PLAIN values and statistics of a chunk that is not an int32 one (those go by integerStats). */
function plainValues(builder: Exclude<ColumnBuilder, Int32Column>, fixedWidth: number): { body: Uint8Array; min: unknown; max: unknown } {
  switch (builder.kind) {
    case 'boolean':
      return plainBooleans(builder)
    case 'int64':
      return plainInt64(builder)
    case 'double':
      return plainDoubles(builder)
    case 'bigdecimal':
      return plainBigDecimals(builder, fixedWidth)
    case 'bytes': {
      // The values go into pages of their own (writePlainBytesPages).
      const used = usedEntries(builder)
      const [min, max] = bytesMinMax(builder, used, used.length)
      return { body: new Uint8Array(0), min, max }
    }
  }
}

function plainBooleans(c: BooleanColumn) {
  const body = scratch.values.take(Math.ceil(c.count / 8)).fill(0)
  let any = 0
  let all = 1
  for (let i = 0; i < c.count; i++) {
    const v = c.values[i]
    if (v) body[i >> 3] |= 1 << (i & 7)
    any |= v
    all &= v
  }
  return { body, min: all === 1, max: any === 1 }
}

const TWO_32 = 4294967296

function plainInt64(c: Int64Column) {
  const body = scratch.values.take(c.count * 8)
  const u32 = new Uint32Array(body.buffer, 0, c.count * 2)
  const i32 = new Int32Array(body.buffer, 0, c.count * 2)
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < c.count; i++) {
    const v = c.values[i]
    const hi = Math.floor(v / TWO_32)
    u32[2 * i] = v - hi * TWO_32
    i32[2 * i + 1] = hi
    if (v < min) min = v
    if (v > max) max = v
  }
  let minValue: number | bigint = min
  let maxValue: number | bigint = max
  if (c.big) {
    const view = new DataView(body.buffer, 0, body.length)
    // The exact values were skipped above as zeros: recompute min and max over everything.
    let bigMin: bigint | undefined
    let bigMax: bigint | undefined
    for (let i = 0; i < c.count; i++) {
      const b = c.big.get(i) ?? BigInt(c.values[i])
      if (c.big.has(i)) view.setBigInt64(i * 8, b, true)
      if (bigMin === undefined || b < bigMin) bigMin = b
      if (bigMax === undefined || b > bigMax) bigMax = b
    }
    minValue = bigMin!
    maxValue = bigMax!
  }
  return { body, min: c.count ? BigInt(minValue) : undefined, max: c.count ? BigInt(maxValue) : undefined }
}

function plainDoubles(c: DoubleColumn) {
  const values = c.values.subarray(0, c.count)
  let min = Infinity
  let max = -Infinity
  let numbers = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v !== v) continue
    numbers += 1
    if (v < min) min = v
    if (v > max) max = v
  }
  // NaN never goes into statistics; zeros are widened to -0 / +0 as the format asks.
  if (min === 0) min = -0
  if (max === 0) max = 0
  const body = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  return { body, min: numbers ? min : undefined, max: numbers ? max : undefined }
}

function plainBigDecimals(c: BigDecimalColumn, width: number) {
  const body = scratch.values.take(c.count * width).fill(0)
  let min: bigint | undefined
  let max: bigint | undefined
  for (let i = 0; i < c.count; i++) {
    let v = c.values[i]
    if (min === undefined || v < min) min = v
    if (max === undefined || v > max) max = v
    for (let k = width - 1; k >= 0; k--) {
      body[i * width + k] = Number(v & 0xffn)
      v >>= 8n
    }
  }
  return { body, min, max }
}

/** PLAIN BYTE_ARRAY of values `[from, to)`: each a 4-byte length and its bytes. `pick` maps them to value indexes. */
function plainBytes(c: BytesColumn, pick: Int32Array | undefined, from: number, to: number): Uint8Array {
  let total = (to - from) * 4
  for (let k = from; k < to; k++) {
    const i = pick ? pick[k] : k
    total += c.ends[i] - (i === 0 ? 0 : c.ends[i - 1])
  }
  const body = scratch.values.take(total)
  const view = new DataView(body.buffer, 0, total)
  let at = 0
  for (let k = from; k < to; k++) {
    const i = pick ? pick[k] : k
    const s = i === 0 ? 0 : c.ends[i - 1]
    const e = c.ends[i]
    view.setUint32(at, e - s, true)
    at += 4
    body.set(c.bytes.subarray(s, e), at)
    at += e - s
  }
  return body
}

/** Unsigned byte-wise min and max (the UTF-8 order Parquet uses for strings). */
function bytesMinMax(c: BytesColumn, pick: Int32Array | undefined, n: number): [Uint8Array | undefined, Uint8Array | undefined] {
  if (n === 0) return [undefined, undefined]
  const bytes = c.bytes
  let minI = pick ? pick[0] : 0
  let maxI = minI
  for (let k = 1; k < n; k++) {
    const i = pick ? pick[k] : k
    if (compareValues(c, i, minI) < 0) minI = i
    else if (compareValues(c, i, maxI) > 0) maxI = i
  }
  const slice = (i: number) => bytes.slice(i === 0 ? 0 : c.ends[i - 1], c.ends[i])
  return [slice(minI), slice(maxI)]
}

function compareValues(c: BytesColumn, a: number, b: number): number {
  const bytes = c.bytes
  let i = a === 0 ? 0 : c.ends[a - 1]
  let j = b === 0 ? 0 : c.ends[b - 1]
  const ea = c.ends[a]
  const eb = c.ends[b]
  while (i < ea && j < eb) {
    const d = bytes[i] - bytes[j]
    if (d !== 0) return d
    i += 1
    j += 1
  }
  return ea - i - (eb - j)
}

/**
 * A string chunk is written as a dictionary while its builder kept looking values up and at
 * most DISTINCT_SHARE of them are distinct (entries unused after a dropped row included):
 * PLAIN is smaller otherwise.
 */
function isDictionary(c: BytesColumn): boolean {
  return c.count > 0 && c.dictionary && c.entries <= Math.max(16, Math.floor(c.count * DISTINCT_SHARE))
}

/** Each value's entry. */
function valueEntries(c: BytesColumn): Int32Array {
  const pick = scratch.indexes.take(c.count)
  for (let i = 0; i < c.count; i++) pick[i] = c.entryOf(i)
  return pick
}

/** The entries some value uses, in entry order (for statistics: an unused one is no value). */
function usedEntries(c: BytesColumn): Int32Array {
  const used = scratch.values.take(c.entries).fill(0)
  for (let i = 0; i < c.count; i++) used[c.entryOf(i)] = 1
  const out = scratch.entries.take(c.entries)
  let n = 0
  for (let e = 0; e < c.entries; e++) if (used[e] === 1) out[n++] = e
  return out.subarray(0, n)
}
