import { randomBytes } from 'node:crypto'
import * as zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodeZstdFrames } from '../../functions/core/csv/zstd-frames'

async function* inChunks(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

async function decode(bytes: Buffer, chunkSize = 64 * 1024): Promise<Buffer> {
  const out: Buffer[] = []
  for await (const chunk of decodeZstdFrames(inChunks(bytes, chunkSize))) out.push(chunk)
  return Buffer.concat(out)
}

const withChecksum = (data: string | Buffer) => zlib.zstdCompressSync(data, { params: { [zlib.constants.ZSTD_c_checksumFlag]: 1 } })

/** A skippable frame (RFC 8878 §3.1.2) holding `data`. */
function skippable(data: Buffer): Buffer {
  const header = Buffer.alloc(8)
  header.writeUInt32LE(0x184d2a5e, 0)
  header.writeUInt32LE(data.length, 4)
  return Buffer.concat([header, data])
}

describe('decodeZstdFrames', () => {
  it('reads every frame of concatenated files, which Node 22 alone stops after the first of', async () => {
    // Prepare: text, incompressible bytes and one repeated byte, so that compressed, raw and RLE blocks occur.
    const parts = [Buffer.from('id,v\n' + Array.from({ length: 20000 }, (_, i) => `${i},v${i % 13}`).join('\n') + '\n'), randomBytes(300_000), Buffer.alloc(400_000, 0x61)]
    const file = Buffer.concat([zlib.zstdCompressSync(parts[0]!), withChecksum(parts[1]!), zlib.zstdCompressSync(parts[2]!)])

    // Act
    const whole = await decode(file)
    const byteByByte = await decode(Buffer.concat([zlib.zstdCompressSync('x,y\n1,2\n'), withChecksum('3,4\n')]), 1)

    // Assess
    expect(zlib.zstdDecompressSync(file).length).toBe(parts[0]!.length)
    expect(whole.equals(Buffer.concat(parts))).toBe(true)
    expect(byteByByte.toString()).toBe('x,y\n1,2\n3,4\n')
  })

  it('passes over skippable frames before, between and after data frames', async () => {
    // Prepare
    const file = Buffer.concat([skippable(Buffer.from('seek table')), withChecksum('a,b\n1,2\n'), skippable(Buffer.alloc(0)), withChecksum('3,4\n'), skippable(randomBytes(100))])

    // Act
    const text = (await decode(file, 3)).toString()

    // Assess
    expect(text).toBe('a,b\n1,2\n3,4\n')
  })

  it('fails wherever a file is cut inside a frame, and reads the whole frames where it is cut between them', async () => {
    // Prepare
    const frames = [withChecksum('id,v\n1,a\n2,b\n'), zlib.zstdCompressSync('3,c\n'.repeat(50)), skippable(Buffer.from('xyz'))]
    const file = Buffer.concat(frames)
    const boundaries = new Map([
      [frames[0]!.length, 'id,v\n1,a\n2,b\n'],
      [frames[0]!.length + frames[1]!.length, 'id,v\n1,a\n2,b\n' + '3,c\n'.repeat(50)],
    ])

    // Act
    const outcomes = await Promise.all(
      Array.from({ length: file.length - 1 }, (_, i) => i + 1).map((cut) =>
        decode(file.subarray(0, cut), 7).then(
          (out) => ({ cut, text: out.toString() }),
          (e: Error) => ({ cut, error: e.message }),
        ),
      ),
    )

    // Assess
    for (const outcome of outcomes) {
      const whole = boundaries.get(outcome.cut)
      if (whole !== undefined) expect(outcome).toEqual({ cut: outcome.cut, text: whole })
      else expect(outcome).toMatchObject({ error: expect.stringMatching(/^input ends inside a (skippable )?frame/) })
    }
  })

  it('fails on bytes after a frame that start no frame', async () => {
    // Act
    const decoding = decode(Buffer.concat([zlib.zstdCompressSync('a\n'), Buffer.from('trailing text')]))

    // Assess
    await expect(decoding).rejects.toThrow('no zstd frame starts here (magic 0x69617274)')
  })
})
