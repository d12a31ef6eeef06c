import * as zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodeInput } from '../../functions/core/csv/decode-input'
import { guessEncoding } from '../../functions/core/csv/detect-encoding'

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes
}

async function text(bytes: Buffer): Promise<{ compression: string; encoding: string; text: string; notes: string[] }> {
  const input = await decodeInput(once(bytes), 'raw/x.csv')
  const chunks: Buffer[] = []
  for await (const c of input.bytes) chunks.push(c)
  return { compression: input.compression, encoding: input.encoding, text: Buffer.concat(chunks).toString('utf8'), notes: input.notes }
}

/** `id,v\n1,a\n2,b\n`, compressed with the zstd command. */
const ZSTD = Buffer.from('KLUv/QRYaQAAaWQsdgoxLGEKMixiCr/15No=', 'base64')

describe('compressed input', () => {
  it('decompresses zstd written by the zstd command', async () => {
    expect(await text(ZSTD)).toMatchObject({ compression: 'zstd', text: 'id,v\n1,a\n2,b\n' })
  })

  it('decompresses zstd of several frames, fed in small chunks, to the exact bytes', async () => {
    const body = 'id,v\n' + Array.from({ length: 30000 }, (_, i) => `${i},${'é'.repeat(i % 7)}`).join('\n') + '\n'
    const frames = Buffer.concat([zlib.zstdCompressSync(body.slice(0, 100000)), zlib.zstdCompressSync(body.slice(100000))])
    async function* chunked(): AsyncGenerator<Buffer> {
      for (let i = 0; i < frames.length; i += 1000) yield frames.subarray(i, i + 1000)
    }
    const input = await decodeInput(chunked(), 'raw/x.csv.zst')
    const out: Buffer[] = []
    for await (const c of input.bytes) out.push(c)
    expect(input.compression).toBe('zstd')
    expect(Buffer.concat(out).toString('utf8')).toBe(body)
  })

  it('calls a zstd whose bytes were all read but end early corrupt or truncated', async () => {
    const zst = zlib.zstdCompressSync('id,v\n' + Array.from({ length: 20000 }, (_, i) => `${i},a${i}`).join('\n'))
    await expect(text(zst.subarray(0, zst.length >> 1))).rejects.toMatchObject({
      name: 'BinaryInputError',
      message: expect.stringMatching(/^zstd: raw\/x\.csv is corrupt or truncated/),
    })
  })

  it('still reads gzip', async () => {
    expect(await text(zlib.gzipSync('a,b\n1,2\n'))).toMatchObject({ compression: 'gzip', text: 'a,b\n1,2\n' })
  })

  it('rethrows a read error of the source as it is, not as a corrupt gzip', async () => {
    const gz = zlib.gzipSync('id,v\n' + '1,a\n'.repeat(20000))
    const reset = Object.assign(new Error('s3: read failed: ECONNRESET: aborted'), { name: 'TransientStorageError' })
    async function* broken(): AsyncGenerator<Buffer> {
      yield gz.subarray(0, gz.length >> 1)
      throw reset
    }
    const reading = (async () => {
      const input = await decodeInput(broken(), 'raw/x.csv.gz')
      for await (const _ of input.bytes);
    })()
    await expect(reading).rejects.toBe(reset)
  })

  it('calls a gzip whose bytes were all read but end early corrupt or truncated', async () => {
    const gz = zlib.gzipSync('id,v\n' + '1,a\n'.repeat(20000))
    await expect(text(gz.subarray(0, gz.length >> 1))).rejects.toMatchObject({
      name: 'BinaryInputError',
      message: expect.stringMatching(/^gzip: raw\/x\.csv is corrupt or truncated/),
    })
  })

  it('tells bzip2 text from a CSV starting with "BZh"', async () => {
    expect((await text(Buffer.from('BZh,x\n1,2\n'))).text).toBe('BZh,x\n1,2\n')
  })
})

describe('encoding detection', () => {
  it('reads Latin text that is not UTF-8 as windows-1252, with curly quotes and the euro sign', async () => {
    const latin = Buffer.from([...Buffer.from('name,price\nJos'), 0xe9, ...Buffer.from(','), 0x80, ...Buffer.from('5\n'), 0x93, ...Buffer.from('Caf'), 0xe9, 0x94, ...Buffer.from(',3\n')])
    const read = await text(latin)
    expect(read).toMatchObject({ encoding: 'windows-1252', text: 'name,price\nJosé,€5\n“Café”,3\n' })
    expect(read.notes[0]).toMatch(/read as windows-1252 \(detected\).*"encoding": "windows-1252"/)
  })

  it('is not confident for bytes that do not read as Latin words, and names the likely encoding', () => {
    const guess = guessEncoding(Buffer.from([...Buffer.from('id,v\n1,'), 0xff, 0xfe, 0xfd, 0x0a, ...Buffer.from('2,'), 0x80, 0x81, 0x0a, ...Buffer.from('3,'), 0xa4, 0xa4, 0x0a]))
    expect(guess.confident).toBe(false)
    expect(guess.name).toMatch(/\w/)
  })

  it('takes a head with valid multi-byte UTF-8 and a few bad bytes for UTF-8', () => {
    const guess = guessEncoding(Buffer.concat([Buffer.from('id,v\n1,café\n2,'), Buffer.from([0xe9]), Buffer.from('\n')]))
    expect(guess).toMatchObject({ confident: false, mostlyUtf8: true })
  })
})
