import { DOUBLE_EXACT_DIGITS, type ValueClass } from './infer-column-type'
import { isoDateDays, isoInstantMicros } from './temporal-bytes'

/**
 * classifyValue on bytes, for the commonest shapes of a trimmed, non-null ASCII cell: plain
 * integers of up to 15 digits, plain decimals (digits on both sides of the point), `true` and
 * `false`, ISO dates and `…Z` instants. Undefined for anything else: the caller then classifies
 * the text. Where it answers, it answers what classifyValue answers for the same text
 * (test/unit/classify-bytes.test.ts).
 */
export function classifyBytes(buf: Uint8Array, s: number, e: number): ValueClass | undefined {
  const n = e - s
  const first = buf[s]
  if (first === 45 || (first >= 48 && first <= 57)) {
    const number = plainNumber(buf, first === 45 ? s + 1 : s, e)
    if (number) return number
    if (n === 10) return isoDateDays(buf, s) !== undefined ? DATE : undefined
    if (n === 20) return isoInstantMicros(buf, s) !== undefined ? TIMESTAMP : undefined
    return undefined
  }
  if (n === 4 && (first | 32) === 116 && (buf[s + 1] | 32) === 114 && (buf[s + 2] | 32) === 117 && (buf[s + 3] | 32) === 101) return BOOLEAN
  if (n === 5 && (first | 32) === 102 && (buf[s + 1] | 32) === 97 && (buf[s + 2] | 32) === 108 && (buf[s + 3] | 32) === 115 && (buf[s + 4] | 32) === 101) return BOOLEAN
  return undefined
}

const other = (kind: ValueClass['kind']): ValueClass => ({ kind, whole: 0, scale: 0, digits: 0, small: false })
const DATE = other('date')
const TIMESTAMP = other('timestamp')
const BOOLEAN = other('boolean')

/** `0|[1-9]\d*` (at most 15 digits), optionally `.` and at least one digit, at `buf[p, e)`. */
function plainNumber(buf: Uint8Array, p: number, e: number): ValueClass | undefined {
  const intStart = p
  while (p < e && buf[p] >= 48 && buf[p] <= 57) p += 1
  const intDigits = p - intStart
  if (intDigits === 0 || (buf[intStart] === 48 && intDigits > 1)) return undefined
  if (p === e) {
    if (intDigits > DOUBLE_EXACT_DIGITS) return undefined
    let v = 0
    for (let k = intStart; k < e; k++) v = v * 10 + (buf[k] - 48)
    const negative = intStart > 0 && buf[intStart - 1] === 45
    const small = negative ? v <= 2147483648 : v <= 2147483647
    return { kind: 'bigint', whole: intDigits, scale: 0, digits: significant(buf, intStart, e, -1), small }
  }
  if (buf[p] !== 46) return undefined
  const point = p
  p += 1
  while (p < e && buf[p] >= 48 && buf[p] <= 57) p += 1
  if (p !== e || p === point + 1) return undefined
  const whole = intDigits === 1 && buf[intStart] === 48 ? 0 : intDigits
  return { kind: 'decimal', whole, scale: e - point - 1, digits: significant(buf, intStart, e, point), small: false }
}

/** Digits from the first to the last non-zero one in `buf[s, e)`, the point at `skip` left out. */
function significant(buf: Uint8Array, s: number, e: number, skip: number): number {
  let a = s
  let b = e
  while (a < b && (buf[a] === 48 || a === skip)) a += 1
  while (b > a && (buf[b - 1] === 48 || b - 1 === skip)) b -= 1
  return b - a - (skip > a && skip < b ? 1 : 0)
}
