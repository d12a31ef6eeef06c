import { afterEach, describe, expect, it } from 'vitest'
import { parseAthenaType } from '../../functions/core/schema/athena-types'
import { readableAs } from '../../functions/core/schema/type-widening'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { createLake, type E2ELake, type RunOptions } from '../support/e2e-lake'
import { canonicalDecimal } from '../support/exact-sum'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'
import { liveParts, transformingBlind } from '../support/live-parts'
import { prng } from '../support/prng'

/**
 * A table's life of 200 daily files whose numbers grow: `value` starts as integers, then
 * prints 1 to 6 decimal places with 1 to 11 integer digits; `rate` prints 1 to 14 places; `n`
 * counts past 2^31. Loaded through the workflow a few files at first, then backlogs of 24,
 * each Transform knowing the table, or each file typed alone (as a Plan that read the catalog
 * before another Load widened it). However the scales and digits step, a column's parts are
 * rewritten at most twice, and every value reads back as the CSV printed it.
 */

const FILES = 200
const ROWS = 4
/** Files per load: daily at first, then backlogs (each load's files share one ingest date). */
const BATCHES = [1, 1, 2, 4, 8, 16, 24, 24, 24, 24, 24, 24, 24]
const COLUMNS = ['value', 'rate', 'n'] as const

interface Day {
  key: string
  csv: string
  rows: { id: string; value: string; rate: string; n: string }[]
}

/** Random digits, the first not a zero. */
const digits = (next: () => number, count: number) => Array.from({ length: count }, (_, i) => String(Math.floor(next() * (i === 0 ? 9 : 10)) + (i === 0 ? 1 : 0))).join('')
const fraction = (next: () => number, count: number) => Array.from({ length: count }, () => String(Math.floor(next() * 10))).join('')

function series(): Day[] {
  const next = prng(20)
  return Array.from({ length: FILES }, (_, day) => {
    const places = Math.floor((day * 7) / FILES)
    const whole = 1 + Math.floor((day * 11) / FILES)
    const ratePlaces = Math.min(14, 1 + Math.floor(day / 10))
    const rows = Array.from({ length: ROWS }, (_, r) => {
      const sign = next() < 0.3 ? '-' : ''
      const value = places === 0 ? `${sign}${digits(next, whole)}` : `${sign}${digits(next, whole)}.${fraction(next, places)}`
      const rate = `${Math.floor(next() * 100)}.${fraction(next, ratePlaces)}`
      const n = String(Math.floor(10 ** (1 + (day * 9) / (FILES - 1))) + r)
      return { id: String(day * ROWS + r), value, rate, n }
    })
    const csv = `id,value,rate,n\n${rows.map((r) => `${r.id},${r.value},${r.rate},${r.n}`).join('\n')}\n`
    return { key: `gauge/day-${String(day + 1).padStart(3, '0')}.csv`, csv, rows }
  })
}

/** The curated zone, counting the data parts of table `gauge` written whole (a publish copies them). */
function countingRewrites(curated: ObjectStore): { store: ObjectStore; take: () => string[] } {
  let written: string[] = []
  const store: ObjectStore = {
    ...curated,
    async upload(key) {
      if (key.startsWith('gauge/') && key.endsWith('.parquet')) written.push(key)
      return curated.upload(key)
    },
  }
  return { store, take: () => [written, (written = [])][0] }
}

const typesOf = async (lake: E2ELake) => new Map((await lake.deps.catalog.getTable('sluice', 'gauge'))?.StorageDescriptor.Columns.map((c) => [c.Name, c.Type]) ?? [])

describe.each<[string, RunOptions['wrap']]>([
  ['each Transform knowing the table', undefined],
  ['each file typed by its own values, the Load joining them', transformingBlind],
])('a table whose numbers keep growing (%s)', (_, wrap) => {
  let lake: E2ELake | undefined
  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('rewrites each column’s parts at most twice over 200 files, and reads back every value as written', { timeout: 600_000 }, async () => {
    // Prepare
    const days = series()
    lake = await createLake({ seed: 'none' })
    const counting = countingRewrites(lake.deps.curated)
    const rewrites = new Map<string, number>(COLUMNS.map((c) => [c, 0]))
    const typeChanges: string[] = []
    const stray: string[] = []

    // Act
    let loaded = 0
    for (const [load, size] of BATCHES.entries()) {
      const batch = days.slice(loaded, loaded + size)
      for (const d of batch) await lake.putRaw(d.key, d.csv)
      const before = await typesOf(lake)
      const run = await lake.run(undefined, { startTime: new Date(Date.UTC(2024, 0, load + 1, 6)), wrap, deps: { ...lake.deps, curated: counting.store } })
      expect(run.failure).toBeUndefined()
      expect(run.report.totals).toMatchObject({ loaded: batch.length })
      const after = await typesOf(lake)
      const parts = counting.take()
      // A column whose type changed so that the parts written before cannot be read under it.
      const widened = COLUMNS.filter((c) => before.has(c) && !readableAs(parseAthenaType(before.get(c)!)!, parseAthenaType(after.get(c)!)!))
      for (const c of COLUMNS) if (before.has(c) && before.get(c) !== after.get(c)) typeChanges.push(`${c}: ${before.get(c)} -> ${after.get(c)}`)
      if (parts.length > 0 && widened.length === 0) stray.push(...parts)
      // Every part loaded before this run is rewritten once by its widening.
      if (widened.length > 0) expect(parts.length).toBe(loaded)
      for (const c of widened) rewrites.set(c, rewrites.get(c)! + 1)
      loaded += size
    }
    const rows = await lake.query(`SELECT _sluice_source AS source, CAST(id AS VARCHAR) AS id, CAST(value AS VARCHAR) AS value, CAST(rate AS VARCHAR) AS rate, CAST(n AS VARCHAR) AS n FROM gauge ORDER BY id::BIGINT`)
    const types = await typesOf(lake)
    const partTypes = new Set((await liveParts(lake.deps.catalog, 'sluice', 'gauge', lake.deps.curated)).map((p) => COLUMNS.map((c) => p.types[c]).join(' ')))

    // Assess
    expect(loaded).toBe(FILES)
    expect(stray).toEqual([])
    expect(Object.fromEntries(rewrites)).toEqual({ value: 1, rate: 2, n: 0 })
    expect(typeChanges).toEqual(['value: bigint -> decimal(29,9)', 'rate: decimal(18,2) -> decimal(29,9)', 'rate: decimal(29,9) -> decimal(38,18)'])
    expect([...partTypes]).toEqual([COLUMNS.map((c) => types.get(c)).join(' ')])
    const written = days.flatMap((d) => d.rows.map((r) => ({ source: d.key, id: r.id, value: canonicalDecimal(r.value), rate: canonicalDecimal(r.rate), n: r.n })))
    expect(rows.map((r) => ({ ...r, value: canonicalDecimal(String(r.value)), rate: canonicalDecimal(String(r.rate)) }))).toEqual(written)
    expect(await lakeFindings(lake.deps, days.map((d) => d.key))).toEqual(CONSISTENT)
  })
})
