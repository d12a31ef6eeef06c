import { parse as parseSync } from 'csv-parse/sync'
import { CsvFormatError } from '../errors'
import { brokenEvent, isEmptyRow, lineBreaks, MAX_RECORD_CHARS, parserOptions, trimQuoted, type CsvEvent } from './read-csv-records'
import type { Dialect } from './dialect'

/**
 * Records of one stretch of CSV bytes, as offsets: no strings are made. Field `f` of the
 * batch lies in `buf[fieldStart[f], fieldEnd[f])`, inside its quotes when `fieldQuote[f]`
 * is 1 (2: and holding doubled quotes to undo). A record the scanner does not read itself
 * (text after a closing quote, a quote inside an unquoted field, a stray line break) is read
 * by csv-parse, the reference for CSV semantics, and kept as an event in `fallback`.
 */
export class RecordBatch {
  buf: Buffer = Buffer.alloc(0)
  count = 0
  line: Float64Array
  start: Int32Array
  end: Int32Array
  firstField: Int32Array
  fieldCount: Int32Array
  fields = 0
  fieldStart: Int32Array
  fieldEnd: Int32Array
  fieldQuote: Uint8Array
  fallback = new Map<number, CsvEvent>()

  /** Sized for about as many records and fields as the previous batch held. */
  constructor(records = 256, fields = 4096) {
    this.line = new Float64Array(records)
    this.start = new Int32Array(records)
    this.end = new Int32Array(records)
    this.firstField = new Int32Array(records)
    this.fieldCount = new Int32Array(records)
    this.fieldStart = new Int32Array(fields)
    this.fieldEnd = new Int32Array(fields)
    this.fieldQuote = new Uint8Array(fields)
  }

  /** Bytes this batch owns, reused for the next chunk with the carried-over record. */
  space: Buffer | undefined

  /** Empties the batch for reuse; its arrays and space stay. */
  clear(): void {
    this.count = 0
    this.fields = 0
    this.fallback.clear()
  }

  /** Room for one more record and `width` more fields. */
  reserve(width: number): void {
    if (this.count === this.line.length) {
      this.line = growF64(this.line)
      this.start = growI32(this.start)
      this.end = growI32(this.end)
      this.firstField = growI32(this.firstField)
      this.fieldCount = growI32(this.fieldCount)
    }
    while (this.fields + width >= this.fieldStart.length) {
      this.fieldStart = growI32(this.fieldStart)
      this.fieldEnd = growI32(this.fieldEnd)
      const q = new Uint8Array(this.fieldQuote.length * 2)
      q.set(this.fieldQuote)
      this.fieldQuote = q
    }
  }

  /** The record's text as in the file, its line break included. */
  raw(r: number): string {
    return this.buf.toString('utf8', this.start[r], this.end[r])
  }

  /** Field `f` as a string, quotes undone. */
  text(f: number): string {
    const s = this.buf.toString('utf8', this.fieldStart[f], this.fieldEnd[f])
    return this.fieldQuote[f] === 2 ? s.replaceAll('""', '"') : s
  }
}

const growI32 = (a: Int32Array) => {
  const next = new Int32Array(a.length * 2)
  next.set(a)
  return next
}
const growF64 = (a: Float64Array) => {
  const next = new Float64Array(a.length * 2)
  next.set(a)
  return next
}

const QUOTE = 34
const LF = 10
const CR = 13
const BACKSLASH = 92
const isSpace = (b: number) => b === 32 || b === 9
/** Bytes handed to csv-parse first for an irregular record; doubled while the record runs on. */
const FALLBACK_WINDOW = 16 * 1024

/**
 * Splits UTF-8 CSV bytes into records, quote-aware, counting line breaks (also inside
 * quotes) so every record knows the line it starts on. Yields one batch per input chunk.
 * `firstLine` numbers the first record (1 for a whole file; a byte range passes its own).
 */
export async function* scanRecords(
  chunks: AsyncIterable<Buffer>,
  dialect: Dialect,
  sourceName: string,
  counters: { blankLines: number },
  firstLine = 1,
  tail?: RangeTail,
  pool?: RecordBatch[],
): AsyncGenerator<RecordBatch> {
  const scanner = new Scanner(dialect, sourceName, counters, firstLine)
  let carry: Buffer | undefined
  const hint = { records: 256, fields: 4096 }
  for await (const chunk of chunks) {
    // A batch the consumer is done with (given back to `pool`) is reused, with its arrays and
    // its space for joining the carried-over bytes to the chunk: a long file then allocates
    // almost nothing per chunk.
    const batch = pool?.pop() ?? new RecordBatch(hint.records, hint.fields)
    batch.clear()
    let buf = chunk
    if (carry && carry.length > 0) {
      const n = carry.length + chunk.length
      if (!batch.space || batch.space.length < n) {
        const space = Buffer.allocUnsafe(Math.max(n, 2 * chunk.length))
        carry.copy(space, 0)
        batch.space = space
      } else {
        // The carry may lie in this very space (the previous chunk's batch, reused): copy
        // handles the overlap.
        carry.copy(batch.space, 0)
      }
      chunk.copy(batch.space, carry.length)
      buf = batch.space.subarray(0, n)
    }
    const stop = scanner.scan(buf, batch, false)
    hint.records = Math.max(256, batch.count + (batch.count >> 3))
    hint.fields = Math.max(4096, batch.fields + (batch.fields >> 3) + 64)
    if (buf.length - stop > MAX_RECORD_CHARS) {
      throw new CsvFormatError(
        `csv: a record in ${sourceName} starting at line ${scanner.line} grows past ${MAX_RECORD_CHARS} bytes: an opening quote is probably never closed`,
      )
    }
    carry = stop < buf.length ? buf.subarray(stop) : undefined
    if (batch.count > 0) yield batch
  }
  if (tail?.open) {
    // A byte range that is not the file's end: bytes after its last complete record belong
    // to a record the next range cannot have started with, so they are reported, not read.
    tail.leftover = carry?.length ?? 0
  } else if (carry && carry.length > 0) {
    const batch = new RecordBatch()
    scanner.scan(carry, batch, true)
    if (batch.count > 0) yield batch
  }
  if (tail) tail.line = scanner.line
}

/** For a byte range: whether it is open-ended, and where its scan stopped. */
export interface RangeTail {
  open: boolean
  /** The line counter at the end (firstLine + line breaks read). */
  line: number
  /** Bytes after the last complete record (open ranges only). */
  leftover: number
}

class Scanner {
  private readonly delim: number
  /** The quote byte, or -1 when the file has no quoting. */
  private readonly quote: number
  /** Quoted fields escape with a backslash: any backslash in one goes to csv-parse. */
  private readonly backslash: boolean
  /** Spaces before fields are trimmed: a field starting with one goes to csv-parse. */
  private readonly trim: boolean
  private readonly options: ReturnType<typeof parserOptions>
  /** 1 for the bytes that end an unquoted field: the delimiter, LF, CR and the quote. */
  private readonly stops = new Uint8Array(256)
  /** 1 for the bytes a quoted field's loop must look at: the quote, LF, CR and backslash. */
  private readonly quotedStops = new Uint8Array(256)
  line: number

  constructor(
    private readonly dialect: Dialect,
    private readonly sourceName: string,
    private readonly counters: { blankLines: number },
    firstLine: number,
  ) {
    this.delim = dialect.delimiter.charCodeAt(0)
    this.quote = dialect.quote === null ? -1 : QUOTE
    this.backslash = dialect.quote !== null && dialect.escape === '\\'
    this.trim = dialect.trimSpaces
    this.options = parserOptions(dialect)
    this.line = firstLine
    for (const b of [this.delim, LF, CR, this.quote]) if (b >= 0) this.stops[b] = 1
    for (const b of [QUOTE, LF, CR, BACKSLASH]) this.quotedStops[b] = 1
  }

  /**
   * Reads every complete record of `buf` into `batch`; returns where the first incomplete
   * record starts (`buf.length` when none). At `eof` every byte is read.
   */
  scan(buf: Buffer, batch: RecordBatch, eof: boolean): number {
    batch.buf = buf
    const n = buf.length
    let pos = 0
    while (pos < n) {
      const next = this.record(buf, pos, batch, eof)
      if (next < 0) {
        // Irregular: csv-parse reads this record.
        const done = this.fallback(buf, pos, batch, eof)
        if (done < 0) return pos
        pos = done
      } else if (next === 0) {
        return pos
      } else {
        pos = next
      }
    }
    return pos
  }

  /**
   * Reads one record at `pos`. Returns the offset after it, 0 when the buffer ends inside it
   * (and more bytes may come), or -1 when it is irregular. LF, CRLF and a lone CR each end a
   * record, whatever the file's first line break was.
   */
  private record(buf: Buffer, pos: number, batch: RecordBatch, eof: boolean): number {
    const n = buf.length
    const delim = this.delim
    const quote = this.quote
    batch.reserve(64)
    const first = batch.fields
    let fields = first
    let breaks = 0
    let p = pos
    let fs = batch.fieldStart
    let fe = batch.fieldEnd
    let fq = batch.fieldQuote
    for (;;) {
      if (fields + 1 >= fs.length) {
        batch.reserve(fields - first + 64)
        fs = batch.fieldStart
        fe = batch.fieldEnd
        fq = batch.fieldQuote
      }
      if (p < n && buf[p] === quote) {
        // Quoted field: runs to the quote that is not doubled.
        // A byte loop, not Buffer#indexOf: quoted fields are short, and a native call per
        // field costs more than the bytes. Line breaks inside are counted on the way.
        const s = p + 1
        let q = s
        let escaped = 0
        let backslash = false
        const inner = this.quotedStops
        for (;;) {
          // Four bytes a step, to the first quote, line break or backslash (as for unquoted
          // fields below); the last few bytes of the buffer one by one.
          if (q + 4 <= n) {
            const m = inner[buf[q]] | (inner[buf[q + 1]] << 1) | (inner[buf[q + 2]] << 2) | (inner[buf[q + 3]] << 3)
            if (m === 0) {
              q += 4
              continue
            }
            q += 31 - Math.clz32(m & -m)
          } else if (q >= n) return eof ? -1 : 0
          const b = buf[q]
          if (b === QUOTE) {
            if (q + 1 < n && buf[q + 1] === QUOTE) {
              escaped = 1
              q += 2
              continue
            }
            if (q + 1 >= n && !eof) return 0
            break
          }
          if (b === LF) breaks += 1
          else if (b === CR && (q + 1 >= n || buf[q + 1] !== LF)) breaks += 1
          else if (b === BACKSLASH) backslash = true
          q += 1
        }
        if (backslash && this.backslash) return -1
        fs[fields] = s
        fe[fields] = q
        fq[fields] = 1 + escaped
        fields += 1
        p = q + 1
        if (p >= n) return this.finish(batch, pos, n, first, fields, breaks)
        const c = buf[p]
        if (c === delim) {
          p += 1
          continue
        }
        if (c === LF) return this.finish(batch, pos, p + 1, first, fields, breaks + 1)
        if (c === CR) {
          if (p + 1 >= n) return eof ? this.finish(batch, pos, n, first, fields, breaks + 1) : 0
          return this.finish(batch, pos, buf[p + 1] === LF ? p + 2 : p + 1, first, fields, breaks + 1)
        }
        return -1
      }
      // Unquoted field: up to the delimiter or the end of the record.
      const s = p
      const stops = this.stops
      // Four bytes a step: a bit for each byte that ends the field, and the lowest set bit is
      // the end, found without a loop (fewer mispredicted branches per field). The last few
      // bytes of the buffer go one by one.
      let c = 0
      for (;;) {
        if (p + 4 > n) {
          while (p < n) {
            c = buf[p]
            if (stops[c] === 1) break
            p += 1
          }
          break
        }
        const m = stops[buf[p]] | (stops[buf[p + 1]] << 1) | (stops[buf[p + 2]] << 2) | (stops[buf[p + 3]] << 3)
        if (m === 0) {
          p += 4
          continue
        }
        p += 31 - Math.clz32(m & -m)
        c = buf[p]
        break
      }
      if (this.trim && p > s && isSpace(buf[s])) return -1
      fs[fields] = s
      fe[fields] = p
      fq[fields] = 0
      fields += 1
      if (p >= n) {
        if (!eof) return 0
        return this.finish(batch, pos, n, first, fields, breaks)
      }
      if (c === delim) {
        p += 1
        continue
      }
      if (c === quote) return -1
      let next = p + 1
      if (c === CR) {
        if (p + 1 >= n && !eof) return 0
        if (p + 1 < n && buf[p + 1] === LF) next = p + 2
      }
      if (fields === first + 1 && p === pos) return this.blank(batch, next)
      return this.finish(batch, pos, next, first, fields, breaks + 1)
    }
  }

  private blank(batch: RecordBatch, next: number): number {
    // The fields reserved for it are simply not kept.
    this.counters.blankLines += 1
    this.line += 1
    return next
  }

  private finish(batch: RecordBatch, start: number, end: number, first: number, fields: number, breaks: number): number {
    if (fields - first >= 2 && this.emptyFields(batch, first, fields)) {
      // Delimiters only: skipped and counted as a blank line (see isEmptyRow).
      this.counters.blankLines += 1
      this.line += breaks
      return end
    }
    const r = batch.count++
    batch.line[r] = this.line
    batch.start[r] = start
    batch.end[r] = end
    batch.firstField[r] = first
    batch.fieldCount[r] = fields - first
    batch.fields = fields
    this.line += breaks
    return end
  }

  /** Every field from `first` to `fields` is empty and unquoted. */
  private emptyFields(batch: RecordBatch, first: number, fields: number): boolean {
    for (let f = first; f < fields; f++) if (batch.fieldEnd[f] !== batch.fieldStart[f] || batch.fieldQuote[f] !== 0) return false
    return true
  }

  /**
   * Reads the record at `pos` with csv-parse, as the reference reader would. Returns the
   * offset after it, or -1 when more bytes are needed.
   */
  private fallback(buf: Buffer, pos: number, batch: RecordBatch, eof: boolean): number {
    for (let window = FALLBACK_WINDOW; ; window *= 4) {
      const end = Math.min(buf.length, pos + window)
      const whole = end === buf.length
      // Latin-1 maps each byte to one character: csv-parse sees the same quotes, delimiters
      // and line breaks (all ASCII), and lengths stay byte counts, whatever the UTF-8 holds.
      const text = buf.toString('latin1', pos, end)
      let skipped: { code: string; message: string; raw: string } | undefined
      const out = parseSync(text, {
        ...this.options,
        to: 1,
        on_skip: (error, raw) => {
          skipped ??= { code: (error as { code?: string })?.code ?? 'CSV', message: error?.message ?? '', raw: raw ?? '' }
          return undefined
        },
      }) as unknown as { record: string[]; raw: string }[]
      const first = out[0]
      // With `to: 1` parsing stops after the first record, so a skipped record came first
      // only when no record came out.
      const latin = first ? first.raw : skipped?.raw ?? ''
      if (latin.length === 0) {
        if (whole) return eof ? buf.length : -1
        continue
      }
      // csv-parse leaves the LF of a CRLF record delimiter out of `raw`: it is consumed here.
      const endsCR = latin.endsWith('\r')
      const lf = endsCR && text.charCodeAt(latin.length) === LF ? 1 : 0
      // A record ending in CR at the window's end may yet be a CRLF: read on.
      const ends = latin.endsWith('\n') || (endsCR && latin.length < text.length)
      const complete = (whole && eof) || (first !== undefined && (lf === 1 || ends))
      if (!complete) {
        if (whole) return -1
        continue
      }
      const bytes = latin.length + lf
      const raw = utf8(latin)
      const start = this.line
      this.line += lineBreaks(raw)
      if (first) {
        const record = first.record.map(utf8)
        const fields = trimQuoted(record, this.dialect)
        if ((record.length === 1 && record[0] === '' && raw.trim() === '') || isEmptyRow(fields, raw)) {
          this.counters.blankLines += 1
          return pos + bytes
        }
        this.push(batch, pos, pos + bytes, start, { kind: 'record', fields, line: start, raw })
      } else {
        this.push(batch, pos, pos + bytes, start, brokenEvent({ raw, error: skipped! }, start, this.line, this.sourceName))
      }
      return pos + bytes
    }
  }

  private push(batch: RecordBatch, start: number, end: number, line: number, event: CsvEvent): void {
    batch.reserve(0)
    const r = batch.count++
    batch.line[r] = line
    batch.start[r] = start
    batch.end[r] = end
    batch.firstField[r] = batch.fields
    batch.fieldCount[r] = event.kind === 'record' ? event.fields.length : 0
    batch.fallback.set(r, event)
  }
}

/** Latin-1 text (one character per byte) back to the UTF-8 it holds. */
const utf8 = (latin: string) => Buffer.from(latin, 'latin1').toString('utf8')
