/**
 * Date and timestamp text formats. The default formats are ISO 8601; a contract may give
 * its own pattern built from these tokens:
 *   YYYY year · YY two-digit year (1969–2068, as POSIX `%y`) · MM / M month · MMM month abbreviation (Jan) · DD / D day ·
 *   HH / H hour (24h) · mm minute · ss second · S… fraction (1–6 digits, any count of S) ·
 *   Z offset (`Z`, `+02:00`, `+0200`, `+02`); anything else is literal.
 * A text without an offset is taken as UTC.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const DAY_MICROS = 86_400_000_000

/** Parsed parts of a date or timestamp text. */
interface TemporalParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  micros: number
  offsetMinutes: number
}

/**
 * A compiled format: returns epoch days (date) or epoch microseconds (timestamp), or
 * undefined. Microseconds are a number while exact (years 1685–2254), a bigint beyond.
 */
export interface TemporalParser {
  readonly pattern: string
  /** The patterns of a list of formats tried in order; absent for one format. */
  readonly patterns?: string[]
  parseDays(text: string): number | undefined
  parseMicros(text: string): number | bigint | undefined
}

const TOKENS: [string, string][] = [
  ['YYYY', '(?<year>\\d{4})'],
  ['YY', '(?<yy>\\d{2})'],
  ['MMM', '(?<mon>[A-Za-z]{3})'],
  ['MM', '(?<month>\\d{2})'],
  ['M', '(?<month>\\d{1,2})'],
  ['DD', '(?<day>\\d{2})'],
  ['D', '(?<day>\\d{1,2})'],
  ['HH', '(?<hour>\\d{2})'],
  ['H', '(?<hour>\\d{1,2})'],
  ['mm', '(?<minute>\\d{2})'],
  ['ss', '(?<second>\\d{2})'],
  ['Z', '(?<offset>Z|[+-]\\d{2}(?::?\\d{2})?)'],
]

/**
 * Compiles a format pattern. Throws a plain Error naming the problem when the pattern
 * has no year, month and day; the contract reader turns it into ContractInvalidError.
 */
export function compileTemporalFormat(pattern: string): TemporalParser {
  let source = ''
  let i = 0
  while (i < pattern.length) {
    const fraction = /^S+/.exec(pattern.slice(i))
    if (fraction) {
      source += '(?<fraction>\\d{1,6})'
      i += fraction[0].length
      continue
    }
    const token = TOKENS.find(([t]) => pattern.startsWith(t, i))
    if (token) {
      source += token[1]
      i += token[0].length
      continue
    }
    source += pattern[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    i += 1
  }
  const regex = new RegExp(`^${source}$`)
  const groups = new Set([...source.matchAll(/\?<(\w+)>/g)].map((m) => m[1]))
  if (!(groups.has('year') || groups.has('yy')) || !(groups.has('month') || groups.has('mon')) || !groups.has('day')) {
    throw new Error(`format "${pattern}" needs a year (YYYY or YY), a month (MM, M or MMM) and a day (DD or D)`)
  }
  if (new Set(source.match(/\?<\w+>/g)).size !== (source.match(/\?<\w+>/g) ?? []).length) {
    throw new Error(`format "${pattern}" repeats a field`)
  }
  const parts = (text: string) => {
    const m = regex.exec(text)
    return m?.groups ? toParts(m.groups) : undefined
  }
  return {
    pattern,
    parseDays: (text) => {
      const p = parts(text)
      return p && p.hour === 0 && p.minute === 0 && p.second === 0 && p.micros === 0 && p.offsetMinutes === 0
        ? epochDays(p)
        : undefined
    },
    parseMicros: (text) => {
      const p = parts(text)
      return p ? epochMicros(p) : undefined
    },
  }
}

function toParts(g: Record<string, string | undefined>): TemporalParts | undefined {
  const month = g.mon !== undefined ? MONTHS.indexOf(g.mon.toLowerCase()) + 1 : Number(g.month)
  const p: TemporalParts = {
    year: g.yy !== undefined ? twoDigitYear(Number(g.yy)) : Number(g.year),
    month,
    day: Number(g.day),
    hour: Number(g.hour ?? 0),
    minute: Number(g.minute ?? 0),
    second: Number(g.second ?? 0),
    micros: g.fraction ? Number(g.fraction.padEnd(6, '0')) : 0,
    offsetMinutes: g.offset ? parseOffset(g.offset) : 0,
  }
  if (!validDate(p.year, p.month, p.day)) return undefined
  if (p.hour > 23 || p.minute > 59 || p.second > 59 || Math.abs(p.offsetMinutes) > 18 * 60) return undefined
  return p
}

/** A two-digit year as POSIX `%y` reads it: 69–99 are 1969–1999, 00–68 are 2000–2068. */
export const twoDigitYear = (yy: number): number => (yy >= 69 ? 1900 + yy : 2000 + yy)

/**
 * Several formats tried in order (a contract column's `formats`): the first that reads a
 * text gives its value.
 */
export function compileTemporalFormats(patterns: string[]): TemporalParser {
  const parsers = patterns.map(compileTemporalFormat)
  if (parsers.length === 1) return parsers[0]
  return {
    pattern: patterns.join(' or '),
    patterns,
    parseDays: (text) => {
      for (const p of parsers) {
        const v = p.parseDays(text)
        if (v !== undefined) return v
      }
      return undefined
    },
    parseMicros: (text) => {
      for (const p of parsers) {
        const v = p.parseMicros(text)
        if (v !== undefined) return v
      }
      return undefined
    },
  }
}

function parseOffset(offset: string): number {
  if (offset === 'Z') return 0
  const sign = offset[0] === '-' ? -1 : 1
  const digits = offset.slice(1).replace(':', '')
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0))
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

function epochDays(p: TemporalParts): number {
  return daysFromCivil(p.year, p.month, p.day)
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** `YYYY-MM-DD` of days since 1970-01-01 (H. Hinnant's civil_from_days). */
export function formatIsoDate(days: number): string {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

export function validDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
}

function epochMicros(p: TemporalParts): number | bigint {
  const seconds = p.hour * 3600 + p.minute * 60 + p.second - p.offsetMinutes * 60
  const micros = epochDays(p) * DAY_MICROS + seconds * 1_000_000 + p.micros
  // Exact while |micros| < 2^53 (years 1685–2254); beyond, rebuild in bigint.
  return Number.isSafeInteger(micros)
    ? micros
    : BigInt(epochDays(p)) * BigInt(DAY_MICROS) + BigInt(seconds) * 1_000_000n + BigInt(p.micros)
}

const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/

/** ISO 8601 date: `2024-05-03`. */
export const ISO_DATE: TemporalParser = {
  pattern: 'YYYY-MM-DD',
  parseDays: (text) => {
    const m = ISO_DATE_RE.exec(text)
    if (!m) return undefined
    const year = +m[1]
    const month = +m[2]
    const day = +m[3]
    return validDate(year, month, day) ? daysFromCivil(year, month, day) : undefined
  },
  parseMicros: (text) => {
    const days = ISO_DATE.parseDays(text)
    return days === undefined ? undefined : days * DAY_MICROS
  },
}

const digit = (text: string, i: number) => text.charCodeAt(i) - 48
const two = (text: string, i: number) => digit(text, i) * 10 + digit(text, i + 1)

/**
 * The common shape `YYYY-MM-DDTHH:MM:SSZ` (or a space for `T`), read without a regex or
 * allocations; anything else (fractions, offsets, short forms) goes to the general parser.
 */
function parseIsoInstantFast(text: string): number | undefined {
  if (text.length !== 20 || text.charCodeAt(19) !== 90 /* Z */) return undefined
  const sep = text.charCodeAt(10)
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (sep !== 84 && sep !== 32) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) {
    const d = digit(text, i)
    if (d < 0 || d > 9) return undefined
  }
  const year = two(text, 0) * 100 + two(text, 2)
  const month = two(text, 5)
  const day = two(text, 8)
  const hour = two(text, 11)
  const minute = two(text, 14)
  const second = two(text, 17)
  if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined
  const micros = (daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second) * 1_000_000
  return Number.isSafeInteger(micros) ? micros : undefined
}

const ISO_TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/

/**
 * ISO 8601 timestamp: `2024-05-03T21:44:25Z`, `2024-05-03 21:44:25.123456+02:00`,
 * `2024-05-03T21:44`, or a bare date (midnight UTC). At most microsecond precision: more
 * fraction digits would be lost, so such text is not a timestamp.
 */
export const ISO_TIMESTAMP: TemporalParser = {
  pattern: 'ISO 8601',
  parseDays: (text) => ISO_DATE.parseDays(text),
  parseMicros: (text) => {
    const fast = parseIsoInstantFast(text)
    if (fast !== undefined) return fast
    const m = ISO_TIMESTAMP_RE.exec(text)
    if (!m) return undefined
    const year = +m[1]
    const month = +m[2]
    const day = +m[3]
    const hour = m[4] === undefined ? 0 : +m[4]
    const minute = m[5] === undefined ? 0 : +m[5]
    const second = m[6] === undefined ? 0 : +m[6]
    const offsetMinutes = m[8] === undefined ? 0 : parseOffset(m[8])
    if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59 || Math.abs(offsetMinutes) > 18 * 60) return undefined
    const micros = m[7] === undefined ? 0 : +m[7].padEnd(6, '0')
    return epochMicros({ year, month, day, hour, minute, second, micros, offsetMinutes })
  },
}
