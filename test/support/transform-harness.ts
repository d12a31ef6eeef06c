import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import { transformCsvReference } from '../oracle/transform-csv-reference'
import type { TransformOptions, TransformStats } from '../../functions/core/transform/transform-types'
import { closeDuckDb, readParquet } from './duckdb-parquet'

/** The byte engine whole and in two ranges, and the reference engine it is checked against. */
export const ENGINES = [
  ['byte engine', transformCsv],
  ['byte engine in 2 ranges', (s, k, o) => transformCsv(s, k, { ...o, workers: 2 })],
  ['reference engine', transformCsvReference],
] as const satisfies readonly (readonly [string, typeof transformCsv])[]

/**
 * A suite's way to transform CSV text with an engine into a folder of its own, the Parquet read
 * back by DuckDB. Registers the folder's creation and removal with the suite's hooks; each case
 * gets its source name from `sourceName(n)`.
 */
export function transformHarness(prefix: string, sourceName: (n: number) => string) {
  let dir: string
  let cases = 0
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `sluice-${prefix}-`))
  })
  afterAll(async () => {
    await closeDuckDb()
    rmSync(dir, { recursive: true, force: true })
  })
  return async function transform(engine: typeof transformCsv, csv: string, options: Partial<TransformOptions> = {}) {
    cases += 1
    const input = join(dir, `input-${cases}.csv`)
    const outDir = join(dir, `out-${cases}`)
    writeFileSync(input, csv)
    mkdirSync(outDir)
    const out = join(outDir, 'data.parquet')
    const rejectsOut = join(outDir, 'rejects.parquet')
    const stats: TransformStats = await engine(fileByteSource(input), localFilePartSink({ out, rejects: rejectsOut }), { sourceName: sourceName(cases), ...options })
    // Ranges write a part each (data.parquet, data-1000.parquet), read in order.
    const parts = readdirSync(outDir).filter((f) => f.startsWith('data')).sort((a, b) => a.length - b.length || a.localeCompare(b)).map((f) => join(outDir, f))
    const { columns, rows } = await readParquet(parts)
    const rejects = stats.rowsRejected > 0 ? (await readParquet(rejectsOut)).rows : []
    return { stats, columns, rows, rejects }
  }
}
