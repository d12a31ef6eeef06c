import type { ByteWriter } from 'hyparquet-writer'
import { writeRleBitPackedHybrid as libraryHybrid } from 'hyparquet-writer/src/encoding.js'

/**
 * The RLE/bit-packed hybrid of Parquet (dictionary indexes, definition levels), byte for byte
 * what hyparquet-writer's writeRleBitPackedHybrid writes: runs of 8 or more equal values as RLE
 * runs, everything between them bit-packed in groups of 8. The bit-packed bytes are stored
 * straight into the writer's buffer instead of one appendUint8 call each. Widths above 24 bits
 * (which a 32-bit accumulator cannot shift) go to the library. Returns the bytes written.
 */
export function writeRleBitPackedHybrid(writer: ByteWriter, values: Int32Array | Uint8Array, bitWidth: number): number {
  if (bitWidth > 24) return libraryHybrid(writer, values, bitWidth)
  const start = writer.offset
  const n = values.length
  let groups = 0
  let groupsStart = 0
  let i = 0
  while (i < n) {
    const value = values[i]
    let run = 1
    while (i + run < n && values[i + run] === value) run += 1
    if (run >= 8) {
      if (groups > 0) packGroups(writer, values, groupsStart, groups, bitWidth)
      groups = 0
      writer.appendVarInt(run << 1)
      for (let j = 0; j < (bitWidth + 7) >> 3; j++) writer.appendUint8((value >> (j << 3)) & 0xff)
      i += run
    } else {
      if (groups === 0) groupsStart = i
      groups += 1
      i += 8
    }
  }
  if (groups > 0) packGroups(writer, values, groupsStart, groups, bitWidth)
  return writer.offset - start
}

/** `groups` groups of 8 values from `from` (zeros past the end), `bitWidth` bits each, LSB first. */
function packGroups(writer: ByteWriter, values: Int32Array | Uint8Array, from: number, groups: number, bitWidth: number): void {
  writer.appendVarInt((groups << 1) | 1)
  if (bitWidth === 0) return
  const size = groups * bitWidth
  writer.ensure(size)
  const out = new Uint8Array(writer.buffer, writer.index, size)
  const mask = (1 << bitWidth) - 1
  const n = values.length
  const end = from + groups * 8
  let buffer = 0
  let bits = 0
  let o = 0
  for (let k = from; k < end; k++) {
    buffer |= (k < n ? values[k] & mask : 0) << bits
    bits += bitWidth
    while (bits >= 8) {
      out[o++] = buffer & 0xff
      buffer >>>= 8
      bits -= 8
    }
  }
  writer.index += size
  writer.offset += size
}
