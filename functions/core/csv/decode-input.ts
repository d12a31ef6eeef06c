import { isUtf8 } from 'node:buffer'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as zlib from 'node:zlib'
import { countBytes, countLineBreaks, peekBytes } from './byte-stream'
import { BinaryInputError, DecompressionLimitError, EncodingError } from '../errors'
import { guessEncoding } from './detect-encoding'
import { createZstdFramesDecompress } from './zstd-frames'
import { fixWindows1252 } from './windows-1252'
import { findInvalidUtf8, incompleteTail } from './utf8-validation'

/**
 * Input decoding: decompression (gzip, zstd) → encoding detection → UTF-8 bytes for the CSV parser.
 *
 * Encoding policy: UTF-8 input passes through byte for byte; invalid UTF-8 sequences are
 * never replaced silently: their line numbers are recorded so every row holding one goes to
 * rejects with error_code `encoding`, and a warning counts them. Other encodings (UTF-16
 * with a BOM, or one declared in the contract) are decoded strictly; an undecodable byte
 * fails the file with EncodingError naming the line. A file whose head is not valid UTF-8
 * (and holds no valid multi-byte UTF-8 either), without a BOM or a declared encoding, is
 * decoded as windows-1252 when `guessEncoding` is confident, with a note; otherwise it fails
 * with EncodingError naming the likely encoding and the contract line to add.
 */
export interface DecodedInput {
  compression: 'gzip' | 'zstd' | 'none'
  encoding: string
  bom: boolean
  /** UTF-8 bytes without BOM. */
  bytes: AsyncIterable<Buffer>
  /** Source bytes read so far (compressed size for gzip). */
  bytesIn(): number
  /** 1-based line numbers holding invalid UTF-8, filled as `bytes` is consumed. */
  invalidLines: Set<number>
  /** Invalid UTF-8 sequences found so far. */
  invalidSequences(): number
  /** Warnings about the decoding (a detected encoding). */
  notes: string[]
}

/** Head read to tell text from binary and to guess the encoding. */
const SNIFF_BYTES = 64 * 1024

/** Bounds on what a gzip input may expand to; see `TransformOptions.gzipLimits`. */
export interface GzipLimits {
  /** Decompressed bytes a file may reach. */
  maxBytes: number
  /** Decompressed ÷ compressed bytes, checked once `ratioAfterBytes` have come out. */
  maxRatio: number
  ratioAfterBytes: number
}

/**
 * Defaults: text rarely compresses beyond 20×, and a ratio check only after 64 MiB lets
 * small, very repetitive files through. 64 GiB is beyond what one Lambda converts in 15 minutes.
 */
export const DEFAULT_GZIP_LIMITS: GzipLimits = { maxBytes: 64 * 1024 ** 3, maxRatio: 200, ratioAfterBytes: 64 * 1024 ** 2 }
const SIGNATURES: [number[], string][] = [
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive (an .xlsx workbook?)'],
  [[0x50, 0x41, 0x52, 0x31], 'a Parquet file'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'an OLE document (an .xls workbook?)'],
  [[0x1f, 0x8b], 'gzip data compressed twice'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd data compressed twice'],
]

/** Compression formats known by their magic bytes; `decompress` is undefined for those sluice cannot read. */
const COMPRESSIONS: { name: 'gzip' | 'zstd' | 'bzip2' | 'xz'; magic: number[]; decompress?: () => NodeJS.ReadWriteStream }[] = [
  { name: 'gzip', magic: [0x1f, 0x8b], decompress: () => zlib.createGunzip() },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd], decompress: createZstdFramesDecompress },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68] },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
]

/** Decodes a raw byte stream. `declaredEncoding` comes from the contract, if any. */
export async function decodeInput(
  source: AsyncIterable<Uint8Array>,
  sourceName: string,
  declaredEncoding?: string,
  gzipLimits: GzipLimits = DEFAULT_GZIP_LIMITS,
): Promise<DecodedInput> {
  const counted = countBytes(source)
  const first = await peekBytes(counted.stream, 6)
  const format = COMPRESSIONS.find((c) => first.head.length >= c.magic.length && c.magic.every((b, i) => first.head[i] === b) && isCompressed(c.name, first.head))
  if (format && !format.decompress) {
    throw new BinaryInputError(
      `input: ${sourceName} is ${format.name}-compressed, which sluice cannot decompress; recompress it with gzip or zstd, or store it uncompressed`,
    )
  }
  const plain = format ? decompress(first.rest, format.decompress!(), format.name, sourceName, gzipLimits, counted.count) : first.rest
  const { head, rest } = await peekBytes(plain, SNIFF_BYTES)

  let encoding = 'utf-8'
  let bomLength = 0
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) bomLength = 3
  else if (head[0] === 0xff && head[1] === 0xfe) [encoding, bomLength] = ['utf-16le', 2]
  else if (head[0] === 0xfe && head[1] === 0xff) [encoding, bomLength] = ['utf-16be', 2]
  if (bomLength === 0 && declaredEncoding) encoding = normalizeLabel(declaredEncoding)
  if (!encoding.startsWith('utf-16')) assertText(head, sourceName)
  const notes: string[] = []
  if (encoding === 'utf-8' && !declaredEncoding && bomLength === 0 && !isUtf8(head.subarray(0, head.length - incompleteTail(head)))) {
    const guess = guessEncoding(head)
    if (guess.confident) {
      encoding = guess.name
      notes.push(
        `encoding: ${sourceName} is not valid UTF-8; it was read as ${guess.name} (detected). ` +
          `Declare "encoding": "${guess.name}" in the contract to make it explicit`,
      )
    } else if (!guess.mostlyUtf8) {
      throw new EncodingError(
        `encoding: ${sourceName} is not valid UTF-8 and its encoding cannot be told for sure (it looks like ${guess.name}, confidence ${guess.confidence}%); ` +
          `add "encoding": "${guess.name}" (or the right one) to the dataset's contract`,
      )
    }
  }

  const invalidLines = new Set<number>()
  let invalidCount = 0
  const body = skipBytes(rest, bomLength)
  const bytes =
    encoding === 'utf-8'
      ? validateUtf8(body, invalidLines, () => (invalidCount += 1))
      : transcode(body, encoding, sourceName)
  return {
    compression: format ? (format.name as 'gzip' | 'zstd') : 'none',
    encoding,
    bom: bomLength > 0,
    bytes,
    bytesIn: counted.count,
    invalidLines,
    invalidSequences: () => invalidCount,
    notes,
  }
}

function normalizeLabel(label: string): string {
  return new TextDecoder(label).encoding
}

function assertText(head: Buffer, sourceName: string): void {
  for (const [magic, what] of SIGNATURES) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) {
      throw new BinaryInputError(`input: ${sourceName} is not CSV text: it looks like ${what}`)
    }
  }
  const nul = head.indexOf(0)
  if (nul >= 0) {
    const utf16 = head.length > 4 && (head[1] === 0 || head[0] === 0)
    const hint = utf16 ? ' (UTF-16 without a byte order mark? declare "encoding" in the contract)' : ''
    throw new BinaryInputError(`input: ${sourceName} is not CSV text: NUL byte at offset ${nul}${hint}`)
  }
  // Valid UTF-8 is text, whatever control characters it holds; this catches other binaries.
  if (isUtf8(head.subarray(0, head.length - incompleteTail(head)))) return
  let control = 0
  for (const b of head) if (b < 9 || (b > 13 && b < 32) || b === 127) control += 1
  if (head.length > 0 && control / head.length > 0.1) {
    throw new BinaryInputError(`input: ${sourceName} is not CSV text: ${control} control bytes in its first ${head.length} bytes`)
  }
}

/** bzip2's magic is short: its block header (pi in BCD) after the level digit confirms it. */
function isCompressed(name: string, head: Buffer): boolean {
  if (name !== 'bzip2') return true
  return head[3] >= 0x31 && head[3] <= 0x39 && head.length >= 6 && head[4] === 0x31 && head[5] === 0x41
}

async function* decompress(
  chunks: AsyncIterable<Uint8Array>,
  gz: NodeJS.ReadWriteStream & { destroy?: () => void },
  format: string,
  sourceName: string,
  limits: GzipLimits,
  compressed: () => number,
): AsyncGenerator<Buffer> {
  // An error of the source (a connection reset mid-download) is the source's, not the data's:
  // it is rethrown as is, so a transient read is retried rather than called corrupt.
  let sourceError: unknown
  async function* watched(): AsyncGenerator<Uint8Array> {
    try {
      yield* chunks
    } catch (e) {
      sourceError ??= e
      throw e
    }
  }
  const feeding = pipeline(Readable.from(watched()), gz).catch(() => undefined)
  let out = 0
  try {
    for await (const chunk of gz) {
      out += (chunk as Buffer).length
      if (out > limits.maxBytes) {
        throw new DecompressionLimitError(`${format}: ${sourceName} decompresses to more than ${limits.maxBytes} bytes (the limit); split the file or raise the limit`)
      }
      if (out > limits.ratioAfterBytes && out / Math.max(1, compressed()) > limits.maxRatio) {
        throw new DecompressionLimitError(
          `${format}: ${sourceName} expands more than ${limits.maxRatio}× (${out} bytes from ${compressed()}): probably a decompression bomb`,
        )
      }
      yield chunk as Buffer
    }
  } catch (e) {
    if (e instanceof DecompressionLimitError) throw e
    if (sourceError !== undefined) throw sourceError
    throw new BinaryInputError(`${format}: ${sourceName} is corrupt or truncated (${(e as Error).message})`, { cause: e })
  } finally {
    gz.destroy?.()
    await feeding
  }
}

/** The chunks after their first `n` bytes. */
export async function* skipBytes(chunks: AsyncIterable<Buffer>, n: number): AsyncGenerator<Buffer> {
  let left = n
  for await (const chunk of chunks) {
    if (left >= chunk.length) {
      left -= chunk.length
      continue
    }
    yield left > 0 ? chunk.subarray(left) : chunk
    left = 0
  }
}

/** Passes UTF-8 bytes through, recording the lines (from 1) that hold invalid sequences. */
export async function* validateUtf8(chunks: AsyncIterable<Buffer>, invalidLines: Set<number>, onInvalid: () => void): AsyncGenerator<Buffer> {
  let line = 1
  let pendingCR = false
  let carry: Buffer | undefined
  for await (const raw of chunks) {
    const chunk = carry ? Buffer.concat([carry, raw]) : raw
    const keep = incompleteTail(chunk)
    const whole = keep > 0 ? chunk.subarray(0, chunk.length - keep) : chunk
    carry = keep > 0 ? Buffer.from(chunk.subarray(chunk.length - keep)) : undefined
    ;({ line, pendingCR } = checkChunk(whole, line, pendingCR, invalidLines, onInvalid))
    if (whole.length > 0) yield whole
  }
  if (carry) {
    checkChunk(carry, line, pendingCR, invalidLines, onInvalid)
    yield carry
  }
}

function checkChunk(
  chunk: Buffer,
  line: number,
  pendingCR: boolean,
  invalidLines: Set<number>,
  onInvalid: () => void,
): { line: number; pendingCR: boolean } {
  if (!isUtf8(chunk)) {
    let from = 0
    let at = line
    let cr = pendingCR
    for (const offset of findInvalidUtf8(chunk)) {
      const counted = countLineBreaks(chunk.subarray(from, offset), cr)
      at += counted.breaks
      cr = counted.pendingCR
      from = offset
      invalidLines.add(cr ? at + 1 : at)
      onInvalid()
    }
  }
  const counted = countLineBreaks(chunk, pendingCR)
  return { line: line + counted.breaks, pendingCR: counted.pendingCR }
}

async function* transcode(chunks: AsyncIterable<Buffer>, encoding: string, sourceName: string): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: true })
  let line = 1
  for await (const chunk of chunks) {
    let text: string
    try {
      text = decoder.decode(chunk, { stream: true })
    } catch (e) {
      const at = line + lineBreaksBefore(chunk, encoding)
      throw new EncodingError(`encoding: ${sourceName} has bytes that are not valid ${encoding} at line ${at}`, { cause: e })
    }
    line += lineBreakCount(text)
    yield Buffer.from(encoding === 'windows-1252' ? fixWindows1252(text) : text, 'utf8')
  }
  try {
    const tail = decoder.decode()
    if (tail) yield Buffer.from(tail, 'utf8')
  } catch (e) {
    throw new EncodingError(`encoding: ${sourceName} ends inside a ${encoding} character at line ${line}`, { cause: e })
  }
}

const lineBreakCount = (text: string) => text.split(/\r\n|\n|\r/).length - 1

/**
 * Line breaks before the first undecodable byte of a chunk: the longest prefix that decodes
 * is found by bisection (a prefix that fails keeps failing as it grows).
 */
function lineBreaksBefore(chunk: Buffer, encoding: string): number {
  const decodes = (n: number) => {
    try {
      new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(chunk.subarray(0, n), { stream: true })
      return true
    } catch {
      return false
    }
  }
  let good = 0
  let bad = chunk.length
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1
    if (decodes(mid)) good = mid
    else bad = mid
  }
  return lineBreakCount(new TextDecoder(encoding, { ignoreBOM: true }).decode(chunk.subarray(0, good), { stream: true }))
}
