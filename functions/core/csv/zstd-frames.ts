import { Duplex, Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as zlib from 'node:zlib'

/**
 * zstd decompression that reads every frame of the input and fails on a truncated one.
 *
 * A zstd file is one or more frames (RFC 8878 §3.1): `cat a.zst b.zst` is a valid file, and
 * `zstd -d` reads both. Node 22's decoder stops after the first frame and drops the rest without
 * an error (nodejs/node#64741), and takes a frame cut short for a whole one (nodejs/node#64592).
 * So the frames are found here from their headers and each is decoded by a decoder of its own,
 * and input that ends inside a frame is an error.
 */
export function createZstdFramesDecompress(): Duplex {
  return Duplex.from(decodeZstdFrames)
}

const ZSTD_MAGIC = 0xfd2fb528
/** Skippable frames carry application data to be ignored: magic 0x184D2A50 to 0x184D2A5F. */
const SKIPPABLE_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50

/** The decompressed bytes of every zstd frame of `source`, in order. */
export async function* decodeZstdFrames(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const input = source[Symbol.asyncIterator]()
  let rest: Buffer | undefined
  const next = async (): Promise<Buffer | undefined> => {
    if (rest) {
      const bytes = rest
      rest = undefined
      return bytes
    }
    const read = await input.next()
    return read.done ? undefined : Buffer.from(read.value.buffer, read.value.byteOffset, read.value.byteLength)
  }
  for (;;) {
    const first = await next()
    if (first === undefined) return
    if (first.length === 0) continue
    rest = first
    const frame = new FrameScanner()
    async function* frameBytes(): AsyncGenerator<Buffer> {
      for (;;) {
        const chunk = await next()
        if (chunk === undefined) throw new Error(`input ends inside ${frame.describe()}`)
        const used = frame.scan(chunk)
        if (used < chunk.length) rest = chunk.subarray(used)
        if (!frame.skippable && used > 0) yield chunk.subarray(0, used)
        if (frame.done) return
      }
    }
    const decoder = zlib.createZstdDecompress()
    const feeding = pipeline(Readable.from(frameBytes()), decoder).then(
      () => undefined,
      (e: unknown) => e,
    )
    for await (const out of decoder) yield out as Buffer
    const failed = await feeding
    if (failed !== undefined) throw failed
  }
}

/**
 * Follows one frame through its bytes, chunk by chunk, from its sizes alone: the magic, the
 * frame header, block headers with their sizes up to the last block, then the optional
 * checksum; or a skippable frame's size and data (RFC 8878 §3.1). It does not decode.
 */
class FrameScanner {
  done = false
  skippable = false
  private phase: 'magic' | 'descriptor' | 'frame-header' | 'skippable-size' | 'block-header' | 'checksum' | 'body' = 'magic'
  /** The bytes of a field not complete yet (magic, descriptor, header, size, block header, checksum). */
  private field: number[] = []
  private fieldSize = 4
  /** Bytes left of what is passed over whole: a block's content or a skippable frame's data. */
  private left = 0
  private lastBlock = false
  private checksum = false
  private blocks = 0

  /** How many bytes at the start of `chunk` belong to this frame (all of them if it goes on). */
  scan(chunk: Buffer): number {
    let at = 0
    while (!this.done && at < chunk.length) {
      if (this.phase === 'body') {
        const take = Math.min(this.left, chunk.length - at)
        at += take
        this.left -= take
        if (this.left === 0) this.endBody()
      } else {
        while (this.field.length < this.fieldSize && at < chunk.length) this.field.push(chunk[at++]!)
        if (this.field.length === this.fieldSize) this.endField()
      }
    }
    return at
  }

  describe(): string {
    return this.skippable ? 'a skippable frame' : `a frame, after ${this.blocks} complete block(s)`
  }

  private expect(phase: FrameScanner['phase'], size: number): void {
    this.phase = phase
    this.fieldSize = size
    this.field = []
  }

  private pass(bytes: number): void {
    this.phase = 'body'
    this.left = bytes
    if (bytes === 0) this.endBody()
  }

  private endField(): void {
    const f = this.field
    const u32 = () => (f[0]! | (f[1]! << 8) | (f[2]! << 16) | (f[3]! << 24)) >>> 0
    switch (this.phase) {
      case 'magic': {
        const magic = u32()
        if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
          this.skippable = true
          return this.expect('skippable-size', 4)
        }
        if (magic !== ZSTD_MAGIC) throw new Error(`no zstd frame starts here (magic 0x${magic.toString(16).padStart(8, '0')})`)
        return this.expect('descriptor', 1)
      }
      case 'descriptor': {
        // Frame_Header_Descriptor gives the sizes of the header fields after it (§3.1.1.1.1):
        // Window_Descriptor, Dictionary_ID, Frame_Content_Size.
        const descriptor = f[0]!
        const singleSegment = (descriptor >> 5) & 1
        this.checksum = ((descriptor >> 2) & 1) === 1
        const rest = (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]! + [singleSegment, 2, 4, 8][descriptor >> 6]!
        return rest > 0 ? this.expect('frame-header', rest) : this.expect('block-header', 3)
      }
      case 'frame-header':
        return this.expect('block-header', 3)
      case 'checksum':
        this.done = true
        return
      case 'skippable-size':
        return this.pass(u32())
      case 'block-header': {
        // Block_Header: Last_Block (bit 0), Block_Type (bits 1-2), Block_Size (bits 3-23) (§3.1.1.2).
        // An RLE block's content is one byte; raw and compressed blocks hold Block_Size bytes.
        const header = f[0]! | (f[1]! << 8) | (f[2]! << 16)
        const type = (header >> 1) & 3
        if (type === 3) throw new Error(`block ${this.blocks + 1} has the reserved block type`)
        this.lastBlock = (header & 1) === 1
        return this.pass(type === 1 ? 1 : header >>> 3)
      }
    }
  }

  private endBody(): void {
    if (this.skippable) {
      this.done = true
      return
    }
    this.blocks += 1
    if (!this.lastBlock) this.expect('block-header', 3)
    else if (this.checksum) this.expect('checksum', 4)
    else this.done = true
  }
}
