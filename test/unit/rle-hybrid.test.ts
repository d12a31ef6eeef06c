import { ByteWriter } from 'hyparquet-writer'
import { writeRleBitPackedHybrid as library } from 'hyparquet-writer/src/encoding.js'
import { describe, expect, it } from 'vitest'
import { writeRleBitPackedHybrid } from '../../functions/core/parquet/rle-hybrid'

/** The encoder of dictionary indexes and definition levels writes the library's bytes. */
describe('RLE/bit-packed hybrid', () => {
  it('writes what hyparquet-writer writes, for every width up to 32 bits and runs of every length', () => {
    let seed = 7
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296)
    let cases = 0
    for (let width = 1; width <= 32; width++) {
      for (let trial = 0; trial < 12; trial++) {
        const n = Math.floor(rnd() * 3000)
        const values = new Int32Array(n)
        const top = width === 32 ? 2 ** 31 - 1 : 2 ** width - 1
        for (let i = 0; i < n; ) {
          // Runs of 1 to 40 equal values, so both RLE runs and bit-packed groups occur.
          const run = 1 + Math.floor(rnd() * (rnd() < 0.3 ? 40 : 4))
          const v = Math.floor(rnd() * (top + 1))
          for (let k = 0; k < run && i < n; k++) values[i++] = v
        }
        const mine = new ByteWriter()
        const theirs = new ByteWriter()
        mine.appendUint8(width)
        theirs.appendUint8(width)
        expect(writeRleBitPackedHybrid(mine, values, width)).toBe(library(theirs, values, width))
        expect(Buffer.from(mine.getBytes()).equals(Buffer.from(theirs.getBytes()))).toBe(true)
        cases += 1
      }
    }
    const levels = Uint8Array.from({ length: 1001 }, (_, i) => (i % 7 === 0 || i > 900 ? 0 : 1))
    const a = new ByteWriter()
    const b = new ByteWriter()
    writeRleBitPackedHybrid(a, levels, 1)
    library(b, levels, 1)
    expect(Buffer.from(a.getBytes()).equals(Buffer.from(b.getBytes()))).toBe(true)
    expect(cases).toBe(32 * 12)
  })
})
