import chardet from 'chardet'
import { findInvalidUtf8 } from './utf8-validation'
import { fixWindows1252 } from './windows-1252'

/** What the head of a file that is not valid UTF-8 says about its encoding. */
export interface EncodingGuess {
  /** The likely encoding, as a WHATWG label (`windows-1252`), or the detector's name. */
  name: string
  /** The detector's confidence, 0–100. */
  confidence: number
  /** True when the head can be decoded as `name` without doubt (checked first); see `guessEncoding`. */
  confident: boolean
  /**
   * A UTF-8 file with a few bad bytes: the head also holds valid multi-byte UTF-8, or its
   * invalid bytes are on fewer than FEW_BAD_LINES lines and less than half of its lines.
   */
  mostlyUtf8: boolean
}

/** Lines with invalid bytes that a UTF-8 head may hold and still be UTF-8 with a few bad rows. */
const FEW_BAD_LINES = 10

/** Latin encodings that WHATWG decoders read as windows-1252, its superset. */
const LATIN = new Set(['ISO-8859-1', 'windows-1252', 'ISO-8859-15'])
/** Typographic characters windows-1252 files hold outside letters. */
const PUNCTUATION = /[’‘“”–—…€£°§«»·±×÷½¼¾©®™\u00a0¿¡ºª]/u

/**
 * Guesses the encoding of a head that is not valid UTF-8, with chardet. The guess is
 * confident only for the Latin single-byte family, and only when every non-ASCII byte, read
 * as windows-1252, is a letter next to a letter (`José`, `Zürich`) or common punctuation
 * (`’`, `€`): bytes of a broken UTF-8 file rarely look like that. A head that also holds
 * valid multi-byte UTF-8 is a UTF-8 file with a few bad bytes, never re-decoded.
 */
export function guessEncoding(head: Buffer): EncodingGuess {
  const offsets = findInvalidUtf8(head)
  const badLines = new Set(offsets.map((o) => lineOf(head, o))).size
  const lines = lineOf(head, head.length)
  const multibyte = countValidMultibyte(head) > 0
  const mostlyUtf8 = (multibyte && offsets.length < countNonAscii(head)) || (badLines < FEW_BAD_LINES && 2 * badLines < lines)
  const top = chardet.analyse(head)[0]
  const name = top ? (LATIN.has(top.name) ? 'windows-1252' : top.name) : 'windows-1252'
  const confidence = top?.confidence ?? 0
  const confident = !multibyte && name === 'windows-1252' && plausibleLatin(head)
  return { name, confidence, confident, mostlyUtf8 }
}

function plausibleLatin(head: Buffer): boolean {
  const text = fixWindows1252(new TextDecoder('windows-1252').decode(head))
  const isLetter = (c: string | undefined) => c !== undefined && /\p{L}/u.test(c)
  let seen = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c.charCodeAt(0) < 0x80) continue
    seen += 1
    if (PUNCTUATION.test(c)) continue
    if (!isLetter(c) || !(isLetter(text[i - 1]) || isLetter(text[i + 1]))) return false
  }
  return seen > 0
}

/** 1-based line of a byte offset (LF and lone CR end lines). */
function lineOf(head: Buffer, offset: number): number {
  let line = 1
  for (let i = 0; i < offset; i++) if (head[i] === 10 || (head[i] === 13 && head[i + 1] !== 10)) line += 1
  return line
}

function countNonAscii(head: Buffer): number {
  let n = 0
  for (const b of head) if (b >= 0x80) n += 1
  return n
}

/** Valid 2- to 4-byte UTF-8 sequences in the head. */
function countValidMultibyte(head: Buffer): number {
  let n = 0
  for (let i = 0; i < head.length; i++) {
    const b = head[i]
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0
    if (need === 0 || i + need >= head.length + 0) continue
    let ok = true
    for (let k = 1; k <= need && ok; k++) ok = head[i + k] >= 0x80 && head[i + k] <= 0xbf
    if (ok && findInvalidUtf8(head.subarray(i, i + need + 1)).length === 0) {
      n += 1
      i += need
    }
  }
  return n
}
