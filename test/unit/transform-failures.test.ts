import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { parseContract } from '../../functions/core/schema/contract'
import { BinaryInputError, CsvFormatError, DecompressionLimitError, EncodingError } from '../../functions/core/errors'
import { RejectThresholdError } from '../../functions/core/transform/reject-threshold-error'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import type { PartSink } from '../../functions/core/parquet/part-sink'
import type { TransformOptions } from '../../functions/core/transform/transform-types'
import { closeDuckDb, readParquet } from '../support/duckdb-parquet'

let dir: string
let cases = 0

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-failures-'))
})

afterAll(async () => {
  await closeDuckDb()
  rmSync(dir, { recursive: true, force: true })
})

/** An input file, and an existing, empty output folder of its own. */
function prepare(content: string | Buffer): { input: string; outDir: string; out: string } {
  cases += 1
  const input = join(dir, `input-${cases}.csv`)
  const outDir = join(dir, `out-${cases}`)
  writeFileSync(input, content)
  mkdirSync(outDir)
  return { input, outDir, out: join(outDir, 'data.parquet') }
}

function transform(input: string, out: string, options: Partial<TransformOptions> = {}) {
  return transformCsv(fileByteSource(input), localFilePartSink({ out }), { sourceName: input, ...options })
}

/** A local sink that also records which parts the engine opened, to show there was something to discard. */
function recordingSink(out: string): { sink: PartSink; opened: string[] } {
  const inner = localFilePartSink({ out })
  const opened: string[] = []
  const sink: PartSink = {
    openPart: async (kind, index) => {
      opened.push(`${kind}-${index}`)
      return inner.openPart(kind, index)
    },
    discard: (only) => inner.discard(only),
  }
  return { sink, opened }
}

/** The error `promise` rejects with, or a failure when it resolves. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (e) {
    return e as Error
  }
  throw new Error('expected the transform to fail, but it succeeded')
}

describe('a failed transform leaves nothing behind', () => {
  it('throws RejectThresholdError, removes the data parts already written and keeps the rejects when too many rows are rejected', async () => {
    // Prepare: 10% of 5000 rows have an extra field; small row groups and parts so parts exist before the end.
    const lines = ['id,name']
    for (let i = 1; i <= 5000; i++) lines.push(i % 10 === 0 ? `${i},name ${i},extra` : `${i},name ${i}`)
    const { input, outDir, out } = prepare(`${lines.join('\n')}\n`)

    const { sink, opened } = recordingSink(out)

    // Act
    const error = await failure(transformCsv(fileByteSource(input), sink, { sourceName: input, rowGroupBytes: 4096, partBytes: 8192 }))

    // Assess
    expect(opened.filter((p) => p.startsWith('data-')).length).toBeGreaterThan(1)
    expect(error).toBeInstanceOf(RejectThresholdError)
    expect(error.name).toBe('RejectThresholdError')
    expect(error.message).toContain(input)
    expect(error).toMatchObject({ rowsIn: 5000, rowsRejected: 500, threshold: 0.05, rejectCodes: { column_count: 500 } })
    expect(error.message).toContain('column_count: expected 2 fields, found 3 on 500 row(s)')
    // Only the rejects are left: every bad line, for the failed file's report.
    const kept = (error as RejectThresholdError).rejectParts
    expect(kept.map((p) => p.rows)).toEqual([500])
    expect(readdirSync(outDir).map((f) => join(outDir, f))).toEqual(kept.map((p) => p.key))
  })

  it('throws BinaryInputError for a binary file and writes nothing', async () => {
    // Prepare: a PNG signature followed by bytes with NULs.
    const { input, outDir, out } = prepare(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]))

    // Act
    const error = await failure(transform(input, out))

    // Assess
    expect(error).toBeInstanceOf(BinaryInputError)
    expect(error.name).toBe('BinaryInputError')
    expect(error.message).toContain(input)
    expect(readdirSync(outDir)).toEqual([])
  })

  it('throws EncodingError and removes the parts already written when a declared shift_jis file has an invalid byte late in the file', async () => {
    // Prepare: 200k valid shift_jis rows ("あ" is 82 A0), then 81 20, which is not shift_jis.
    const chunks: Buffer[] = [Buffer.from('id,name\n')]
    const hiragana = Buffer.from([0x82, 0xa0])
    for (let i = 1; i <= 200_000; i++) chunks.push(Buffer.from(`${i},`), hiragana, Buffer.from(`${i}\n`))
    chunks.push(Buffer.from('200001,bad'), Buffer.from([0x81, 0x20]), Buffer.from('\n'))
    const { input, outDir, out } = prepare(Buffer.concat(chunks))
    const contract = parseContract({ columns: [], encoding: 'shift_jis' })
    const { sink, opened } = recordingSink(out)

    // Act
    const error = await failure(transformCsv(fileByteSource(input), sink, { sourceName: input, contract, rowGroupBytes: 64 * 1024 }))

    // Assess
    expect(opened).toContain('data-0')
    expect(error).toBeInstanceOf(EncodingError)
    expect(error.name).toBe('EncodingError')
    expect(error.message).toContain(input)
    expect(error.message).toContain('shift_jis')
    expect(readdirSync(outDir)).toEqual([])
  })
})

describe('an opening quote that is never closed', () => {
  it('fails the file naming the line where the record starts, instead of holding the rest of the file', async () => {
    // Prepare: after 3 good rows, a quote opens at line 5 and 20 MB of rows follow it.
    const rows = Array.from({ length: 400_000 }, (_, i) => `${i + 10},row ${i} with some text to fill the file`).join('\n')
    const { input, outDir, out } = prepare(`id,text\n1,a\n2,b\n3,c\n4,"opens here\n${rows}\n`)

    // Act
    const error = await transform(input, out, { rowGroupBytes: 1024 }).then(() => undefined, (e: Error) => e)

    // Assess
    expect(error).toBeInstanceOf(CsvFormatError)
    expect(error!.message).toContain('starting at line 5')
    expect(error!.message).toContain('never closed')
    expect(readdirSync(outDir)).toEqual([])
  })

  it('keeps the rows before a broken tail that stays under the limit, and rejects the tail', async () => {
    // Prepare
    const { input, out } = prepare('id,text\n1,a\n2,"opens here\n3,c\n')

    // Act
    const stats = await transform(input, out, { rejectThreshold: 0.9 })

    // Assess
    expect(stats).toMatchObject({ rowsIn: 2, rowsOut: 1, rowsRejected: 1, rejectCodes: { unterminated_quote: 1 } })
  })
})

describe('inference restarts', () => {
  it.each([
    ['bigint', '007'],
    ['bigint', '+41'],
    ['decimal(18,2)', '007.5'],
  ])('types a %s column as string when %j comes after the 20,000-row sample, as inside the sample', async (sampled, late) => {
    // Prepare: the default sample, then one value the inference rules read as text.
    const lines = ['id,value']
    for (let i = 1; i <= 20_500; i++) lines.push(`${i},${i === 20_400 ? late : sampled === 'bigint' ? i % 97 : `${i % 97}.25`}`)
    const { input, out } = prepare(`${lines.join('\n')}\n`)

    // Act
    const stats = await transform(input, out)
    const { columns, rows } = await readParquet(out)

    // Assess
    expect(stats.inference.restarts).toBe(1)
    expect(stats).toMatchObject({ rowsIn: 20_500, rowsOut: 20_500, rowsRejected: 0 })
    expect(columns).toEqual([{ name: 'id', type: 'BIGINT' }, { name: 'value', type: 'VARCHAR' }])
    expect(rows[20_399]).toEqual({ id: '20400', value: late })
  })

  it('restarts once when row 50 needs a wider type than a 5-row sample showed, leaving one part with every row', async () => {
    // Prepare
    const lines = ['id,qty']
    for (let i = 1; i <= 100; i++) lines.push(`${i},${i === 50 ? '2.5' : i % 7}`)
    const { input, outDir, out } = prepare(`${lines.join('\n')}\n`)

    // Act
    const stats = await transform(input, out, { sampleRows: 5 })
    const { columns, rows } = await readParquet(out)

    // Assess
    expect(stats.inference.restarts).toBe(1)
    expect(stats).toMatchObject({ rowsIn: 100, rowsOut: 100, rowsRejected: 0 })
    expect(readdirSync(outDir)).toEqual(['data.parquet'])
    expect(columns).toEqual([{ name: 'id', type: 'BIGINT' }, { name: 'qty', type: 'DECIMAL(18,2)' }])
    expect(rows).toHaveLength(100)
    expect(rows[49]).toEqual({ id: '50', qty: '2.50' })
    expect(rows[50]).toEqual({ id: '51', qty: '2.00' })
  })

  it('discards what it wrote before a restart and rewrites one part with every row', async () => {
    // Prepare: the wide value comes after many row groups have been written.
    const lines = ['id,qty']
    for (let i = 1; i <= 20_000; i++) lines.push(`${i},${i === 19_990 ? '2.5' : i % 7}`)
    const { input, outDir, out } = prepare(`${lines.join('\n')}\n`)

    const { sink, opened } = recordingSink(out)

    // Act
    const stats = await transformCsv(fileByteSource(input), sink, { sourceName: input, sampleRows: 5, rowGroupBytes: 4096 })
    const { columns, rows } = await readParquet(out)

    // Assess
    expect(opened).toEqual(['data-0', 'data-0'])
    expect(stats.inference.restarts).toBe(1)
    expect(stats).toMatchObject({ rowsIn: 20_000, rowsOut: 20_000, rowsRejected: 0 })
    expect(stats.parts).toEqual([expect.objectContaining({ key: out, rows: 20_000 })])
    expect(readdirSync(outDir)).toEqual(['data.parquet'])
    expect(columns).toEqual([{ name: 'id', type: 'BIGINT' }, { name: 'qty', type: 'DECIMAL(18,2)' }])
    expect(rows.map((r) => r['id'])).toEqual(Array.from({ length: 20_000 }, (_, i) => String(i + 1)))
    expect(rows[19_989]).toEqual({ id: '19990', qty: '2.50' })
  })
})

describe('decompression limits', () => {
  it('fails a gzip file that expands past the ratio limit with DecompressionLimitError naming the file', async () => {
    // Prepare: 4 MB of one repeated row compresses about 1000×.
    const { gzipSync } = await import('node:zlib')
    const body = `id,name\n${'1,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n'.repeat(80_000)}`
    const { input, outDir, out } = prepare(gzipSync(body))

    // Act
    const error = await failure(transform(input, out, { gzipLimits: { maxRatio: 50, ratioAfterBytes: 1024 * 1024 } }))

    // Assess
    expect(error).toBeInstanceOf(DecompressionLimitError)
    expect(error.name).toBe('DecompressionLimitError')
    expect(error.message).toContain(input)
    expect(readdirSync(outDir)).toEqual([])
  })

  it('bounds a zstd file by the same ratio limit as gzip', async () => {
    // Prepare
    const { zstdCompressSync } = await import('node:zlib')
    const body = `id,name\n${'1,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n'.repeat(80_000)}`
    const { input, outDir, out } = prepare(zstdCompressSync(body))

    // Act
    const error = await failure(transform(input, out, { gzipLimits: { maxRatio: 50, ratioAfterBytes: 1024 * 1024 } }))

    // Assess
    expect(error).toBeInstanceOf(DecompressionLimitError)
    expect(error.message).toMatch(/^zstd: .* expands more than 50×/)
    expect(error.message).toContain(input)
    expect(readdirSync(outDir)).toEqual([])
  })

  it('fails a gzip file that decompresses past the byte limit', async () => {
    // Prepare
    const { gzipSync } = await import('node:zlib')
    const { input, out } = prepare(gzipSync(`id\n${'1\n'.repeat(100_000)}`))

    // Act
    const error = await failure(transform(input, out, { gzipLimits: { maxBytes: 100_000 } }))

    // Assess
    expect(error).toBeInstanceOf(DecompressionLimitError)
    expect(error.message).toMatch(/more than 100000 bytes/)
  })
})
