import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parquetMetadata } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { DEFAULT_MEMORY_BUDGET_MB, ROW_GROUP_MEMORY, rowGroupBytesFor } from '../../functions/core/parquet/row-group-budget'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import type { TransformOptions } from '../../functions/core/transform/transform-types'

const MB = 1024 * 1024

describe('rowGroupBytesFor', () => {
  it('gives each worker a third of the budget left above the base and the other workers\' own memory', () => {
    // Act
    const one = rowGroupBytesFor(128, 1)
    const two = rowGroupBytesFor(128, 2)

    // Assess
    expect(one).toBe(Math.floor(((128 - ROW_GROUP_MEMORY.baseMb) * MB) / 3))
    expect(two).toBe(Math.floor(((128 - ROW_GROUP_MEMORY.baseMb - ROW_GROUP_MEMORY.workerMb) * MB) / 2 / 3))
  })

  it('grows with the budget and shrinks with the workers', () => {
    // Act
    const sizes = [100, 120, 140, 160].map((budget) => rowGroupBytesFor(budget, 1))

    // Assess
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b))
    expect(new Set(sizes).size).toBe(sizes.length)
    expect(rowGroupBytesFor(200, 4)).toBeLessThan(rowGroupBytesFor(200, 2))
  })

  it('keeps groups between 1 MiB and 64 MiB whatever the budget', () => {
    // Act
    const lambda = rowGroupBytesFor(1769, 1)
    const tiny = rowGroupBytesFor(64, 8)

    // Assess
    expect(lambda).toBe(ROW_GROUP_MEMORY.maxBytes)
    expect(tiny).toBe(ROW_GROUP_MEMORY.minBytes)
  })
})

describe('row groups of a transformed file', () => {
  const ROWS = 60_000
  let dir: string
  let input: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-budget-'))
    input = join(dir, 'events.csv')
    const lines = ['id,name,note,amount']
    for (let i = 1; i <= ROWS; i++) lines.push(`${i},name ${i % 977},"a note, of some length, for row ${i} ${'x'.repeat(i % 40)}",${(i * 37) % 100000}.${i % 100}`)
    writeFileSync(input, `${lines.join('\n')}\n`)
  })

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** Row counts of the row groups of the file, read back with hyparquet. */
  async function rowGroups(options: Partial<TransformOptions>): Promise<number[]> {
    const out = join(dir, `${JSON.stringify(options).replace(/\W+/g, '_')}.parquet`)
    const stats = await transformCsv(fileByteSource(input), localFilePartSink({ out }), { sourceName: input, workers: 1, ...options })
    expect(stats.rowsOut).toBe(ROWS)
    const bytes = readFileSync(out)
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
    return meta.row_groups.map((g) => Number(g.num_rows))
  }

  it('writes more, smaller row groups under a small memory budget', async () => {
    // Act
    const roomy = await rowGroups({ memoryBudgetMb: DEFAULT_MEMORY_BUDGET_MB })
    const tight = await rowGroups({ memoryBudgetMb: ROW_GROUP_MEMORY.baseMb + 4 })

    // Assess
    expect(roomy).toEqual([ROWS])
    expect(tight.length).toBeGreaterThan(2)
    expect(tight.reduce((a, b) => a + b, 0)).toBe(ROWS)
    expect(Math.max(...tight)).toBeLessThan(ROWS / 2)
  })

  it('keeps an explicit rowGroupBytes over the budget', async () => {
    // Act
    const groups = await rowGroups({ memoryBudgetMb: DEFAULT_MEMORY_BUDGET_MB, rowGroupBytes: 512 * 1024 })

    // Assess
    expect(groups.length).toBeGreaterThan(5)
    expect(groups.reduce((a, b) => a + b, 0)).toBe(ROWS)
  })
})
