import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { parseContract } from '../../functions/core/schema/contract'
import { transformCsv } from '../../functions/core/transform-csv'
import { transformCsvReference } from '../../functions/core/transform-csv-reference'
import type { TransformStats } from '../../functions/core/transform-types'
import { closeDuckDb, readParquet, type ParquetContents } from '../support/duckdb-parquet'

/**
 * Shapes of real files that loaded wrong: each is converted by both engines, which must agree,
 * and what a user sees (columns, rows, warnings, counts) is asserted on.
 */

const SHAPES = fileURLToPath(new URL('../fixtures/real-shapes/', import.meta.url))
let dir: string
let cases = 0

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-shapes-'))
})

afterAll(async () => {
  await closeDuckDb()
  rmSync(dir, { recursive: true, force: true })
})

interface Loaded extends ParquetContents {
  stats: TransformStats
}

/** Converts `content` with both engines; they must write the same table and counts. */
async function load(content: string, contract?: object): Promise<Loaded> {
  cases += 1
  const input = join(dir, `input-${cases}.csv`)
  writeFileSync(input, content)
  const results: Loaded[] = []
  for (const [engine, transform] of [['byte', transformCsv], ['reference', transformCsvReference]] as const) {
    const outDir = join(dir, `out-${cases}-${engine}`)
    mkdirSync(outDir)
    const out = join(outDir, 'data.parquet')
    const options = { sourceName: input, ...(contract ? { contract: parseContract(contract) } : {}) }
    const stats = await transform(fileByteSource(input), localFilePartSink({ out }), options)
    results.push({ stats, ...(await readParquet(stats.parts.map((p) => p.key))) })
  }
  const [byte, reference] = results
  expect(byte.columns).toEqual(reference.columns)
  expect(byte.rows).toEqual(reference.rows)
  const counts = (s: TransformStats) => ({ rowsIn: s.rowsIn, rowsOut: s.rowsOut, rowsRejected: s.rowsRejected, blankLines: s.blankLines, warnings: s.warnings })
  expect(counts(byte.stats)).toEqual(counts(reference.stats))
  return byte
}

const shape = (name: string) => readFileSync(join(SHAPES, name), 'utf8')

describe('real file shapes', () => {
  it('reads a headerless 224-column GBIF export with commas and quotes in its fields as tab-separated', async () => {
    // Prepare: 4 lines, 224 tab-separated fields, a few `, "…"` remarks that look like quoted CSV.
    const text = shape('gbif_occurrence_headerless.tsv')

    // Act
    const { stats, columns, rows } = await load(text)

    // Assess
    expect(stats.dialect).toMatchObject({ delimiter: '\t', trimSpaces: false, header: false })
    expect(columns).toHaveLength(224)
    expect(stats).toMatchObject({ rowsIn: 4, rowsOut: 4, rowsRejected: 0 })
    expect(rows.map((r) => r.col_1)).toEqual(['4011547632', '4011555551', '4011563470', '4011571389'])
    expect(rows[2].col_61).toBe('Annotated, "type" in pencil')
    expect(rows[0].col_48).toBe('Smith, J.; de Vries, A.')
    expect(rows[3].col_224).toBe('https://bioportal.naturalis.nl/specimen/L.1234570')
  })
})
