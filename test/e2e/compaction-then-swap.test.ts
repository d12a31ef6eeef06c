import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_COMPACTION, type CompactionSettings } from '../../functions/core/compaction/merge-plan'
import { LINEAGE_SOURCE } from '../../functions/core/parquet/lineage'
import { compactDataset } from '../../functions/load/table-compactor'
import { createLake, START_TIME, type E2ELake } from '../support/e2e-lake'
import { csvColumn, exactSum, canonicalDecimal } from '../support/exact-sum'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'
import { liveParts } from '../support/live-parts'

/** sluice compacts Hive tables; an Iceberg table's compaction is still to come (docs/iceberg.md, What remains). */
const COMPACTED_FORMAT = 'hive'

/**
 * A table swapped to a new generation after a compaction merged its small parts: a widening
 * (a wider decimal arrives) and a reprocess. Each file's rows in the merged parts must come
 * along, once, and nothing of the old generation may stay behind.
 */

const NEVER: CompactionSettings = { ...DEFAULT_COMPACTION, partThreshold: Number.MAX_SAFE_INTEGER, openThreshold: Number.MAX_SAFE_INTEGER }
const at = (hours: number) => new Date(START_TIME.getTime() + hours * 3600 * 1000)

/** A small file of `rows` payments with two-decimal amounts; `wide` adds a third decimal place. */
function paymentsCsv(file: number, rows: number, wide = false): string {
  const lines = ['payment_id,amount']
  for (let i = 0; i < rows; i++) lines.push(`${file * 100 + i},${(file * 13 + i * 7) % 500}.${String((file + i) % 100).padStart(2, '0')}${wide ? String(i % 10) : ''}`)
  return `${lines.join('\n')}\n`
}

describe('a compacted table swapped to a new generation', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  async function compactedLake(files: number): Promise<{ lake: E2ELake; csvs: string[] }> {
    const l = await createLake({ seed: 'none', tableFormat: COMPACTED_FORMAT })
    const csvs: string[] = []
    for (let f = 0; f < files; f++) {
      csvs.push(paymentsCsv(f, 3))
      await l.putRaw(`payments/p-${String(f).padStart(3, '0')}.csv`, csvs[f])
    }
    await l.run(undefined, { compaction: NEVER, startTime: at(0) })
    const outcomes = await compactDataset(l.deps, 'payments', DEFAULT_COMPACTION, () => at(2))
    expect(outcomes.map((o) => [o.table, o.outcome, o.partsBefore, o.partsAfter])).toEqual([['payments', 'compacted', files, 1]])
    return { lake: l, csvs }
  }

  const totals = async () => (await lake!.query(`SELECT count(*)::INT AS n, sum(amount)::VARCHAR AS total, count(DISTINCT payment_id)::INT AS ids, count(DISTINCT ${LINEAGE_SOURCE})::INT AS files FROM payments`))[0]

  it('keeps every row of the merged parts when a wider decimal widens the table', async () => {
    // Prepare
    const built = await compactedLake(20)
    lake = built.lake
    const wide = paymentsCsv(50, 4, true)

    // Act
    await lake.putRaw('payments/p-wide.csv', wide)
    const outcome = await lake.run(undefined, { compaction: NEVER, startTime: at(3) })

    // Assess
    expect(outcome.report.files).toEqual([expect.objectContaining({ key: 'payments/p-wide.csv', outcome: 'loaded', rowsOut: 4 })])
    const all = [...built.csvs, wide]
    expect(await totals()).toEqual({ n: 64, total: expect.any(String), ids: 64, files: 21 })
    expect(canonicalDecimal(String((await totals())!['total']))).toBe(exactSum(csvColumn(all, 'amount')))
    const parts = await liveParts(lake.deps.catalog, lake.deps.database, 'payments', lake.deps.curated)
    expect(new Set(parts.map((p) => p.types['amount']))).toEqual(new Set(['decimal(29,9)']))
    // Nothing of the old generation is left: no merged part, no own part.
    expect((await lake.curatedKeys('payments/')).filter((k) => k.endsWith('.parquet') && !parts.some((p) => p.key === k))).toEqual([])
    expect(await lakeFindings(lake.deps, [...built.csvs.map((_, f) => `payments/p-${String(f).padStart(3, '0')}.csv`), 'payments/p-wide.csv'])).toEqual(CONSISTENT)
  })

  it('leaves no merged part of the old generation behind after a reprocess', async () => {
    // Prepare
    const built = await compactedLake(12)
    lake = built.lake
    const before = await totals()

    // Act
    await lake.run({ trigger: 'reprocess', dataset: 'payments' }, { compaction: NEVER, startTime: at(3) })

    // Assess
    expect(await totals()).toEqual(before)
    const parts = await liveParts(lake.deps.catalog, lake.deps.database, 'payments', lake.deps.curated)
    expect((await lake.curatedKeys('payments/')).filter((k) => k.endsWith('.parquet') && !parts.some((p) => p.key === k))).toEqual([])
    expect(await lakeFindings(lake.deps, built.csvs.map((_, f) => `payments/p-${String(f).padStart(3, '0')}.csv`))).toEqual(CONSISTENT)
  })
})
