import type { Dialect } from './dialect'
import { parse as parseSync } from 'csv-parse/sync'
import { isEmptyRow, parserOptions, trimQuoted } from './read-csv-records'

/** What a contract says about the dialect; each given key is taken as is. */
export interface DeclaredDialect {
  delimiter?: string
  quote?: '"' | null
  escape?: '"' | '\\'
  skipLines?: number
  /**
   * Whether records (from a would-be header on) start with a header: a preamble is skipped only
   * when the record after it is a header for sure (`header`), so that a data row never becomes
   * a header. Without it no preamble is detected.
   */
  headerEvidence?: (records: string[][]) => 'header' | 'data' | 'none'
}

/** A dialect with the sample's records in it, from the header (or first record) on. */
export interface SniffedCsv {
  dialect: Dialect
  /** Up to SAMPLE_RECORDS records of the sample, blank lines left out. */
  records: string[][]
}

const CANDIDATES = [',', ';', '\t', '|']
const SAMPLE_RECORDS = 100
/** Characters of the sample every candidate reads. */
const SCORE_CHARS = 32 * 1024
/** A preamble is at most this many records before the header. */
const MAX_PREAMBLE_RECORDS = 20

/**
 * Guesses the dialect from the first part of a file (decoded text), the way DuckDB's sniffer
 * and CleverCSV do: every candidate (delimiter × quoting × escape × spaces around quotes) reads
 * the sample, and the one whose records have the most consistent width wins (ties: a reading
 * whose quotes all close cleanly, then the plain RFC 4180 reading, then the wider table,
 * then the order `,` `;` tab `|`). Then, on the winner: a trailing delimiter on every data row,
 * and a preamble (narrower lines before the first record of the table's width).
 * `complete` says the sample is the whole file, so its last record is not cut off.
 */
export function sniffCsv(whole: string, wholeComplete: boolean, declared: DeclaredDialect = {}): SniffedCsv {
  const lineBreak = detectLineBreak(whole)
  // Each candidate reads the sample: its start is enough, and keeps sniffing cheap.
  const sample = whole.length > SCORE_CHARS ? whole.slice(0, SCORE_CHARS) : whole
  const complete = wholeComplete && sample.length === whole.length
  let best: Scored | undefined
  for (const delimiter of declared.delimiter ? [declared.delimiter] : CANDIDATES) {
    let quoted: Scored | undefined
    let unquoted: Scored | undefined
    for (const variant of variants(sample, delimiter, declared)) {
      const scored = score(sample, complete, { ...variant, delimiter, lineBreak, trailingDelimiter: false, skipLines: 0 }, declared)
      if (variant.quote === null) unquoted = scored
      else if (!quoted || plainer(scored, quoted)) quoted = scored
    }
    // No quoting only when quoting merges records: a quote closes with text after it, and
    // reading without quotes gives more records of the table's width.
    const pick = !quoted || (unquoted && !quoted.clean && unquoted.consistent > quoted.consistent) ? unquoted! : quoted
    if (!best || better(pick, best)) best = pick
  }
  const chosen = best!
  if (chosen.width >= 2 || declared.delimiter) return { dialect: chosen.dialect, records: chosen.records }
  // One column: no delimiter to read quoting or spaces around; the plain reading.
  const plain = score(sample, complete, { delimiter: ',', quote: declared.quote === null ? null : '"', escape: declared.escape ?? '"', lineBreak, trimSpaces: false, trailingDelimiter: false, skipLines: 0 }, declared)
  return { dialect: plain.dialect, records: plain.records }
}

/** The dialect alone; see `sniffCsv`. A declared delimiter is taken as given. */
export function sniffDialect(sample: string, complete: boolean, declared?: string | DeclaredDialect): Dialect {
  return sniffCsv(sample, complete, typeof declared === 'string' ? { delimiter: declared } : declared).dialect
}

type Variant = Pick<Dialect, 'quote' | 'escape' | 'trimSpaces'>

/** The quoting readings worth trying for one delimiter: only those the sample gives a reason for. */
function variants(sample: string, delimiter: string, declared: DeclaredDialect): Variant[] {
  if (declared.quote === null) return [{ quote: null, escape: '"', trimSpaces: false }]
  const escapes: Variant['escape'][] = declared.escape ? [declared.escape] : sample.includes('\\"') ? ['"', '\\'] : ['"']
  const d = delimiter === '|' ? '\\|' : delimiter === '\t' ? '\\t' : delimiter
  const spaced = new RegExp(`(^|[${d}])[ ]+"|"[ ]+([${d}]|\\r|\\n|$)`, 'm').test(sample)
  const out: Variant[] = []
  for (const escape of escapes) {
    out.push({ quote: '"', escape, trimSpaces: false })
    if (spaced) out.push({ quote: '"', escape, trimSpaces: true })
  }
  if (declared.quote === undefined && sample.includes('"')) out.push({ quote: null, escape: '"', trimSpaces: false })
  return out
}

interface Scored {
  dialect: Dialect
  /** Records (from the header on) whose width is the table's. */
  consistent: number
  width: number
  /** No quote opens a field without closing cleanly. */
  clean: boolean
  /** Quotes a strict read finds inside unquoted fields: with spaces before them, quotes read as text. */
  leaks: number
  records: string[][]
}

/**
 * How well a reading fits: records of the table's width, less the quotes it leaves inside
 * unquoted fields (a reading that splits quoted values leaves their quotes behind).
 */
const fit = (s: Scored) => s.consistent - s.leaks

/**
 * Among quoted readings of one delimiter: the better fit, then clean, then the plainer. Spaces
 * around quotes are trimmed only when that reading's quotes all close cleanly: a quote that
 * opens after `, ` and closes mid-field is text (`Label reads, "type" in pencil` in a TSV), and
 * the quotes such a reading swallows are no evidence for it.
 */
function plainer(a: Scored, b: Scored): boolean {
  if (a.clean !== b.clean && (a.dialect.trimSpaces || b.dialect.trimSpaces)) return a.clean
  if (fit(a) !== fit(b)) return fit(a) > fit(b)
  return a.clean && !b.clean
}

/** Across delimiters: a table of two columns or more, the better fit, then clean, then the wider. */
function better(a: Scored, b: Scored): boolean {
  if (a.width >= 2 !== b.width >= 2) return a.width >= 2
  if (fit(a) !== fit(b)) return fit(a) > fit(b)
  if (a.clean !== b.clean) return a.clean
  return a.width > b.width
}

/** One candidate's reading of the sample. */
function score(sample: string, complete: boolean, dialect: Dialect, declared: DeclaredDialect): Scored {
  const rows = readSample(sample, complete, dialect, SAMPLE_RECORDS)
  const nonBlank = rows.filter((r) => !r.blank)
  const width = modalWidth(nonBlank.map((r) => r.fields.length))
  const trailing = width >= 3 && trailingDelimiter(nonBlank, width, dialect)
  const tableWidth = trailing ? width - 1 : width
  const widthOf = (r: SampleRow) => (trailing && r.fields.length === width && r.emptyLast ? width - 1 : r.fields.length)
  const trimmed = (r: SampleRow) => (widthOf(r) < r.fields.length ? r.fields.slice(0, -1) : r.fields)
  let header = declared.skipLines !== undefined ? rows.findIndex((r) => r.line > declared.skipLines!) : preambleEnd(rows, tableWidth, widthOf)
  if (declared.skipLines === undefined && header > 0) {
    const table = rows.slice(header).filter((r) => !r.blank).map(trimmed)
    const evidence = declared.headerEvidence?.(table)
    // Over a table of text alone, only prose or `#` comments are a preamble, and only when no
    // value starts with a space: `name` over `Smith, John` is a one-column file, not a preamble.
    const prose = rows.slice(0, header).every((r) => r.blank || isProse(r)) && !table.some((r) => r.some((f) => f.startsWith(' ')))
    if (!(evidence === 'header' || (evidence === 'none' && prose))) header = 0
  }
  const table = rows.slice(Math.max(0, header)).filter((r) => !r.blank)
  const skipLines = declared.skipLines ?? (header > 0 ? rows[header].line - 1 : 0)
  return {
    dialect: { ...dialect, trailingDelimiter: trailing, skipLines },
    consistent: table.filter((r) => widthOf(r) === tableWidth).length,
    // The header must hold the delimiter: a one-field header is a one-column file, whatever
    // commas its values hold unquoted.
    width: table.length > 0 && widthOf(table[0]) < 2 ? 1 : tableWidth,
    ...(dialect.quote === null || !sample.includes('"') ? { clean: true, leaks: 0 } : quotesClose(sample, dialect)),
    records: table.map(trimmed),
  }
}

interface SampleRow {
  fields: string[]
  /** 1-based line the record starts on. */
  line: number
  blank: boolean
  /** The last field is empty and unquoted (the record ends with a delimiter). */
  emptyLast: boolean
}

/** Reads the sample as the engines would, leaving out a cut-off last record. */
function readSample(whole: string, wholeComplete: boolean, dialect: Dialect, limit: number): SampleRow[] {
  // csv-parse's `to` stops the output, not the parsing: the text is cut after as many line
  // breaks as records wanted, plus one, and when quoted fields held some of them (too few
  // records came out), after twice as many. Either way the records kept are the same: whole
  // records before the cut.
  let out = parseCut(whole, wholeComplete, dialect, limit, limit + 2)
  if (out.records.length < limit + 1 && !out.complete) out = parseCut(whole, wholeComplete, dialect, limit, 2 * limit + 2)
  const { records: parsed, complete } = out
  if (!complete && parsed.length > 0) parsed.pop()
  const rows: SampleRow[] = []
  let line = 1
  for (const { record, raw } of parsed.slice(0, limit)) {
    const fields = trimQuoted(record, dialect)
    rows.push({ fields, line, blank: (record.length === 1 && record[0] === '' && raw.trim() === '') || isEmptyRow(fields, raw), emptyLast: endsWithEmptyField(raw, dialect) })
    line += countLineBreaks(raw)
  }
  return rows
}

/** Parses the text up to its `breaks`-th line break, at most `limit + 1` records. */
function parseCut(whole: string, wholeComplete: boolean, dialect: Dialect, limit: number, breaks: number) {
  let cut = 0
  for (let seen = 0; cut < whole.length && seen < breaks; cut++) if (whole[cut] === '\n' || (whole[cut] === '\r' && whole[cut + 1] !== '\n')) seen += 1
  const sample = whole.slice(0, cut)
  const records = withoutStacks(() => parseSync(sample, { ...parserOptions(dialect), to: limit + 1 }) as unknown as { record: string[]; raw: string }[])
  return { records, complete: wholeComplete && cut === whole.length }
}

/**
 * Runs `read` with no stack traces captured: a wrong candidate's reading makes csv-parse build
 * an error for every record it skips, and capturing their stacks was most of the sniffer's time.
 */
function withoutStacks<T>(read: () => T): T {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return read()
  } finally {
    Error.stackTraceLimit = limit
  }
}

/** Whether a record's text ends with a delimiter (an empty, unquoted last field). */
export function endsWithEmptyField(raw: string, dialect: Pick<Dialect, 'delimiter' | 'trimSpaces'>): boolean {
  let end = raw.length
  while (end > 0 && (raw[end - 1] === '\n' || raw[end - 1] === '\r')) end -= 1
  if (dialect.trimSpaces) while (end > 0 && (raw[end - 1] === ' ' || raw[end - 1] === '\t') && dialect.delimiter !== raw[end - 1]) end -= 1
  return end > 0 && raw[end - 1] === dialect.delimiter
}

/** The most frequent width; ties go to the wider. */
function modalWidth(widths: number[]): number {
  const counts = new Map<number, number>()
  for (const w of widths) counts.set(w, (counts.get(w) ?? 0) + 1)
  let best = 0
  let bestCount = 0
  for (const [w, n] of counts) if (n > bestCount || (n === bestCount && w > best)) [best, bestCount] = [w, n]
  return best
}

/**
 * Every record of the modal width ends with an empty field, at least two of them, and the
 * first record of the table (the header) is one narrower: the delimiter ends each data row.
 */
function trailingDelimiter(rows: SampleRow[], width: number, dialect: Dialect): boolean {
  const wide = rows.filter((r) => r.fields.length === width)
  if (wide.length < 2 || !wide.every((r) => r.emptyLast)) return false
  const head = rows.find((r) => r.fields.length === width - 1 || r.fields.length === width)
  return head !== undefined && head.fields.length === width - 1 && dialect.delimiter !== undefined
}

/**
 * Index of the header record: 0, unless the first records are narrower than the table (a title,
 * an export note, `#` comments, a title padded with delimiters) and followed by a table of
 * consistent width. Then the first record of the table's width starts it, when at least two
 * more records follow (one after `#` comments) with most of them that wide.
 */
function preambleEnd(rows: SampleRow[], width: number, widthOf: (r: SampleRow) => number): number {
  if (width < 2) return 0
  // A title padded with delimiters to the table's width (`Report Q1;;;;`, from a spreadsheet)
  // is as narrow as its one filled field.
  const padded = (r: SampleRow) => width >= 3 && r.fields.filter((f) => f.trim() !== '').length <= 1
  const first = rows.findIndex((r) => !r.blank && widthOf(r) === width && !padded(r))
  if (first <= 0) return 0
  const before = rows.slice(0, first).filter((r) => !r.blank)
  if (before.length === 0) return 0
  if (before.length > MAX_PREAMBLE_RECORDS || before.some((r) => widthOf(r) > width || (widthOf(r) === width && !padded(r)))) return 0
  const after = rows.slice(first + 1).filter((r) => !r.blank)
  // `#` comments mark themselves: one record after the header is enough.
  const comments = before.every((r) => r.fields[0].startsWith('#'))
  if (after.length < (comments ? 1 : 2) || after.filter((r) => widthOf(r) === width).length < 0.8 * after.length) return 0
  return first
}

/** A line of prose or a `#` comment: one filled field, of several words or starting with `#`. */
function isProse(r: SampleRow): boolean {
  const filled = r.fields.filter((f) => f.trim() !== '')
  return filled.length === 1 && filled[0] === r.fields[0] && (/\S\s+\S/.test(filled[0]) || filled[0].startsWith('#'))
}

/**
 * A strict look at the sample's quoting (the first SAMPLE_RECORDS records): does every quote
 * that opens a field close cleanly (followed by a delimiter, a line break or the end; spaces
 * first with `trimSpaces`), and how many quotes sit inside unquoted fields. The same rules as
 * csv-parse without `relax_quotes`, in one linear pass: csv-parse's own strict mode recovers
 * from each error by rescanning, seconds on 64 KiB read with the wrong delimiter.
 */
function quotesClose(sample: string, dialect: Dialect): { clean: boolean; leaks: number } {
  const { delimiter, escape, trimSpaces } = dialect
  const n = sample.length
  let clean = true
  let leaks = 0
  let records = 0
  let i = 0
  const isBreak = (c: string) => c === '\n' || c === '\r'
  while (i < n && records < SAMPLE_RECORDS) {
    // At the start of a field.
    if (trimSpaces) while (i < n && (sample[i] === ' ' || sample[i] === '\t') && sample[i] !== delimiter) i += 1
    if (sample[i] === '"') {
      i += 1
      for (;;) {
        if (i >= n) return { clean, leaks }
        const c = sample[i]
        if (escape === '\\' && c === '\\') i += 2
        else if (c === '"' && escape === '"' && sample[i + 1] === '"') i += 2
        else if (c === '"') break
        else i += 1
      }
      i += 1
      if (trimSpaces) while (i < n && (sample[i] === ' ' || sample[i] === '\t') && sample[i] !== delimiter) i += 1
      if (i < n && sample[i] !== delimiter && !isBreak(sample[i])) {
        clean = false
        while (i < n && sample[i] !== delimiter && !isBreak(sample[i])) i += 1
      }
    } else {
      while (i < n && sample[i] !== delimiter && !isBreak(sample[i])) {
        if (sample[i] === '"') leaks += 1
        i += 1
      }
    }
    if (i >= n) break
    if (sample[i] === delimiter) {
      i += 1
      continue
    }
    i += sample[i] === '\r' && sample[i + 1] === '\n' ? 2 : 1
    records += 1
  }
  return { clean, leaks }
}

/** The first line break outside quotes. */
function detectLineBreak(sample: string): Dialect['lineBreak'] {
  let quoted = false
  for (let i = 0; i < sample.length; i++) {
    const c = sample[i]
    if (c === '"') quoted = !quoted
    else if (!quoted && c === '\n') return 'LF'
    else if (!quoted && c === '\r') return sample[i + 1] === '\n' ? 'CRLF' : i + 1 < sample.length ? 'CR' : 'LF'
  }
  return 'none'
}

/** `\r\n`, `\n` and a lone `\r` each count as one line break. */
function countLineBreaks(text: string): number {
  return text.split(/\r\n|\n|\r/).length - 1
}
