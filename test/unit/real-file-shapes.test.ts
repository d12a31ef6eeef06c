import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { parseContract } from '../../functions/core/schema/contract'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import { transformCsvReference } from '../oracle/transform-csv-reference'
import type { TransformStats } from '../../functions/core/transform/transform-types'
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

  it('skips a # comment line above the header of a short file, with a warning', async () => {
    // Act
    const { stats, columns, rows } = await load('# exported by the lab on 2024-03-01\nid,amount\n1,2.5\n')

    // Assess
    expect(stats.dialect).toMatchObject({ skipLines: 1, header: true })
    expect(columns).toEqual([{ name: 'id', type: 'BIGINT' }, { name: 'amount', type: 'DECIMAL(18,2)' }])
    expect(rows).toEqual([{ id: '1', amount: '2.50' }])
    expect(stats.warnings.some((w) => w.startsWith('dialect: skipped a preamble of 1 line(s)') && w.includes('# exported by the lab'))).toBe(true)
  })

  it('skips a prose title above a table of text, with a warning', async () => {
    // Act
    const { stats, columns, rows } = await load('Stations of the measuring network\nname,city\nAlpha,Paris\nBeta,Rome\nGamma,Oslo\n')

    // Assess
    expect(stats.dialect).toMatchObject({ skipLines: 1, header: true })
    expect(columns.map((c) => c.name)).toEqual(['name', 'city'])
    expect(stats).toMatchObject({ rowsIn: 3, rowsOut: 3, rowsRejected: 0 })
    expect(rows[2]).toEqual({ name: 'Gamma', city: 'Oslo' })
    expect(stats.warnings.some((w) => w.startsWith('dialect: skipped a preamble'))).toBe(true)
  })

  it('skips a title row padded with delimiters above the header, with a warning', async () => {
    // Prepare: a spreadsheet export, its title in the first cell of a row as wide as the table.
    const text = 'Quarterly revenue report Q1 2024;;;;\nregion;jan;feb;mar;total\nNorth;1;2;3;6\nSouth;4;5;6;15\nEast;7;8;9;24\n'

    // Act
    const { stats, columns, rows } = await load(text)

    // Assess
    expect(stats.dialect).toMatchObject({ delimiter: ';', skipLines: 1, header: true })
    expect(columns.map((c) => `${c.name} ${c.type}`)).toEqual(['region VARCHAR', 'jan BIGINT', 'feb BIGINT', 'mar BIGINT', 'total BIGINT'])
    expect(rows).toHaveLength(3)
    expect(stats.warnings.some((w) => w.includes('"Quarterly revenue report Q1 2024;;;;"'))).toBe(true)
  })

  it('loads the row labels under a header one name short of its rows, as the pandas form with an empty first name loads them', async () => {
    // Prepare: an R-style export (`write.csv`) and pandas' `to_csv` of the same table.
    const short = 'height,weight\nann,1.62,55\nbo,1.80,81\ncy,1.75,70\n'
    const empty = ',height,weight\nann,1.62,55\nbo,1.80,81\ncy,1.75,70\n'

    // Act
    const r = await load(short)
    const pandas = await load(empty)

    // Assess
    expect(r.stats).toMatchObject({ rowsIn: 3, rowsOut: 3, rowsRejected: 0 })
    expect(r.columns).toEqual([{ name: 'col_1', type: 'VARCHAR' }, { name: 'height', type: 'DECIMAL(18,2)' }, { name: 'weight', type: 'BIGINT' }])
    expect(r.rows[1]).toEqual({ col_1: 'bo', height: '1.80', weight: '81' })
    expect(pandas.columns).toEqual(r.columns)
    expect(pandas.rows).toEqual(r.rows)
    expect(r.stats.warnings.some((w) => w.startsWith('header: the header of') && w.includes('row labels'))).toBe(true)
  })

  it('skips the separator rows of delimiters only in a spreadsheet export, counting them in a warning', async () => {
    // Prepare: the whole export: a padded title, `;;;;` separators between the regions.
    const text = 'Quarterly revenue report Q1 2024;;;;\nregion;jan;feb;mar;total\n;;;;\nNorth;1;2;3;6\nSouth;4;5;6;15\n;;;;\nEast;7;8;9;24\n;;;;\n'

    // Act
    const { stats, rows } = await load(text)

    // Assess: 8 lines = 1 title + 1 header + 3 rows + 3 separators.
    expect(stats).toMatchObject({ rowsIn: 3, rowsOut: 3, rowsRejected: 0, blankLines: 3 })
    expect(rows.map((r) => r.region)).toEqual(['North', 'South', 'East'])
    expect(stats.warnings).toContainEqual(expect.stringContaining('rows: 3 blank line(s) or row(s) of delimiters only'))
  })

  it('keeps a row of quoted empty values, which a writer meant as a row', async () => {
    const { stats, rows } = await load('a,b\n1,2\n"",""\n3,4\n')
    expect(stats).toMatchObject({ rowsIn: 3, blankLines: 0 })
    expect(rows).toHaveLength(3)
  })
})
