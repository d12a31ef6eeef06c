import { afterEach, describe, expect, it } from 'vitest'
import { createLake, type E2ELake } from '../support/e2e-lake'

const FILES = 600
/** Every fifth file fails: every row has the wrong field count, or the file is binary. */
const failing = (i: number) => i % 5 === 0

/** A raw key of exactly 120 characters, numbered so that key order is file order. */
function longKey(i: number): string {
  const tail = `-${String(i).padStart(4, '0')}.csv`
  const head = 'events/'
  return head + 'daily-export-of-the-point-of-sale-terminals-'.padEnd(120 - head.length - tail.length, 'x') + tail
}

function content(i: number): string | Uint8Array {
  if (!failing(i)) return `event_id,store,amount\n${i},s${i % 7},${i}.50\n${i + 100000},s${i % 3},1.25\n`
  // Half the failures are binary, half have the wrong number of fields on every row.
  return i % 10 === 0 ? new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0, 0x01, 0x02]) : `event_id,store,amount\n${i},s1\n${i + 100000},s2\n`
}

describe('a batch of many files with long keys and many failures', () => {
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('ends in FilesFailed with every good file committed and queryable', { timeout: 600_000 }, async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    for (let i = 0; i < FILES; i += 1) await lake.putRaw(longKey(i), content(i))
    const good = Array.from({ length: FILES }, (_, i) => i).filter((i) => !failing(i))

    // Act
    const { report, failure } = await lake.run(undefined, { settings: { batchSize: FILES } })
    const rows = await lake.query('SELECT count(*) AS n, count(DISTINCT _sluice_source) AS files, sum(amount) AS amount FROM events')

    // Assess
    expect(failure?.error).toBe('FilesFailed')
    expect(report.totals).toMatchObject({ files: FILES, loaded: good.length, quarantined: FILES - good.length })
    expect(report.files.filter((f) => f.outcome === 'loaded').map((f) => f.key).sort()).toEqual(good.map(longKey))
    expect(rows).toEqual([{ n: 2 * good.length, files: good.length, amount: good.reduce((sum, i) => sum + i + 0.5 + 1.25, 0).toFixed(2) }])
  })
})
