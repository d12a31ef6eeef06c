import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { combineFileRanges, SplitInferenceError, type ConvertFrom } from '../../functions/core/transform/combine-file-ranges'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import { convertRangeFrom, transformFileRange, type StagedRange } from '../../functions/core/transform/transform-file-range'
import type { TransformOptions, TransformStats } from '../../functions/core/transform/transform-types'
import { closeDuckDb, readParquet } from '../support/duckdb-parquet'

let dir: string
let cases = 0
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-file-ranges-'))
})
afterAll(async () => {
  await closeDuckDb()
  rmSync(dir, { recursive: true, force: true })
})

function prepare(content: string | Uint8Array): string {
  const input = join(dir, `input-${++cases}.csv`)
  writeFileSync(input, content)
  return input
}

/** Every range converted as its own Lambda would, then combined as Load does. */
async function splitConvert(input: string, count: number, options: Partial<TransformOptions> = {}) {
  const out = join(dir, `split-${++cases}`)
  const source = fileByteSource(input) as Parameters<typeof transformFileRange>[0]
  const staged: StagedRange[] = []
  for (let index = 0; index < count; index++) {
    const sinkFor = (k: number, from: number) => localFilePartSink({ out: join(out, `range-${k}-${from}`, 'data.parquet') })
    staged.push(...(await transformFileRange(source, sinkFor, { sourceName: 'in.csv', ...options }, { index, count })))
  }
  const redone: number[] = []
  const redo: ConvertFrom = (head, range, from) => {
    redone.push(range.index)
    return convertRangeFrom(source, localFilePartSink({ out: join(out, `load-${range.index}-${from}`, 'data.parquet') }), head, range, from)
  }
  const stats = await combineFileRanges(staged, count, localFilePartSink({ out: join(out, 'file', 'data.parquet') }), redo)
  return { staged, stats, redone }
}

async function wholeConvert(input: string, options: Partial<TransformOptions> = {}) {
  return transformCsv(fileByteSource(input), localFilePartSink({ out: join(dir, `whole-${++cases}`, 'data.parquet') }), { sourceName: 'in.csv', workers: 1, ...options })
}

async function contents(stats: TransformStats) {
  const data = await readParquet(stats.parts.map((p) => p.key))
  const rejects = stats.rejectParts.length ? (await readParquet(stats.rejectParts.map((p) => p.key))).rows : []
  const { seconds: _s, bytesOut: _b, rejectBytesOut: _r, parts: _p, rejectParts: _q, ...kept } = stats
  return { stats: kept, rows: data.rows, columns: data.columns, rejects }
}

/** A quoted note of 300 lines in the middle, longer than a range, and short ragged rows. */
function quotedMiddle(): string {
  const lines = ['id,note,amount']
  for (let i = 1; i <= 400; i++) {
    const note = i === 200 ? `"${Array.from({ length: 300 }, (_, k) => `line ${k}`).join('\n')}"` : `note ${i}`
    lines.push(i % 97 === 0 ? `${i},broken` : `${i},${note},${i}.25`)
  }
  return `${lines.join('\n')}\n`
}

describe('a file converted as byte ranges by separate steps', () => {
  it('equals the one-pass conversion when a quoted field spans several cuts: rows, types, reject lines and codes', async () => {
    // Prepare
    const input = prepare(quotedMiddle())

    // Act
    const split = await splitConvert(input, 8, { rejectThreshold: 1 })
    const whole = await wholeConvert(input, { rejectThreshold: 1 })

    // Assess: ranges started inside the note were converted again from the true boundary, by
    // the Transform that found out, and (the note spanning a whole range) by Load.
    const variants = split.staged.filter((s) => !('whole' in s))
    expect(variants.length).toBeGreaterThan(8)
    expect(split.redone.length).toBeGreaterThan(0)
    expect(await contents(split.stats)).toEqual(await contents(whole))
    expect(split.stats.rowsRejected).toBe(4)
  })

  it('reads every range of a European ";" file and of a series of mixed date shapes as the one-pass conversion does', async () => {
    // Prepare: amounts like 1.234,56 (inferred European, with its warning); dates in three shapes.
    const rows = Array.from({ length: 300 }, (_, k) => {
      const day = 1 + (k % 28)
      const when = k % 3 === 0 ? `1/${day + 3}/2020 17:00` : k % 3 === 1 ? `2020-02-${String(day).padStart(2, '0')}T08:15:53` : `3/${1 + (k % 12)}/20 5:19`
      return `${k + 1};${Math.floor(k * 1234.5)},${String(k % 100).padStart(2, '0')};${k * 1001 > 999 ? `${Math.floor((k * 1001) / 1000)}.${String((k * 1001) % 1000).padStart(3, '0')}` : k},5;${when}`
    })
    const input = prepare(`id;amount;total;updated\n${rows.join('\n')}\n`)

    // Act
    const split = await splitConvert(input, 4)
    const whole = await wholeConvert(input)

    // Assess
    expect(await contents(split.stats)).toEqual(await contents(whole))
    expect(whole.columns.map((c) => c.type)).toEqual(['bigint', 'decimal(18,2)', 'decimal(18,2)', 'timestamp'])
    expect(whole.warnings).toEqual([expect.stringMatching(/^numbers: .*thousands separator "\."/)])
  })

  it('fails the file, naming the column, when a later range needs a wider type than the sample showed', async () => {
    // Prepare: `code` is a bigint in the sample; row 300 holds text.
    const rows = Array.from({ length: 400 }, (_, k) => `${k + 1},${k === 299 ? 'A17' : k * 7}`)
    const input = prepare(`id,code\n${rows.join('\n')}\n`)

    // Act
    const split = splitConvert(input, 4, { sampleRows: 50 })
    const whole = await wholeConvert(input, { sampleRows: 50 })

    // Assess: one pass restarts and types it string; the split file fails rather than narrow it.
    expect(whole.columns.find((c) => c.name === 'code')?.type).toBe('string')
    await expect(split).rejects.toThrow(SplitInferenceError)
    await expect(split).rejects.toThrow(/code \(bigint → string\).*declare these columns/)
  })

  it('writes the same __string variant as the one-pass conversion, its count and first line summed over the ranges', async () => {
    // Prepare: the table types qty as bigint; text values in the sample and in later ranges.
    const rows = Array.from({ length: 400 }, (_, k) => `${k + 1},${k === 3 || k === 250 || k === 390 ? 'n/a' : k * 3}`)
    const input = prepare(`id,qty\n${rows.join('\n')}\n`)
    const tableColumns = [{ name: 'qty', type: 'bigint' }]

    // Act
    const split = await splitConvert(input, 4, { tableColumns })
    const whole = await wholeConvert(input, { tableColumns })

    // Assess
    expect(await contents(split.stats)).toEqual(await contents(whole))
    expect(split.stats.variantValues).toBe(3)
    expect(split.stats.warnings).toEqual([expect.stringContaining('3 value(s) of column qty fit neither its type bigint nor a widening of it, first at line 5')])
  })

  it('fails the file, naming the column, when a later range needs a variant the sample did not show', async () => {
    // Prepare
    const rows = Array.from({ length: 400 }, (_, k) => `${k + 1},${k === 299 ? 'n/a' : k * 3}`)
    const input = prepare(`id,qty\n${rows.join('\n')}\n`)

    // Act
    const split = splitConvert(input, 4, { sampleRows: 50, tableColumns: [{ name: 'qty', type: 'bigint' }] })

    // Assess
    await expect(split).rejects.toThrow(SplitInferenceError)
    await expect(split).rejects.toThrow(/qty \(values that fit neither bigint nor a widening of it, for qty__string\)/)
  })

  it('converts a gzip file whole in range 0, whatever its name, and nothing in the other ranges', async () => {
    // Prepare
    const input = prepare(gzipSync(Buffer.from(quotedMiddle())))

    // Act
    const split = await splitConvert(input, 3, { rejectThreshold: 1 })
    const whole = await wholeConvert(input, { rejectThreshold: 1 })

    // Assess
    expect(split.staged).toEqual([expect.objectContaining({ index: 0, whole: expect.anything() })])
    expect(split.stats.compression).toBe('gzip')
    expect(await contents(split.stats)).toEqual(await contents(whole))
  })
})
