import { peekBytes } from './byte-stream'
import { decodeInput, type DecodedInput, type GzipLimits } from './decode-input'
import { readCsvRecords, type CsvEvent } from './read-csv-records'
import { sniffDialect, type Dialect } from './sniff-dialect'

/** Decoded text read to guess the dialect. */
const DIALECT_SAMPLE_BYTES = 64 * 1024

/** One read of a CSV source: how it is encoded and its records in order. */
export interface OpenedCsv {
  input: DecodedInput
  dialect: Dialect
  /** True when the source holds no bytes at all (after decompression and BOM). */
  empty: boolean
  events: AsyncGenerator<CsvEvent[]>
  counters: { blankLines: number }
}

/** Opens a CSV byte stream: gzip, encoding and dialect are detected, records are streamed. */
export async function openCsv(
  source: AsyncIterable<Uint8Array>,
  sourceName: string,
  declared: { encoding?: string; delimiter?: string; gzipLimits?: GzipLimits },
): Promise<OpenedCsv> {
  const { bytes, ...opened } = await openCsvBytes(source, sourceName, declared)
  return { ...opened, events: readCsvRecords(bytes, opened.dialect, sourceName, opened.counters) }
}

/** One read of a CSV source up to its UTF-8 bytes: decoded, dialect sniffed, not yet split. */
export interface OpenedCsvBytes extends Omit<OpenedCsv, 'events'> {
  /** UTF-8 bytes without BOM, from the start (the dialect sample is replayed). */
  bytes: AsyncIterable<Buffer>
}

/** Opens a CSV byte stream up to the bytes, for the byte scanner. */
export async function openCsvBytes(
  source: AsyncIterable<Uint8Array>,
  sourceName: string,
  declared: { encoding?: string; delimiter?: string; gzipLimits?: GzipLimits },
): Promise<OpenedCsvBytes> {
  const input = await decodeInput(source, sourceName, declared.encoding, declared.gzipLimits)
  const { head, rest } = await peekBytes(input.bytes, DIALECT_SAMPLE_BYTES)
  const complete = head.length < DIALECT_SAMPLE_BYTES
  const dialect = sniffDialect(new TextDecoder().decode(head), complete, declared.delimiter)
  return { input, dialect, empty: head.length === 0, bytes: rest, counters: { blankLines: 0 } }
}
