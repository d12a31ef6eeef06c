import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { parseContract } from '../../functions/core/schema/contract'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import type { PartInfo } from '../../functions/core/parquet/part-sink'
import type { TransformOptions, TransformStats } from '../../functions/core/transform/transform-types'
import { closeDuckDb, parquetMetadata, readParquet, type ParquetColumn } from '../support/duckdb-parquet'

/**
 * Data-driven engine tests: every `test/fixtures/<case>.expected.json` names one input file
 * `<case>.<any extension>` and, optionally, a contract `<case>.contract.json`. Each case is
 * transformed into a fresh folder and every Parquet file written is read back with DuckDB.
 *
 * `<case>.expected.json`:
 *   description  what the engine does with this file (the test name)
 *   options      extra TransformOptions (codec, rejectThreshold, sampleRows, rowGroupBytes, partBytes)
 *   error        { name, message }: the transform fails with this error class; `message` is a
 *                substring, or a /regex/; nothing may be left in the output folder
 *   stats        subset of TransformStats (toMatchObject)
 *   columns      DuckDB columns of the data parts
 *   rows         every data row as readParquet returns it; absent means no data part is written.
 *                JSON has no NaN/Infinity: non-finite doubles compare as "NaN", "Infinity", "-Infinity"
 *   rejects      every rejects row; `line` as a number, `error_message` as a substring (optional);
 *                absent means no rejects part is written
 *   warnings     one substring per warning, in order; absent means no warnings
 *   parquet      { compression }: the codec of every column chunk of every file written
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))
const EXPECTED_SUFFIX = '.expected.json'
const CONTRACT_SUFFIX = '.contract.json'

/** Every rejects table has these columns, whatever the file. */
const REJECT_COLUMNS: ParquetColumn[] = [
  { name: 'source', type: 'VARCHAR' },
  { name: 'line', type: 'BIGINT' },
  { name: 'record', type: 'VARCHAR' },
  { name: 'error_code', type: 'VARCHAR' },
  { name: 'error_message', type: 'VARCHAR' },
  { name: 'column', type: 'VARCHAR' },
]

interface ExpectedReject {
  source: string
  line: number
  record: string
  error_code: string
  column: string | null
  error_message?: string
}

interface Expected {
  description: string
  options?: Omit<TransformOptions, 'sourceName' | 'contract'>
  error?: { name: string; message: string }
  stats?: Record<string, unknown>
  columns?: ParquetColumn[]
  rows?: Record<string, unknown>[]
  rejects?: ExpectedReject[]
  warnings?: string[]
  parquet?: { compression: string }
}

interface FixtureCase {
  name: string
  description: string
  input: string
  contract?: string
  expected: Expected
}

function loadCases(): FixtureCase[] {
  const files = readdirSync(FIXTURES).sort()
  return files
    .filter((f) => f.endsWith(EXPECTED_SUFFIX))
    .map((f) => {
      const name = f.slice(0, -EXPECTED_SUFFIX.length)
      const inputs = files.filter((g) => g.startsWith(`${name}.`) && !g.endsWith(EXPECTED_SUFFIX) && !g.endsWith(CONTRACT_SUFFIX))
      if (inputs.length !== 1) throw new Error(`fixture ${name}: needs exactly one input file, found [${inputs.join(', ')}]`)
      const contract = files.includes(`${name}${CONTRACT_SUFFIX}`) ? `${name}${CONTRACT_SUFFIX}` : undefined
      const expected = readJson(f) as Expected
      return { name, description: expected.description, input: inputs[0], contract, expected }
    })
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'))
}

type Outcome = { stats: TransformStats } | { error: Error }

/** Runs the whole act (contract parsing included) and captures a failure as a value. */
async function attempt(run: () => Promise<TransformStats>): Promise<Outcome> {
  try {
    return { stats: await run() }
  } catch (e) {
    return { error: e as Error }
  }
}

function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
}

function matchesMessage(pattern: string): unknown {
  const regex = /^\/(.*)\/([a-z]*)$/s.exec(pattern)
  return regex ? expect.stringMatching(new RegExp(regex[1], regex[2])) : expect.stringContaining(pattern)
}

/** JSON cannot hold non-finite doubles, so they are compared by name. */
function jsonSafe(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' && !Number.isFinite(v) ? String(v) : v]))
}

const keys = (parts: PartInfo[]) => parts.map((p) => p.key)
const totalRows = (parts: PartInfo[]) => parts.reduce((n, p) => n + p.rows, 0)

const outDirs: string[] = []

afterAll(async () => {
  await closeDuckDb()
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true })
})

describe('transformCsv on fixture files', () => {
  it.each(loadCases())('$name: $description', async ({ name, input, contract, expected }) => {
    // Prepare
    const inputPath = join(FIXTURES, input)
    const outDir = mkdtempSync(join(tmpdir(), `sluice-fixture-${name}-`))
    outDirs.push(outDir)
    const sink = localFilePartSink({ out: join(outDir, 'data.parquet') })

    // Act
    const outcome = await attempt(async () => {
      const parsed = contract === undefined ? undefined : parseContract(readJson(contract), contract)
      return transformCsv(fileByteSource(inputPath), sink, { ...expected.options, sourceName: input, contract: parsed })
    })

    // Assess
    if (expected.error) {
      expect('error' in outcome ? outcome.error : 'no error: the transform succeeded').toMatchObject({
        name: expected.error.name,
        message: matchesMessage(expected.error.message),
      })
      // Over the reject threshold only the rejects stay, to tell why; any other failure leaves nothing.
      expect(filesIn(outDir)).toEqual(expected.error.name === 'RejectThresholdError' ? ['data.rejects.parquet'] : [])
      return
    }
    if ('error' in outcome) throw outcome.error
    const { stats } = outcome
    // Soft assertions: a failing fixture reports every mismatch at once.
    const check = expect.soft

    check(stats).toMatchObject(expected.stats ?? {})
    check(stats.source).toBe(input)
    check(stats.rowsIn).toBe(stats.rowsOut + stats.rowsRejected)
    check(stats.bytesIn).toBe(statSync(inputPath).size)
    check(stats.warnings).toEqual((expected.warnings ?? []).map((w) => expect.stringContaining(w)))

    const written = [...stats.parts, ...stats.rejectParts]
    check(filesIn(outDir)).toEqual(keys(written).map((k) => basename(k)).sort())
    for (const part of written) check(statSync(part.key).size, part.key).toBe(part.bytes)
    check(stats.bytesOut).toBe(stats.parts.reduce((n, p) => n + p.bytes, 0))

    if (expected.rows === undefined) {
      check(stats.parts).toEqual([])
    } else {
      const data = stats.parts.length > 0 ? await readParquet(keys(stats.parts)) : { columns: [], rows: [] }
      check(stats.parts.length, 'data parts written').toBeGreaterThan(0)
      if (expected.columns) check(data.columns).toEqual(expected.columns)
      check(data.rows.map(jsonSafe)).toEqual(expected.rows)
      check(totalRows(stats.parts)).toBe(stats.rowsOut)
    }

    if (expected.rejects === undefined) {
      check(stats.rejectParts).toEqual([])
      check(stats.rowsRejected).toBe(0)
    } else {
      const rejects = stats.rejectParts.length > 0 ? await readParquet(keys(stats.rejectParts)) : { columns: REJECT_COLUMNS, rows: [] }
      check(rejects.columns).toEqual(REJECT_COLUMNS)
      check(rejects.rows.map((r) => ({ ...r, line: Number(r.line) }))).toEqual(
        expected.rejects.map((r) => ({
          ...r,
          error_message: r.error_message === undefined ? expect.any(String) : expect.stringContaining(r.error_message),
        })),
      )
      check(totalRows(stats.rejectParts)).toBe(stats.rowsRejected)
    }

    if (expected.parquet) {
      for (const key of keys(written)) {
        const meta = await parquetMetadata(key)
        check(meta.columns.map((c) => [c.name, c.compression]), key).toEqual(meta.columns.map((c) => [c.name, expected.parquet!.compression]))
      }
    }
  })
})
