import { peekBytes } from './byte-stream'
import { decodeInput, skipBytes, type DecodedInput, type GzipLimits } from './decode-input'
import { readCsvRecords, type CsvEvent } from './read-csv-records'
import type { Dialect } from './dialect'
import { sniffCsv, type DeclaredDialect } from './sniff-dialect'

/** Decoded text read to guess the dialect. */
const DIALECT_SAMPLE_BYTES = 64 * 1024

/** What a contract declares about reading the file. */
export interface DeclaredReading extends DeclaredDialect {
  encoding?: string
  gzipLimits?: GzipLimits
}

/** One read of a CSV source: how it is encoded and its records in order. */
export interface OpenedCsv {
  input: DecodedInput
  dialect: Dialect
  /** The sample's records from the header (or first record) on: for header detection. */
  sample: string[][]
  /** Bytes of the skipped preamble (after the BOM). */
  skippedBytes: number
  /** Whether the first record is a header: set by the conductor once decided. */
  header: boolean
  /** The header's line, once read (0: no header). */
  headerLine: number
  /** Warnings about how the file was read (encoding, preamble, header). */
  notes: string[]
  /** True when the source holds no bytes at all (after decompression and BOM). */
  empty: boolean
  events: AsyncGenerator<CsvEvent[]>
  counters: { blankLines: number }
}

/** Opens a CSV byte stream: compression, encoding and dialect are detected, records are streamed. */
export async function openCsv(source: AsyncIterable<Uint8Array>, sourceName: string, declared: DeclaredReading): Promise<OpenedCsv> {
  const { bytes, ...opened } = await openCsvBytes(source, sourceName, declared)
  return { ...opened, events: readCsvRecords(bytes, opened.dialect, sourceName, opened.counters, opened.dialect.skipLines + 1) }
}

/** One read of a CSV source up to its UTF-8 bytes: decoded, dialect sniffed, not yet split. */
export interface OpenedCsvBytes extends Omit<OpenedCsv, 'events'> {
  /** UTF-8 bytes without BOM, from the line after the preamble (the dialect sample is replayed). */
  bytes: AsyncIterable<Buffer>
}

/** Opens a CSV byte stream up to the bytes, for the byte scanner. */
export async function openCsvBytes(source: AsyncIterable<Uint8Array>, sourceName: string, declared: DeclaredReading): Promise<OpenedCsvBytes> {
  const input = await decodeInput(source, sourceName, declared.encoding, declared.gzipLimits)
  const { head, rest } = await peekBytes(input.bytes, DIALECT_SAMPLE_BYTES)
  const complete = head.length < DIALECT_SAMPLE_BYTES
  const { dialect, records } = sniffCsv(new TextDecoder().decode(head), complete, declared)
  const notes = [...input.notes]
  const skippedBytes = dialect.skipLines > 0 ? lineStart(head, dialect.skipLines) : 0
  if (dialect.skipLines > 0 && declared.skipLines === undefined) {
    const preamble = head.toString('utf8', 0, skippedBytes).split(/\r\n|\n|\r/)[0]
    notes.push(
      `dialect: skipped a preamble of ${dialect.skipLines} line(s) before the header (line 1: ${JSON.stringify(preamble.slice(0, 80))}); ` +
        `declare "skipLines": ${dialect.skipLines} in the contract to make it explicit`,
    )
  }
  if (dialect.quote === null && declared.quote === undefined) {
    notes.push(
      `dialect: ${sourceName} is read without quoting: read with quotes, a quote would run over line breaks and merge rows, ` +
        'so every " is kept as text; declare "quote": null in the contract to make it explicit',
    )
  }
  return {
    input,
    dialect,
    sample: records,
    skippedBytes,
    header: true,
    headerLine: 0,
    notes,
    empty: head.length === 0,
    bytes: skipBytes(rest, skippedBytes),
    counters: { blankLines: 0 },
  }
}

/**
 * Offset of line `lines + 1` in the sample: LF, CRLF and a lone CR each end a line. A preamble
 * longer than the sample is not detected, and a declared one is cut at the sample's end.
 */
function lineStart(head: Buffer, lines: number): number {
  let seen = 0
  for (let i = 0; i < head.length; i++) {
    const b = head[i]
    if (b !== 10 && b !== 13) continue
    if (b === 13 && head[i + 1] === 10) i += 1
    seen += 1
    if (seen === lines) return i + 1
  }
  return head.length
}

