import { afterEach, describe, expect, it } from 'vitest'
import { createLake, type E2ELake } from '../support/e2e-lake'
import { canonicalDecimal, csvColumn, exactSum } from '../support/exact-sum'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'
import { liveParts, transformingBlind } from '../support/live-parts'

/** Hive's widening rules: an Iceberg table promotes a decimal's precision in metadata (iceberg-schema-changes.test.ts). */
const TESTED_FORMAT = 'hive'

/**
 * A time series of 30 daily files whose readings print 1 to 9 decimal places, arriving a few
 * at a time. Each file is transformed in the types of its own values (as if the table were unknown),
 * so every scale the series shows reaches the Load: the table keeps one column per source
 * column, and rewrites happen only when a day brings a wider scale than the table has.
 */

const FILES = 30
/** Files per load: a few days at first, then backlogs. */
const BATCHES = [1, 1, 2, 3, 5, 8, 10]
const batchOf = (files: { scale: number }[], load: number) => files.slice(BATCHES.slice(0, load).reduce((a, b) => a + b, 0), BATCHES.slice(0, load + 1).reduce((a, b) => a + b, 0))

/** A small deterministic generator (mulberry32), so the series is the same at every run. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function series(): { key: string; csv: string; scale: number }[] {
  const next = random(8)
  return Array.from({ length: FILES }, (_, day) => {
    const scale = 1 + Math.floor(next() * 9)
    const rows = Array.from({ length: 24 }, (_, hour) => {
      const whole = Math.floor(next() * 1000) - 200
      const fraction = String(Math.floor(next() * 10 ** scale)).padStart(scale, '0')
      const value = whole < 0 ? `-${-whole}.${fraction}` : `${whole}.${fraction}`
      return `2024-05-${String(day + 1).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z,st-${hour % 3},${value}`
    })
    return { key: `series/day-${String(day + 1).padStart(2, '0')}.csv`, csv: `observed_at,station,value\n${rows.join('\n')}\n`, scale }
  })
}

describe('a time series with varying decimal scales', () => {
  let lake: E2ELake | undefined
  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('keeps one column per source column, with a rewrite only when a day brings a wider scale', { timeout: 600_000 }, async () => {
    // Prepare
    const files = series()
    lake = await createLake({ seed: 'none', tableFormat: TESTED_FORMAT })
    let rewrites = 0

    // Act
    for (let load = 0; load < BATCHES.length; load++) {
      const batch = batchOf(files, load) as typeof files
      for (const f of batch) await lake.putRaw(f.key, f.csv)
      const run = await lake.run(undefined, { startTime: new Date(Date.UTC(2024, 5, load + 1, 6)), wrap: transformingBlind })
      expect(run.failure).toBeUndefined()
      expect(run.report.totals).toMatchObject({ loaded: batch.length })
      // One widening per load at most: the files that needed it each say so.
      if (run.report.files.some((f) => f.warnings?.some((w) => /^column value widened .* were rewritten/.test(w)))) rewrites += 1
    }
    const table = await lake.deps.catalog.getTable('sluice', 'series')
    const columns = table!.StorageDescriptor.Columns.map((c) => c.Name)
    const declared = table!.StorageDescriptor.Columns.find((c) => c.Name === 'value')!.Type
    const [total] = await lake.query('SELECT count(*) AS n, CAST(sum(value) AS VARCHAR) AS s FROM series')
    const types = new Set((await liveParts(lake.deps.catalog, 'sluice', 'series', lake.deps.curated)).map((p) => p.types.value))

    // Assess
    expect(columns).toEqual(['observed_at', 'station', 'value', '_sluice_source', '_sluice_run_id'])
    expect(Number(total.n)).toBe(FILES * 24)
    expect(canonicalDecimal(String(total.s))).toBe(exactSum(csvColumn(files.map((f) => f.csv), 'value')))
    expect([...types]).toEqual([declared])
    // The first widening of the decimal goes to decimal(29,9), which 9 places fit: no second.
    expect(rewrites).toBe(1)
    expect(declared).toBe('decimal(29,9)')
    expect(await lakeFindings(lake.deps, files.map((f) => f.key))).toEqual(CONSISTENT)
  })

  it('keeps one column and one __string variant when the days also hold a few text values, each transformed knowing the table', { timeout: 600_000 }, async () => {
    // Prepare: every fifth day has one reading that is not a number.
    const files = series().map((f, day) => (day % 5 === 2 ? { ...f, csv: f.csv.replace(/,st-1,[^\n]+\n/, day % 10 === 2 ? ',st-1,--\n' : ',st-1,n/a\n') } : f))
    const texts = files.flatMap((f) => csvColumn([f.csv], 'value').filter((v) => !/^-?\d+\.\d+$/.test(v)))
    lake = await createLake({ seed: 'none', tableFormat: TESTED_FORMAT })
    let rewrites = 0

    // Act: the plain workflow, whose Transform reads the table's types
    for (let load = 0; load < BATCHES.length; load++) {
      const batch = batchOf(files, load) as typeof files
      for (const f of batch) await lake.putRaw(f.key, f.csv)
      const run = await lake.run(undefined, { startTime: new Date(Date.UTC(2024, 5, load + 1, 6)) })
      expect(run.failure).toBeUndefined()
      if (run.report.files.some((f) => f.warnings?.some((w) => /column value widened .* were rewritten/.test(w)))) rewrites += 1
    }
    const table = await lake.deps.catalog.getTable('sluice', 'series')
    const [total] = await lake.query('SELECT count(*) AS n, count(value) AS numbers, count(value__string) AS texts, CAST(sum(value) AS VARCHAR) AS s FROM series')
    const types = new Set((await liveParts(lake.deps.catalog, 'sluice', 'series', lake.deps.curated)).map((p) => p.types.value))

    // Assess
    expect(texts.length).toBe(6)
    expect(table!.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(['observed_at', 'station', 'value', '_sluice_source', '_sluice_run_id', 'value__string'])
    expect(total).toMatchObject({ n: FILES * 24, numbers: FILES * 24 - texts.length, texts: texts.length })
    const numbers = csvColumn(files.map((f) => f.csv), 'value').filter((v) => /^-?\d+\.\d+$/.test(v))
    expect(canonicalDecimal(String(total.s))).toBe(exactSum(numbers))
    expect(types.size).toBe(1)
    expect(rewrites).toBeLessThanOrEqual(2)
    expect(await lakeFindings(lake.deps, files.map((f) => f.key))).toEqual(CONSISTENT)
  })
})
