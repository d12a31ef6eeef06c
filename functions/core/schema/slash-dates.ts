import { ISO_DATE, ISO_TIMESTAMP, daysFromCivil, validDate, twoDigitYear, type TemporalParser } from './temporal-format'

/**
 * Dates written with slashes, as spreadsheets and US exports do: `1/22/2020`, `3/8/20 5:19`,
 * `22/01/2020 17:00:05`. The year is last (4 digits, or 2 read as 1969–2068, as POSIX `%y`);
 * a time `H:mm[:ss[.f]]` may follow. Which of the first two numbers is the month is not in
 * the text: a value alone tells it only when one of them is above 12 (`1/22/2020` is month
 * first, `22/1/2020` day first). Inference decides it for a whole column (infer-column-type.ts).
 * Dates written with dots and a 4-digit year (`31.01.2024`, as German and other European
 * exports write them) are day first wherever they are written, so each one tells the order.
 */

/** The order of a column's slash dates: month first (US) or day first. */
export type DateOrder = 'md' | 'dm'

/** What one value says about the order: one of them, or either (`3/8/20`). */
export type OrderEvidence = DateOrder | 'either'

const SLASH_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/
const DOT_RE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?$/

interface SlashParts {
  a: number
  b: number
  year: number
  hasTime: boolean
  seconds: number
  micros: number
  /** Written with dots: day first, whatever the column's order. */
  dayFirst: boolean
}

function slashParts(text: string): SlashParts | undefined {
  const c = text.charCodeAt(1) === 47 || text.charCodeAt(2) === 47 ? 47 : text.charCodeAt(1) === 46 || text.charCodeAt(2) === 46 ? 46 : 0
  if (c === 0) return undefined
  const m = (c === 47 ? SLASH_RE : DOT_RE).exec(text)
  if (!m) return undefined
  const hour = m[4] === undefined ? 0 : +m[4]
  const minute = m[5] === undefined ? 0 : +m[5]
  const second = m[6] === undefined ? 0 : +m[6]
  if (hour > 23 || minute > 59 || second > 59) return undefined
  const year = m[3].length === 2 ? twoDigitYear(+m[3]) : +m[3]
  return { a: +m[1], b: +m[2], year, hasTime: m[4] !== undefined, seconds: hour * 3600 + minute * 60 + second, micros: m[7] === undefined ? 0 : +m[7].padEnd(6, '0'), dayFirst: c === 46 }
}

/** A slash date's kind and what it says about the order; undefined when it is none. */
export function classifySlashDate(text: string): { kind: 'date' | 'timestamp'; order: OrderEvidence } | undefined {
  const p = slashParts(text)
  if (!p) return undefined
  const md = !p.dayFirst && validDate(p.year, p.a, p.b)
  const dm = validDate(p.year, p.b, p.a)
  if (!md && !dm) return undefined
  return { kind: p.hasTime ? 'timestamp' : 'date', order: md && dm ? 'either' : md ? 'md' : 'dm' }
}

const DAY_MICROS = 86_400_000_000

function slashDays(p: SlashParts, order: DateOrder): number | undefined {
  const [month, day] = order === 'md' && !p.dayFirst ? [p.a, p.b] : [p.b, p.a]
  return validDate(p.year, month, day) ? daysFromCivil(p.year, month, day) : undefined
}

/**
 * The parser of an inferred date or timestamp column whose slash dates are in `order`: ISO
 * 8601 first, then slash dates. A date column takes slash dates without a time.
 */
export function slashDateParser(order: DateOrder): TemporalParser {
  return {
    pattern: order === 'md' ? 'ISO 8601 or M/D/YYYY [H:mm[:ss]]' : 'ISO 8601, D/M/YYYY or D.M.YYYY [H:mm[:ss]]',
    parseDays: (text) => {
      const iso = ISO_DATE.parseDays(text)
      if (iso !== undefined) return iso
      const p = slashParts(text)
      return p && !p.hasTime ? slashDays(p, order) : undefined
    },
    parseMicros: (text) => {
      const iso = ISO_TIMESTAMP.parseMicros(text)
      if (iso !== undefined) return iso
      const p = slashParts(text)
      const days = p && slashDays(p, order)
      if (!p || days === undefined) return undefined
      const micros = days * DAY_MICROS + p.seconds * 1_000_000 + p.micros
      return Number.isSafeInteger(micros) ? micros : BigInt(days) * BigInt(DAY_MICROS) + BigInt(p.seconds) * 1_000_000n + BigInt(p.micros)
    },
  }
}
