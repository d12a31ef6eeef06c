/** Small helpers over async byte streams, shared by the input decoders. */

/**
 * A re-openable byte source. `open()` may be called more than once: inference restarts
 * read the file again from the start.
 */
export interface ByteSource {
  open(): AsyncIterable<Uint8Array>
  /** The object's size in bytes, when known without reading it. */
  size?: number
  /** Bytes `[start, end)` of the object, for byte-range conversion. */
  openRange?(start: number, end: number): AsyncIterable<Uint8Array>
}

/** Reads until at least `n` bytes (or the end) are buffered; `rest` replays them first. */
export async function peekBytes(
  chunks: AsyncIterable<Uint8Array>,
  n: number,
): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const iterator = chunks[Symbol.asyncIterator]()
  const buffered: Buffer[] = []
  let length = 0
  let done = false
  while (length < n) {
    const next = await iterator.next()
    if (next.done) {
      done = true
      break
    }
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength)
    buffered.push(chunk)
    length += chunk.length
  }
  const head = Buffer.concat(buffered)
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head
    if (done) return
    for (;;) {
      const next = await iterator.next()
      if (next.done) return
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength)
    }
  }
  return { head, rest: rest() }
}

/** Counts the bytes that pass through. */
export function countBytes(chunks: AsyncIterable<Uint8Array>): { stream: AsyncIterable<Uint8Array>; count: () => number } {
  let total = 0
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      total += chunk.byteLength
      yield chunk
    }
  }
  return { stream: counted(), count: () => total }
}

/**
 * Counts line breaks the way sluice numbers lines: `\r\n`, `\n` and a lone `\r` each end
 * one line. `pendingCR` carries a `\r` that ended the previous chunk.
 */
export function countLineBreaks(bytes: Uint8Array, pendingCR: boolean): { breaks: number; pendingCR: boolean } {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (!pendingCR && buffer.indexOf(13) === -1) {
    // No CR at all (the usual LF file): count LFs natively instead of byte by byte.
    let breaks = 0
    for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) breaks += 1
    return { breaks, pendingCR: false }
  }
  let breaks = 0
  let cr = pendingCR
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]
    if (b === 10) {
      breaks += 1
      cr = false
    } else {
      if (cr) breaks += 1
      cr = b === 13
    }
  }
  return { breaks, pendingCR: cr }
}
