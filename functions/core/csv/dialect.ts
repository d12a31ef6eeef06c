/** The CSV dialect of one file. */
export interface Dialect {
  delimiter: string
  /** `null`: no quoting, a `"` is an ordinary character. */
  quote: '"' | null
  /** The character that escapes a quote inside a quoted field: `"` (doubled quotes) or `\`. */
  escape: '"' | '\\'
  /** The first line break; records end at any of LF, CRLF and CR all the same. */
  lineBreak: 'LF' | 'CRLF' | 'CR' | 'none'
  /**
   * Spaces and tabs before every field, and after a closing quote, are no part of its value
   * (`a, "b, c" ,d` reads `a`, `b, c`, `d`); an unquoted field keeps spaces after it.
   */
  trimSpaces: boolean
  /** Data rows end with a delimiter the header lacks: that empty last field is no field. */
  trailingDelimiter: boolean
  /** Lines before the header (or the first record): a preamble, skipped and reported. */
  skipLines: number
}
