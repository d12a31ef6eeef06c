import fc from 'fast-check'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import { transformCsvReference } from '../oracle/transform-csv-reference'
import { closeDuckDb, readParquet } from '../support/duckdb-parquet'

/**
 * Random tables written in each dialect feature sluice detects, read back through DuckDB:
 * every row comes back exactly, in order, and no two records ever merge (each row's id is
 * its position).
 */

const FEATURES = ['bareQuotes', 'mixedBreaks', 'preamble', 'trailing', 'backslash', 'spaces', 'headerless'] as const
type Feature = (typeof FEATURES)[number]

interface DialectTable {
  feature: Feature
  delimiter: string
  header: string[]
  /** Text cells; the id column (first) is the row's position, from 1. */
  rows: string[][]
}

/** Text that infers as a string: a letter first, then letters, spaces and punctuation. */
function textValue(feature: Feature, delimiter: string): fc.Arbitrary<string> {
  const unquoted = feature === 'bareQuotes'
  const chars = unquoted ? ['a', 'b', 'Z', 'é', ' ', '"', '!'] : ['a', 'b', 'Z', 'é', ' ', '"', ',', ';', '|', '\t', '\n', '!']
  return fc
    .tuple(fc.constantFrom('v', 'w', 'x'), fc.array(fc.constantFrom(...chars), { maxLength: 8 }), fc.constantFrom('a', 'z', '!'))
    .map(([first, rest, last]) => {
      const body = rest.join('')
      // Quoted values in a file with spaces around quotes are read trimmed: none starts or ends with a space.
      const value = `${first}${body}${last}`
      return unquoted ? value.replaceAll(delimiter, ' ') : value
    })
}

function dialectTable(): fc.Arbitrary<DialectTable> {
  return fc.constantFrom(...FEATURES).chain((feature) => {
    const delimiter = feature === 'bareQuotes' ? '\t' : feature === 'preamble' ? ';' : ','
    return fc.integer({ min: 1, max: 4 }).chain((texts) =>
      fc.record({
        feature: fc.constant(feature),
        delimiter: fc.constant(delimiter),
        header: fc.constant(['id', ...Array.from({ length: texts }, (_, j) => `t${j + 1}`)]),
        rows: fc
          .array(fc.array(textValue(feature, delimiter), { minLength: texts, maxLength: texts }), { minLength: 3, maxLength: 30 })
          .map((rows) => rows.map((r, i) => [String(i + 1), ...r])),
      }),
    )
  })
}

/** Writes the table in its feature's dialect. */
function write(t: DialectTable, pickBreak: () => string): string {
  const d = t.delimiter
  const quote = (v: string) => {
    switch (t.feature) {
      case 'bareQuotes':
        return v
      case 'backslash':
        return /["\n,;|\t]/.test(v) ? `"${v.replaceAll('"', '\\"')}"` : v
      case 'spaces':
        return ` "${v.replaceAll('"', '""')}" `
      default:
        return /["\n\r,;|\t]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v
    }
  }
  const lines: string[] = []
  if (t.feature === 'preamble') lines.push('Exported from ERP on 2024-01-01', '')
  if (t.feature !== 'headerless') lines.push(t.header.join(d))
  for (const row of t.rows) lines.push(row.map((v, j) => (j === 0 ? v : quote(v))).join(d) + (t.feature === 'trailing' ? d : ''))
  return lines.map((l) => l + (t.feature === 'mixedBreaks' ? pickBreak() : '\n')).join('')
}

let dir: string
let run = 0
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-dialect-'))
})
afterAll(async () => {
  await closeDuckDb()
  rmSync(dir, { recursive: true, force: true })
})

describe('random tables in every detected dialect feature', () => {
  it.each([
    ['the byte engine', transformCsv],
    ['the reference engine', transformCsvReference],
  ])('come back exactly through %s, one row per record', async (_, engine) => {
    await fc.assert(
      fc.asyncProperty(dialectTable(), fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 40, maxLength: 40 }), async (table, breaks) => {
        // Prepare
        run += 1
        let k = 0
        const input = join(dir, `t${run}.csv`)
        const out = join(dir, `t${run}.parquet`)
        writeFileSync(input, write(table, () => breaks[k++ % breaks.length]))

        // Act
        const stats = await engine(fileByteSource(input), localFilePartSink({ out }), { sourceName: input })
        const { columns, rows } = await readParquet(out)

        // Assess
        expect(stats.rowsRejected).toBe(0)
        expect(stats.rowsOut).toBe(table.rows.length)
        const names = table.feature === 'headerless' ? table.header.map((_, j) => `col_${j + 1}`) : table.header
        expect(columns.map((c) => c.name)).toEqual(names)
        expect(columns[0].type).toBe('BIGINT')
        expect(rows.map((r) => names.map((n) => String(r[n])))).toEqual(table.rows)
        rmSync(input)
        rmSync(out)
      }),
      { numRuns: 150, seed: 20261130 },
    )
  })
})
