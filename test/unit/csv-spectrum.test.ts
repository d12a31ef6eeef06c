import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import type { ColumnInfo } from '../../functions/core/schema/column-info'
import { spectrumCases } from '../support/csv-spectrum'
import { closeDuckDb, readParquet } from '../support/duckdb-parquet'

let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-spectrum-'))
})

afterAll(async () => {
  await closeDuckDb()
  rmSync(dir, { recursive: true, force: true })
})

/**
 * csv-spectrum's expected record, re-keyed by the engine's column names and typed the way
 * the engine promises: an empty expected value is null, and non-string columns are compared
 * by their text form (an int 1 is "1", a decimal is its exact plain-notation string).
 */
function expectedRow(expected: Record<string, string>, columns: ColumnInfo[]): Record<string, string | null> {
  const row: Record<string, string | null> = {}
  for (const column of columns) {
    const text = expected[column.original]
    if (text === undefined) throw new Error(`no expected value for header ${JSON.stringify(column.original)}`)
    row[column.name] = text === '' ? null : text
  }
  return row
}

/** DuckDB's value as text: numbers and booleans by String(), exact strings for the rest. */
function actualRow(row: Record<string, unknown>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : String(v)]))
}

describe('csv-spectrum corpus through transformCsv and DuckDB', () => {
  it.each(spectrumCases())('$name reads back with every expected value', async ({ name, csvPath, expected }) => {
    // Prepare
    const out = join(dir, `${name}.parquet`)

    // Act
    const stats = await transformCsv(fileByteSource(csvPath), localFilePartSink({ out }), { sourceName: name })
    const { columns, rows } = await readParquet(out)

    // Assess
    expect(stats.rowsIn).toBe(stats.rowsOut + stats.rowsRejected)
    expect(stats.rowsRejected).toBe(0)
    expect(stats.columns.map((c) => c.original)).toEqual(Object.keys(expected[0]!))
    expect(columns.map((c) => c.name)).toEqual(stats.columns.map((c) => c.name))
    expect(rows.map(actualRow)).toEqual(expected.map((e) => expectedRow(e, stats.columns)))
  })
})
