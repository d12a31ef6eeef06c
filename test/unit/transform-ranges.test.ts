import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { workerRangeRunner } from '../../functions/adapters/range-workers'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import { transformCsvReference } from '../oracle/transform-csv-reference'
import type { TransformOptions, TransformStats } from '../../functions/core/transform/transform-types'
import { closeDuckDb, readParquet } from '../support/duckdb-parquet'

let dir: string
let cases = 0
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-ranges-'))
})
afterAll(async () => {
  await closeDuckDb()
  rmSync(dir, { recursive: true, force: true })
})

function prepare(content: string): string {
  cases += 1
  const input = join(dir, `input-${cases}.csv`)
  writeFileSync(input, content)
  return input
}

async function convert(engine: typeof transformCsv, input: string, options: Partial<TransformOptions> = {}) {
  const outDir = join(dir, `out-${++cases}`)
  mkdirSync(outDir)
  const stats = await engine(fileByteSource(input), localFilePartSink({ out: join(outDir, 'data.parquet') }), { sourceName: 'in.csv', rejectThreshold: 1, ...options })
  const data = await readParquet(stats.parts.map((p) => p.key))
  const rejects = stats.rejectParts.length ? (await readParquet(stats.rejectParts.map((p) => p.key))).rows : []
  return { stats, rows: data.rows, columns: data.columns, rejects }
}

const comparable = ({ stats, ...rest }: { stats: TransformStats; rows: unknown; columns: unknown; rejects: unknown }) => {
  const { seconds: _s, bytesOut: _b, rejectBytesOut: _r, parts: _p, rejectParts: _q, ...kept } = stats
  return { ...kept, ...rest }
}

/** Rows with a long quoted field full of line breaks in the middle of the file. */
function quotedMiddle(): string {
  const lines = ['id,note,amount']
  for (let i = 1; i <= 400; i++) {
    const note = i === 200 ? `"${Array.from({ length: 300 }, (_, k) => `line ${k}`).join('\n')}"` : `note ${i}`
    lines.push(i % 97 === 0 ? `${i},broken` : `${i},${note},${i}.25`)
  }
  return `${lines.join('\n')}\n`
}

describe('byte ranges', () => {
  it('redoes a range whose cut fell inside a quoted field, so every row and line equals one pass', async () => {
    // Prepare: the middle of the file is inside row 200's quoted note.
    const input = prepare(quotedMiddle())

    // Act
    const reference = await convert(transformCsvReference, input)
    const ranged = await convert(transformCsv, input, { workers: 2 })

    // Assess
    expect(ranged.stats.parts.length).toBe(2)
    expect(comparable(ranged)).toEqual(comparable(reference))
    expect(ranged.rejects.map((r) => (r as { line: string }).line)).toEqual(['98', '195', '591', '688'])
  })

  it('converts ranges in worker threads with the same result as one thread', async () => {
    // Prepare
    const input = prepare(quotedMiddle())

    // Act
    const one = await convert(transformCsv, input, { workers: 1 })
    const threads = await convert(transformCsv, input, { workers: 3, rangeRunner: workerRangeRunner() })

    // Assess
    expect(threads.stats.parts.length).toBe(3)
    expect(comparable(threads)).toEqual(comparable(one))
  })

  it('counts rows of delimiters only and loads row labels in every range as one pass does', async () => {
    // Prepare: an R export (a header one name short) with `,,` separator rows in every range.
    const lines = ['amount,note']
    for (let i = 1; i <= 400; i++) lines.push(i % 50 === 0 ? ',,' : i % 97 === 0 ? `r${i},broken` : `r${i},${i}.25,note ${i}`)
    const input = prepare(`${lines.join('\n')}\n`)

    // Act
    const reference = await convert(transformCsvReference, input)
    const ranged = await convert(transformCsv, input, { workers: 2 })

    // Assess
    expect(ranged.stats.parts.length).toBe(2)
    expect(comparable(ranged)).toEqual(comparable(reference))
    expect(ranged.stats).toMatchObject({ rowsIn: 392, rowsRejected: 4, blankLines: 8 })
    expect(ranged.columns.map((c) => c.name)).toEqual(['col_1', 'amount', 'note'])
    expect(ranged.rejects.map((r) => (r as { line: string }).line)).toEqual(['98', '195', '292', '389'])
  })
})
