import { parse } from 'csv-parse'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { CsvFormatError } from '../errors'
import type { Dialect } from './dialect'

/** Why a row could not be loaded. */
export type RejectCode =
  | 'column_count'
  | 'type_mismatch'
  | 'null_violation'
  | 'encoding'
  | 'unterminated_quote'
  | 'malformed'

/** One record of the file, in order. `line` is the 1-based line where it starts. */
export type CsvEvent =
  | { kind: 'record'; fields: string[]; line: number; raw: string }
  | { kind: 'broken'; line: number; raw: string; code: RejectCode; message: string }

/** A record larger than this (in bytes) is not data but an unclosed quote swallowing the file. */
export const MAX_RECORD_CHARS = 16 * 1024 * 1024

export interface ParserOutput {
  record?: string[]
  raw: string
  error?: { code: string; message: string }
}

/** Records handed over per batch: the parser is drained synchronously, not per record. */
const BATCH = 4096

/**
 * Streams the records of UTF-8 CSV bytes with csv-parse, in batches. Quotes are read
 * leniently and losslessly: a quote inside an unquoted field (`12" pipe`) and text after a
 * closing quote (`"ab"c`) are kept verbatim, as csv-parse's `relax_quotes` does. Blank lines are
 * skipped and counted; malformed records come out as `broken` events in their place
 * instead of stopping the file, so the rows around them still load.
 */
export async function* readCsvRecords(
  bytes: AsyncIterable<Buffer>,
  dialect: Dialect,
  sourceName: string,
  counters: { blankLines: number },
  firstLine = 1,
): AsyncGenerator<CsvEvent[]> {
  const options = parserOptions(dialect)
  const parser = parse({
    ...options,
    on_skip: (error, raw) => {
      parser.push({ raw: raw ?? '', error: { code: (error as { code?: string })?.code ?? 'CSV', message: error?.message ?? '' } })
      return undefined
    },
  })
  let line = firstLine
  let fed = 0
  let consumed = 0
  // An unclosed quote makes csv-parse hold the rest of the file as one field. Checking what it
  // holds here, per chunk, is far cheaper than its per-character max_record_size.
  async function* guarded(): AsyncGenerator<Buffer> {
    for await (const chunk of bytes) {
      if (fed - consumed > MAX_RECORD_CHARS + 2 * chunk.length) {
        throw new CsvFormatError(
          `csv: a record in ${sourceName} starting at line ${line} grows past ${MAX_RECORD_CHARS} bytes: an opening quote is probably never closed`,
        )
      }
      fed += chunk.length
      yield chunk
    }
  }
  let failure: unknown
  const feeding = pipeline(Readable.from(guarded()), parser).catch((e) => (failure = e))
  try {
    for await (const outputs of readInBatches<ParserOutput>(parser, BATCH)) {
      const events: CsvEvent[] = []
      for (const out of outputs) {
        const start = line
        line += lineBreaks(out.raw)
        consumed += Buffer.byteLength(out.raw)
        if (out.error) {
          events.push(brokenEvent(out, start, line, sourceName))
        } else if (out.record!.length === 1 && out.record![0] === '' && out.raw.trim() === '') {
          counters.blankLines += 1
        } else {
          const fields = trimQuoted(out.record!, dialect)
          if (isEmptyRow(fields, out.raw)) counters.blankLines += 1
          else events.push({ kind: 'record', fields, line: start, raw: out.raw })
        }
      }
      if (events.length > 0) yield events
    }
  } catch (e) {
    throw failure instanceof CsvFormatError ? failure : e
  } finally {
    parser.destroy()
    await feeding
  }
}

/**
 * A record of delimiters only (`;;;;`, a spreadsheet's empty row): two fields or more, every one
 * empty and unquoted. It holds no value, so it is skipped and counted as a blank line, never
 * loaded as a row of nulls.
 */
export function isEmptyRow(fields: readonly string[], raw: string): boolean {
  return fields.length >= 2 && fields.every((f) => f === '') && !raw.includes('"')
}

const QUOTED_THEN_SPACES = /^"([\s\S]*)"[ \t]+$/

/**
 * With spaces around quotes (`trimSpaces`), a quoted field followed by spaces comes out of
 * csv-parse verbatim (`"onions"  `, text after a closing quote): it is unquoted here. Any
 * other text after a closing quote stays verbatim, as in every dialect.
 */
export function trimQuoted(fields: string[], dialect: Pick<Dialect, 'quote' | 'escape' | 'trimSpaces'>): string[] {
  if (!dialect.trimSpaces || dialect.quote === null) return fields
  for (let i = 0; i < fields.length; i++) {
    // csv-parse has already undone the escapes inside the quotes.
    const m = QUOTED_THEN_SPACES.exec(fields[i])
    if (m) fields[i] = m[1]
  }
  return fields
}

/** csv-parse options for a dialect: shared with the byte scanner's fallback so both read alike. */
export function parserOptions(dialect: Pick<Dialect, 'delimiter' | 'quote' | 'escape' | 'trimSpaces'>) {
  return {
    delimiter: dialect.delimiter,
    quote: dialect.quote ?? false,
    escape: dialect.escape,
    // Every kind of line break ends a record, whichever came first: files that mix them
    // (CR lines with a final LF, CRLF with later LF lines) never keep a break in a value.
    record_delimiter: ['\r\n', '\n', '\r'],
    // Spaces before a field (and so before its opening quote) are no part of it. csv-parse's
    // rtrim is not used: after its error on text behind a closing quote it drops the rest of
    // the input. Spaces after a closing quote are undone by `trimQuoted` instead.
    ltrim: dialect.trimSpaces,
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_records_with_error: true,
  }
}

/**
 * Reads an object-mode stream in batches with `read()`, so there is one await per batch
 * rather than one per object.
 */
async function* readInBatches<T>(stream: NodeJS.ReadableStream & { destroy(): void }, max: number): AsyncGenerator<T[]> {
  let wake: (() => void) | undefined
  let ended = false
  let failure: unknown
  const notify = () => {
    const resolve = wake
    wake = undefined
    resolve?.()
  }
  stream.on('readable', notify)
  stream.on('end', () => ((ended = true), notify()))
  stream.on('close', () => ((ended = true), notify()))
  stream.on('error', (e) => ((failure = e), notify()))
  for (;;) {
    if (failure) throw failure
    const batch: T[] = []
    let item: T | null
    while (batch.length < max && (item = stream.read() as T | null) !== null) batch.push(item)
    if (batch.length > 0) {
      yield batch
      continue
    }
    if (ended) {
      if (failure) throw failure
      return
    }
    await new Promise<void>((resolve) => (wake = resolve))
  }
}

/** The reject event for a record csv-parse could not read. */
export function brokenEvent(out: ParserOutput, start: number, next: number, sourceName: string): CsvEvent {
  const raw = out.raw
  const lastLine = /[\r\n]$/.test(raw) ? next - 1 : next
  switch (out.error!.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return {
        kind: 'broken', line: start, raw, code: 'unterminated_quote',
        message: `csv: quote opened at line ${start} of ${sourceName} is never closed (the record runs to line ${lastLine}, the end of the file)`,
      }
    default:
      return { kind: 'broken', line: start, raw, code: 'malformed', message: `csv: ${out.error!.message} (${sourceName})` }
  }
}

/** `\r\n`, `\n` and a lone `\r` each count as one line break. */
export function lineBreaks(text: string): number {
  let n = 0
  let i = text.indexOf('\n')
  while (i !== -1) {
    n += 1
    i = text.indexOf('\n', i + 1)
  }
  if (text.indexOf('\r') === -1) return n
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 13 && text.charCodeAt(k + 1) !== 10) n += 1
  return n
}
