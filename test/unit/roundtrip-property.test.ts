import { DECIMAL_SCALE_STEPS } from '../../functions/core/schema/type-widening'
import fc from 'fast-check'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import { closeDuckDb, readParquet } from '../support/duckdb-parquet'
import { randomTable, toCsv, type ColumnType, type RandomTable } from '../support/random-table'

let dir: string
let run = 0

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-roundtrip-'))
})

afterAll(async () => {
  await closeDuckDb()
  rmSync(dir, { recursive: true, force: true })
})

/** DuckDB type each generated column type must come back as (integers infer as bigint); decimals are checked by scale. */
const DUCKDB_TYPE: Record<Exclude<ColumnType, 'decimal'>, string> = {
  int: 'BIGINT',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP WITH TIME ZONE',
  string: 'VARCHAR',
}

function generatedScale(table: RandomTable, c: number): number {
  const witness = table.rows.find((r) => r[c] !== null)![c]!
  return witness.split('.')[1]!.length
}

/**
 * One value in a canonical text form, so the generator's text and DuckDB's value compare
 * exactly: decimals as exact strings, doubles by Number equality (as the shortest
 * round-trip text), timestamps as µs UTC (both sides already are), the rest by String().
 */
function canonical(type: ColumnType, value: unknown): string | null {
  if (value === null) return null
  if (type === 'double') return String(Number(value))
  // Decimals are written at a stepped scale: `0.0` reads back as `0.00`, the same value.
  if (type === 'decimal') return String(value).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')
  return String(value)
}

describe('random typed tables round-trip through transformCsv and DuckDB', () => {
  it('keeps every row, infers every generated type and every value', async () => {
    await fc.assert(
      fc.asyncProperty(randomTable(), async (table) => {
        // Prepare
        run += 1
        const input = join(dir, `t${run}.csv`)
        const out = join(dir, `t${run}.parquet`)
        writeFileSync(input, toCsv(table))

        // Act
        const stats = await transformCsv(fileByteSource(input), localFilePartSink({ out }), { sourceName: input })
        const { columns, rows } = await readParquet(out)

        // Assess
        expect(stats.rowsIn).toBe(stats.rowsOut + stats.rowsRejected)
        expect(stats.rowsRejected).toBe(0)
        expect(stats.rowsOut).toBe(table.rows.length)
        expect(rows.length).toBe(table.rows.length)
        expect(stats.columns.map((c) => c.original)).toEqual(table.header)
        expect(columns.map((c) => c.name)).toEqual(stats.columns.map((c) => c.name))
        if (table.rows.length === 0) return

        const expectedTypes = table.types.map((t, c) =>
          // An inferred decimal's scale rounds up to the next step.
          t === 'decimal' ? `DECIMAL(p,${DECIMAL_SCALE_STEPS.find((s) => s >= generatedScale(table, c))})` : DUCKDB_TYPE[t],
        )
        const actualTypes = columns.map((col) => col.type.replace(/^DECIMAL\(\d+,/, 'DECIMAL(p,'))
        expect(actualTypes).toEqual(expectedTypes)

        const expectedRows = table.rows.map((r) => r.map((v, c) => canonical(table.types[c]!, v)))
        const actualRows = rows.map((r) => columns.map((col, c) => canonical(table.types[c]!, r[col.name])))
        expect(actualRows).toEqual(expectedRows)
        rmSync(input)
        rmSync(out)
      }),
      { numRuns: 200, seed: 20240503 },
    )
  })

  it('writes a 0-row part for a header-only file', async () => {
    // Prepare
    const input = join(dir, 'header-only.csv')
    const out = join(dir, 'header-only.parquet')
    writeFileSync(input, 'id,name,amount\n')

    // Act
    const stats = await transformCsv(fileByteSource(input), localFilePartSink({ out }), { sourceName: input })
    const { columns, rows } = await readParquet(out)

    // Assess
    expect(stats).toMatchObject({ rowsIn: 0, rowsOut: 0, rowsRejected: 0 })
    expect(stats.parts).toEqual([expect.objectContaining({ key: out, rows: 0 })])
    expect(columns.map((c) => c.name)).toEqual(['id', 'name', 'amount'])
    expect(rows).toEqual([])
  })
})
