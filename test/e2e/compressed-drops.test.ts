import { gzipSync, zstdCompressSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { createLake, type E2ELake } from '../support/e2e-lake'

/** `id,amount` rows `from`..`to` as CSV lines, without a header. */
const rows = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${from + i},${((from + i) * 7919) % 100000}\n`).join('')

describe('compressed files dropped into the raw zone', () => {
  let lake: E2ELake | undefined
  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('loads a .csv.zst of several frames and a .csv.gz whole, never split into ranges, and quarantines a cut-off .csv.zst naming it', async () => {
    // Prepare: the zstd file is two frames, as `cat a.zst b.zst` makes, and larger than a range.
    lake = await createLake({ seed: 'none' })
    const frames = Buffer.concat([zstdCompressSync(Buffer.from(`id,amount\n${rows(1, 3000)}`)), zstdCompressSync(Buffer.from(rows(3001, 6000)))])
    await lake.putRaw('events/frames.csv.zst', frames)
    await lake.putRaw('events/plain.csv.gz', gzipSync(`id,amount\n${rows(6001, 7000)}`))
    const whole = zstdCompressSync(Buffer.from(`id,amount\n${rows(7001, 9000)}`))
    await lake.putRaw('events/cut.csv.zst', whole.subarray(0, whole.length - 7))

    // Act
    const { report } = await lake.run(undefined, { settings: { splitBytes: 1024 } })
    const [counts] = await lake.query('SELECT count(*) AS n, count(DISTINCT id) AS ids, min(id) AS low, max(id) AS high FROM events')

    // Assess
    const outcome = Object.fromEntries(report.files.map((f) => [f.key, f]))
    expect(outcome['events/frames.csv.zst']).toMatchObject({ outcome: 'loaded', rowsIn: 6000, rowsOut: 6000, rowsRejected: 0 })
    expect(outcome['events/plain.csv.gz']).toMatchObject({ outcome: 'loaded', rowsIn: 1000, rowsOut: 1000, rowsRejected: 0 })
    expect(outcome['events/cut.csv.zst']).toMatchObject({ outcome: 'quarantined' })
    expect(outcome['events/cut.csv.zst']!.reason).toMatch(/^BinaryInputError.*events\/cut\.csv\.zst.*(corrupt|truncated)/)
    expect(counts).toEqual({ n: 7000, ids: 7000, low: 1, high: 7000 })
  })
})
