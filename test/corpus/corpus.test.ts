import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { DEFAULT_NULL_TOKENS } from '../../functions/core/schema/contract'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import { closeDuckDb, duckQuery, readParquet, sqlString } from '../support/duckdb-parquet'

/**
 * Real CSV files from npm packages, converted by sluice and compared cell by cell with
 * DuckDB's reading of the same file (read_csv and its sniffer). Both readings are compared
 * as text, with numbers compared by value (DuckDB reads `2.50` as 2.5, sluice as a decimal).
 * Two documented differences are allowed, and only these:
 * - sluice's default null tokens (`NA`, `NULL`, …) load as null; DuckDB keeps them as text;
 * - sluice infers ISO 8601 timestamps only and keeps `2015/01/01 01:00:00` as written, which
 *   DuckDB reads as a timestamp: the text must name the same instant.
 */

const HERE = fileURLToPath(new URL('.', import.meta.url))
const FOLDERS = [join(HERE, 'vega-datasets'), join(HERE, '.cache', 'vega-datasets', 'data')]
const files = [...new Set(FOLDERS.filter(existsSync).flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.csv')).map((f) => join(d, f))))]
const byName = new Map(files.map((f) => [f.split('/').pop()!, f]))

const out = mkdtempSync(join(tmpdir(), 'sluice-corpus-'))
afterAll(async () => {
  await closeDuckDb()
  rmSync(out, { recursive: true, force: true })
})

/** One cell as text both readings agree on when they mean the same value. */
function canonical(value: unknown): string | null {
  if (value === null || value === undefined) return null
  const text = value instanceof Date ? value.toISOString() : String(value)
  const number = Number(text)
  if (text.trim() !== '' && Number.isFinite(number)) return String(number)
  const slashed = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text)
  if (slashed) return `${slashed[1]}-${slashed[2]}-${slashed[3]}T${slashed[4]}`
  return text.replace(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.0+)?Z$/, '$1')
}

describe('real-world CSV files read as DuckDB reads them', () => {
  it('has a corpus', () => {
    expect(byName.size).toBeGreaterThanOrEqual(15)
  })

  it.each([...byName.keys()].sort())('%s: every row and every cell', async (name) => {
    // Prepare
    const input = byName.get(name)!
    const target = join(out, `${name}.parquet`)

    // Act
    const stats = await transformCsv(fileByteSource(input), localFilePartSink({ out: target }), { sourceName: name, lineage: undefined })
    const ours = await readParquet(stats.parts.map((p) => p.key))
    const theirs = await duckQuery(`SELECT * FROM read_csv(${sqlString(input)})`)

    // Assess
    expect(stats.rowsRejected).toBe(0)
    expect(ours.rows.length).toBe(theirs.length)
    const theirNames = Object.keys(theirs[0] ?? {})
    const ourNames = ours.columns.map((c) => c.name).filter((n) => !n.startsWith('_sluice_'))
    expect(ourNames.length).toBe(theirNames.length)
    const mismatches: string[] = []
    ours.rows.forEach((row, i) => {
      ourNames.forEach((n, j) => {
        const a = canonical(row[n])
        const b = canonical(theirs[i][theirNames[j]])
        if (a === null && typeof b === 'string' && DEFAULT_NULL_TOKENS.includes(b)) return
        if (a !== b && mismatches.length < 5) mismatches.push(`row ${i + 1}, ${n}: sluice ${JSON.stringify(a)}, DuckDB ${JSON.stringify(b)}`)
      })
    })
    expect(mismatches).toEqual([])
  })
})
