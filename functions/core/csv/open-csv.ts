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
  const input = await decodeInput(source, sourceName, declared.encoding, declared.gzipLimits)
  const { head, rest } = await peekBytes(input.bytes, DIALECT_SAMPLE_BYTES)
  const complete = head.length < DIALECT_SAMPLE_BYTES
  const dialect = sniffDialect(new TextDecoder().decode(head), complete, declared.delimiter)
  const counters = { blankLines: 0 }
  return {
    input,
    dialect,
    empty: head.length === 0,
    events: readCsvRecords(rest, dialect, sourceName, counters),
    counters,
  }
}
