/**
 * How numbers are written in a file: the decimal separator and an optional thousands
 * separator (`1.234,56` in much of Europe). Values are read exactly: a number in the format
 * becomes the canonical text `1234.56`, which the usual number rules then read. A text that
 * uses a separator the format does not allow, or groups digits other than by three, is not a
 * number in it: never a guess.
 */
export interface NumberFormat {
  decimalSeparator: '.' | ','
  thousandsSeparator?: '.' | ',' | ' ' | "'"
}

export const DECIMAL_SEPARATORS = ['.', ',']
export const THOUSANDS_SEPARATORS = ['.', ',', ' ', "'"]

/**
 * The number format that the contract keys `decimalSeparator` and `thousandsSeparator` of `c`
 * (a contract, or one of its columns at `path`) declare over `base` (the contract's, for a
 * column); `base` when neither key is there. Problems go to `fail` with their JSON path.
 */
export function parseNumberFormat(c: Record<string, unknown>, path: string, fail: (path: string, msg: string) => void, base: NumberFormat | undefined): NumberFormat | undefined {
  const decimal = c.decimalSeparator
  const thousands = c.thousandsSeparator
  if (decimal === undefined && thousands === undefined) return base
  const at = (key: string) => (path ? `${path}.${key}` : key)
  if (decimal !== undefined && !DECIMAL_SEPARATORS.includes(decimal as string)) fail(at('decimalSeparator'), 'must be "." or ","')
  if (thousands !== undefined && thousands !== null && !THOUSANDS_SEPARATORS.includes(thousands as string)) {
    fail(at('thousandsSeparator'), `must be one of ${THOUSANDS_SEPARATORS.map((t) => JSON.stringify(t)).join(', ')}, or null (none)`)
  }
  const format: NumberFormat = { decimalSeparator: (decimal ?? base?.decimalSeparator ?? '.') as NumberFormat['decimalSeparator'] }
  const group = thousands === undefined ? (decimal === undefined ? base?.thousandsSeparator : undefined) : thousands
  if (group !== undefined && group !== null) format.thousandsSeparator = group as NumberFormat['thousandsSeparator']
  if (format.thousandsSeparator === format.decimalSeparator) fail(at('thousandsSeparator'), `must differ from the decimal separator ${JSON.stringify(format.decimalSeparator)}`)
  return format
}

/** `1.234,56`: the format inferred for a `;` file whose decimals all have a `,` part. */
export const EUROPEAN: NumberFormat = { decimalSeparator: ',', thousandsSeparator: '.' }

/** The format reads numbers as the plain rules do (a `.` point, no grouping). */
export const isPlainFormat = (f: NumberFormat | undefined): boolean => !f || (f.decimalSeparator === '.' && !f.thousandsSeparator)

/** A description for messages: `decimal separator "," and thousands separator "."`. */
export function describeNumberFormat(f: NumberFormat): string {
  return `decimal separator ${JSON.stringify(f.decimalSeparator)} and ${f.thousandsSeparator ? `thousands separator ${JSON.stringify(f.thousandsSeparator)}` : 'no thousands separator'}`
}

const isDigit = (c: number) => c >= 48 && c <= 57

/**
 * The canonical text (`-1234.56`, `1.5e3`) of a trimmed number written in format `f`, or
 * undefined when the text holds a separator `f` does not allow where it stands. A text that
 * is no number at all in any format (`abc`, `NaN`, a date) is returned unchanged, for the
 * usual rules to classify. Leading zeros and signs are kept: they decide as in plain text.
 */
export function canonicalNumber(text: string, f: NumberFormat): string | undefined {
  const n = text.length
  let p = 0
  const c0 = text.charCodeAt(0)
  if (c0 === 43 || c0 === 45) p = 1
  const cp = text.charCodeAt(p)
  if (p >= n || !(isDigit(cp) || cp === 46 || cp === 44)) return text
  const fail = () => (looksNumeric(text) ? undefined : text)
  const sep = f.decimalSeparator
  const group = f.thousandsSeparator
  let out = text.slice(0, p)
  let groupDigits = -1 // digits since the last thousands separator; -1 before any
  let intDigits = 0
  let k = p
  for (; k < n; k++) {
    const ch = text[k]
    if (isDigit(text.charCodeAt(k))) {
      out += ch
      intDigits += 1
      if (groupDigits >= 0) groupDigits += 1
      continue
    }
    if (ch === group) {
      // A group follows 1–3 leading digits, then exactly 3 between separators.
      if (intDigits === 0 || (groupDigits < 0 ? intDigits > 3 : groupDigits !== 3)) return fail()
      groupDigits = 0
      continue
    }
    break
  }
  if (groupDigits >= 0 && groupDigits !== 3) return fail()
  if (k < n && text[k] === sep) {
    out += '.'
    k += 1
    while (k < n && isDigit(text.charCodeAt(k))) out += text[k++]
  }
  if (k < n && (text[k] === 'e' || text[k] === 'E') && /^[eE][+-]?\d+$/.test(text.slice(k))) return out + text.slice(k)
  return k === n ? out : fail()
}

/** Digits and separators only (an exponent allowed): a number in some other format, not free text. */
const looksNumeric = (text: string): boolean => /^[+-]?[\d.,' ]*\d[\d.,' ]*(?:[eE][+-]?\d+)?$/.test(text)

/**
 * Counts, over a file's inferred cells, the evidence that decides whether it is read in the
 * European format: decimals with a `,` part (`12,5`, `1.234,56`), and numbers a `.` makes
 * plain decimals (`12.5`) or leaves ambiguous (`1.234`: a thousand, or one and a bit).
 */
export class NumberFormatVote {
  private commaDecimals = 0
  private grouped = 0
  private pointDecimals = 0
  private pointGroups = 0

  add(text: string): void {
    const c = text.charCodeAt(0)
    if (!(isDigit(c) || c === 45 || c === 46 || c === 44)) return
    const comma = text.includes(',')
    const point = text.includes('.')
    if (!comma && !point) return
    const european = canonicalNumber(text, EUROPEAN)
    const read = european !== undefined && european !== text
    if (comma) {
      if (!read) return
      this.commaDecimals += 1
      if (point) this.grouped += 1
    } else if (read) this.pointGroups += 1
    else if (PLAIN_NUMBER.test(text)) this.pointDecimals += 1
  }

  /**
   * The European format when every number with a decimal part has a `,` one (at least one
   * does) and no `.` could be a decimal point; `.` is its thousands separator only when a
   * value showed both (`1.234,56`). Undefined: the plain rules.
   */
  get format(): NumberFormat | undefined {
    if (this.commaDecimals === 0 || this.pointDecimals > 0) return undefined
    if (this.pointGroups > 0 && this.grouped === 0) return undefined
    return this.grouped > 0 ? EUROPEAN : { decimalSeparator: ',' }
  }
}

/** A number with a `.` point, as the plain rules read one. */
const PLAIN_NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
