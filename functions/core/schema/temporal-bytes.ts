import { daysFromCivil, validDate } from './temporal-format'

/**
 * Byte fast paths for the two commonest ISO shapes, with the results of ISO_DATE.parseDays
 * and ISO_TIMESTAMP.parseMicros on the same text (the shapes they read without a regex).
 */

const two = (buf: Uint8Array, i: number) => {
  const a = buf[i] - 48
  const b = buf[i + 1] - 48
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1
}

/** `YYYY-MM-DD` at `buf[s, s+10)`: epoch days, or undefined. */
export function isoDateDays(buf: Uint8Array, s: number): number | undefined {
  if (buf[s + 4] !== 45 || buf[s + 7] !== 45) return undefined
  const hi = two(buf, s)
  const lo = two(buf, s + 2)
  const month = two(buf, s + 5)
  const day = two(buf, s + 8)
  if (hi < 0 || lo < 0 || month < 0 || day < 0) return undefined
  const year = hi * 100 + lo
  if (year >= TABLE_FIRST_YEAR && year < TABLE_FIRST_YEAR + TABLE_YEARS && month >= 1 && month <= 12) {
    const k = (year - TABLE_FIRST_YEAR) * 12 + month - 1
    return day >= 1 && day <= MONTH_DAYS[k] ? MONTH_START[k] + day - 1 : undefined
  }
  return validDate(year, month, day) ? daysFromCivil(year, month, day) : undefined
}

/**
 * Each month's first day (epoch days) and length, 1900 to 2155: a date in them is a lookup
 * and an addition instead of daysFromCivil's divisions. Others are computed.
 */
const TABLE_FIRST_YEAR = 1900
const TABLE_YEARS = 256
const MONTH_START = new Int32Array(TABLE_YEARS * 12)
const MONTH_DAYS = new Uint8Array(TABLE_YEARS * 12)
for (let y = 0; y < TABLE_YEARS; y++) {
  for (let m = 1; m <= 12; m++) {
    const year = TABLE_FIRST_YEAR + y
    MONTH_START[y * 12 + m - 1] = daysFromCivil(year, m, 1)
    let days = 28
    while (days < 31 && validDate(year, m, days + 1)) days += 1
    MONTH_DAYS[y * 12 + m - 1] = days
  }
}

/** `YYYY-MM-DDTHH:MM:SSZ` (or a space for `T`) at `buf[s, s+20)`: epoch µs, or undefined. */
export function isoInstantMicros(buf: Uint8Array, s: number): number | undefined {
  if (buf[s + 19] !== 90) return undefined
  const sep = buf[s + 10]
  if ((sep !== 84 && sep !== 32) || buf[s + 13] !== 58 || buf[s + 16] !== 58) return undefined
  const days = isoDateDays(buf, s)
  if (days === undefined) return undefined
  const hour = two(buf, s + 11)
  const minute = two(buf, s + 14)
  const second = two(buf, s + 17)
  if (hour < 0 || minute < 0 || second < 0 || hour > 23 || minute > 59 || second > 59) return undefined
  const micros = (days * 86400 + hour * 3600 + minute * 60 + second) * 1_000_000
  return Number.isSafeInteger(micros) ? micros : undefined
}

/**
 * The other ISO_TIMESTAMP shapes with a time: `YYYY-MM-DD[T ]HH:MM[:SS[(.|,)f{1,6}]]` and an
 * optional `Z`, `±HH`, `±HHMM` or `±HH:MM`, as epoch µs (while exact), else undefined (the
 * caller then asks ISO_TIMESTAMP on the text, which also reads bare dates and spaces).
 */
export function isoTimestampMicros(buf: Uint8Array, s: number, e: number): number | undefined {
  if (e - s < 16) return undefined
  const sep = buf[s + 10]
  if ((sep !== 84 && sep !== 32) || buf[s + 13] !== 58) return undefined
  const days = isoDateDays(buf, s)
  if (days === undefined) return undefined
  const hour = two(buf, s + 11)
  const minute = two(buf, s + 14)
  if (hour < 0 || minute < 0) return undefined
  let p = s + 16
  let second = 0
  let micros = 0
  if (p < e && buf[p] === 58) {
    second = two(buf, p + 1)
    if (second < 0 || p + 3 > e) return undefined
    p += 3
    if (p < e && (buf[p] === 46 || buf[p] === 44)) {
      p += 1
      let digits = 0
      while (p < e && buf[p] >= 48 && buf[p] <= 57) {
        if (++digits > 6) return undefined
        micros = micros * 10 + (buf[p++] - 48)
      }
      if (digits === 0) return undefined
      for (let k = digits; k < 6; k++) micros *= 10
    }
  }
  let offset = 0
  if (p < e) {
    const c = buf[p]
    if (c === 90) {
      p += 1
    } else if (c === 43 || c === 45) {
      const hh = two(buf, p + 1)
      if (hh < 0 || p + 3 > e) return undefined
      p += 3
      let mm = 0
      if (p < e) {
        if (buf[p] === 58) p += 1
        mm = two(buf, p)
        if (mm < 0 || p + 2 > e) return undefined
        p += 2
      }
      offset = (c === 45 ? -1 : 1) * (hh * 60 + mm)
    } else return undefined
  }
  if (p !== e || hour > 23 || minute > 59 || second > 59 || Math.abs(offset) > 18 * 60) return undefined
  const v = days * 86_400_000_000 + (hour * 3600 + minute * 60 + second - offset * 60) * 1_000_000 + micros
  return Number.isSafeInteger(v) ? v : undefined
}
