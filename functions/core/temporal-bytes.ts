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
  return validDate(year, month, day) ? daysFromCivil(year, month, day) : undefined
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
