import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { BenchRun } from '../../bench/bench-types'
import { readRecordedRuns, recordRun, renderBenchmarksDoc } from '../../bench/results-doc'

const machine = { node: 'v22.23.5', cpu: 'a CPU', cores: 2, platform: 'linux x64' }

/** A run of the orders file with DuckDB and the sluice command. */
const run = (rows: number, commandSeconds: number): BenchRun => ({
  file: 'orders',
  rows,
  runs: 3,
  csvBytes: rows * 105,
  date: '2026-12-07',
  machine,
  results: [
    { name: 'duckdb', parquetBytes: rows * 21, rowsOut: rows, parts: 1, seconds: 2, cpuSeconds: 3, peakRssMb: 400 },
    { name: 'sluice-command', parquetBytes: rows * 15, rowsOut: rows, parts: 2, seconds: commandSeconds, cpuSeconds: 5, peakRssMb: 150 },
  ],
})

let dir: string | undefined
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }))

describe('the benchmarks page', () => {
  it('replaces the run of the same file and row count, and keeps the sections other benches record after the results', async () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'bench-doc-'))
    const page = join(dir, 'benchmarks.md')
    const others = '## Many small files\n\n<!-- small-files:begin -->\n| 100 | 3.69 |\n<!-- small-files:end -->\n'
    writeFileSync(page, `${renderBenchmarksDoc([run(1000, 9)])}\n${others}`)

    // Act
    await recordRun(page, run(1000, 3.5))
    await recordRun(page, run(2000, 7))

    // Assess
    const text = readFileSync(page, 'utf8')
    expect((await readRecordedRuns(page)).map((r) => [r.rows, r.results[1]!.seconds])).toEqual([[1000, 3.5], [2000, 7]])
    expect(text.endsWith(others)).toBe(true)
    expect(text.split('## Many small files')).toHaveLength(2)
    expect(text).toMatch(/\| sluice transform vs DuckDB, startup included \| ≥ 0\.5× \| 0\.571× \| pass \|/)
    expect(text).toMatch(/\| Peak RSS, sluice transform \| ≤ 160 MB \| 150 MB \| pass \|/)
  })
})
