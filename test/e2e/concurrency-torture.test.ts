import { afterEach, describe, expect, it } from 'vitest'
import { glueCatalog } from '../../functions/adapters/glue-catalog'
import { s3ObjectStore } from '../../functions/adapters/s3-object-store'
import type { LocalRunOutcome } from '../../cli/local-run'
import { createLake, type E2ELake, type Row } from '../support/e2e-lake'
import { startGlueServer, type GlueServer } from '../support/glue-server'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'
import { seededLatency, seededRandom } from '../support/latency'
import { startS3rver, type LocalS3 } from '../support/s3rver'

/**
 * Many executions at once over one dataset, through the real S3 and Glue adapters against
 * servers that enforce conditional writes and Glue's VersionId, with random latency on every
 * call: the end state must be the one a serial run gives.
 */

const BEFORE_MIDNIGHT = new Date('2024-07-01T23:59:59.000Z')
const AFTER_MIDNIGHT = new Date('2024-07-02T00:00:01.000Z')

/** The dataset: files that each add columns, and one file that changes while executions run. */
function files(): Record<string, string> {
  const rows = (from: number, n: number, extra: (i: number) => string[] = () => []) =>
    Array.from({ length: n }, (_, i) => [String(from + i), `${from + i}.25`, ...extra(from + i)].join(',')).join('\n')
  return {
    'events/base-0.csv': `id,amount\n${rows(100, 20)}\n`,
    'events/base-1.csv': `id,amount\n${rows(200, 20)}\n`,
    'events/region.csv': `id,amount,region\n${rows(300, 15, (i) => [`r${i % 4}`])}\n`,
    'events/score.csv': `id,amount,score\n${rows(400, 15, (i) => [String(i * 3)])}\n`,
    'events/flagged.csv': `id,amount,region,flag\n${rows(500, 15, (i) => [`r${i % 3}`, i % 2 ? 'true' : 'false'])}\n`,
    'events/late/day.csv': `id,amount,day\n${rows(600, 10, (i) => [`2024-06-${String(10 + (i % 9)).padStart(2, '0')}`])}\n`,
    'events/versioned.csv': `id,amount\n${rows(900, 5)}\n`,
  }
}

const VERSION_2 = 'id,amount,note\n950,1.50,second version\n951,2.50,second version\n'

/** Rows and columns as a user sees them, without the ingest date (it differs by run). */
async function userView(lake: E2ELake): Promise<{ columns: string[]; rows: Row[]; duplicates: Row[] }> {
  const columns = (await lake.query(`SELECT column_name, column_type FROM (DESCRIBE events) ORDER BY column_name`)).map((r) => `${r.column_name} ${r.column_type}`)
  const rows = await lake.query(`SELECT COLUMNS(c -> c NOT IN ('ingest_date', '_sluice_run_id')) FROM events ORDER BY id`)
  const duplicates = await lake.query('SELECT id, count(*) AS n FROM events GROUP BY id HAVING n > 1')
  return { columns, rows, duplicates }
}

/** The user view of one serial sweep over the files, with this version of the changing one. */
async function serialReference(versioned: string): Promise<Awaited<ReturnType<typeof userView>>> {
  const lake = await createLake({ seed: 'none' })
  try {
    for (const [key, text] of Object.entries({ ...files(), 'events/versioned.csv': versioned })) await lake.putRaw(key, text)
    const { failure } = await lake.run()
    if (failure) throw new Error(`reference run failed: ${failure.cause}`)
    return await userView(lake)
  } finally {
    await lake.dispose()
  }
}

/** Seeds to run: five in the suite; `SLUICE_TORTURE_SEEDS=<n>` runs n more for a measurement. */
const SEEDS = [11, 23, 37, 41, 59, ...Array.from({ length: Number(process.env.SLUICE_TORTURE_SEEDS ?? 0) }, (_, i) => 101 + i * 7)]

describe('executions racing over one dataset', () => {
  let s3: LocalS3 | undefined
  let glue: GlueServer | undefined
  let lake: E2ELake | undefined

  afterEach(async () => {
    await lake?.dispose()
    await s3?.stop()
    await glue?.stop()
    lake = s3 = glue = undefined
  })

  it.each(SEEDS)('ends in the serial result with seed %i: 12 executions, sweeps and drops, a file changing midway, both sides of midnight', async (seed) => {
    // Prepare
    const reference = { v1: await serialReference(files()['events/versioned.csv']!), v2: await serialReference(VERSION_2) }
    s3 = await startS3rver(['raw', 'curated'], { latency: seededLatency({ seed, maxMs: 12 }) })
    glue = await startGlueServer({ latency: seededLatency({ seed: seed + 1, maxMs: 12 }) })
    const raw = s3ObjectStore(s3.client, 'raw')
    const curated = s3ObjectStore(s3.client, 'curated')
    lake = await createLake({ seed: 'none', zones: { raw, curated, buckets: { raw, curated } }, catalog: glueCatalog(glue.client) })
    for (const [key, text] of Object.entries(files())) await lake.putRaw(key, text)
    const keys = Object.keys(files())
    const inputs: unknown[] = [
      ...keys.map((key) => ({ trigger: 'object', key })),
      { trigger: 'schedule' },
      { trigger: 'schedule' },
      { trigger: 'schedule' },
      { trigger: 'object', keys: ['events/versioned.csv', 'events/region.csv'] },
      { trigger: 'schedule' },
    ]
    const random = seededRandom(seed)
    const changeAfter = 1 + Math.floor(random() * 4)
    let planned = 0
    let changed: Promise<void> | undefined
    const current = lake

    // Act: every execution at once; the versioned file changes after some of them have planned.
    const runs: Promise<LocalRunOutcome>[] = inputs.map(async (input, i) => {
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 20)))
      return current.run(input, {
        startTime: i % 2 ? AFTER_MIDNIGHT : BEFORE_MIDNIGHT,
        wrap: (state, handler) =>
          state !== 'Plan'
            ? handler
            : async (event) => {
                const out = await handler(event)
                if (++planned === changeAfter) changed = current.putRaw('events/versioned.csv', VERSION_2)
                return out
              },
      })
    })
    const outcomes = await Promise.all(runs)
    await changed
    const racedView = await userView(lake)
    const raced = await lakeFindings(lake.deps, keys)
    // Which version of the changing file the races left committed: its serial result is the reference.
    const committedVersion = raced.stale.length === 0 ? 'v2' : 'v1'
    // Once any execution has loaded the second version, no older one may take its place.
    const v2Etag = (await lake.deps.raw.head('events/versioned.csv'))!.etag
    const loadedV2 = outcomes.some((o) => o.report.files.some((f) => f.key === 'events/versioned.csv' && f.etag === v2Etag && f.outcome === 'loaded'))
    // A version that arrived after every execution had planned is loaded by the next sweep.
    const settle = await lake.run({ trigger: 'schedule' }, { startTime: AFTER_MIDNIGHT })
    const view = await userView(lake)
    const findings = await lakeFindings(lake.deps, keys)

    // Assess
    expect(outcomes.map((o) => o.failure)).toEqual(outcomes.map(() => undefined))
    expect(raced.stale.filter((s) => !s.startsWith('events/versioned.csv:'))).toEqual([])
    expect({ ...raced, stale: [] }).toEqual(CONSISTENT)
    if (loadedV2) expect(committedVersion).toBe('v2')
    expect(racedView.duplicates).toEqual([])
    expect(racedView.rows).toEqual(reference[committedVersion].rows)
    expect(racedView.columns).toEqual(expect.arrayContaining(reference[committedVersion].columns))
    expect(settle.failure).toBeUndefined()
    expect(view.duplicates).toEqual([])
    expect(view.columns).toEqual(reference.v2.columns)
    expect(view.rows).toEqual(reference.v2.rows)
    expect(findings).toEqual(CONSISTENT)
    // Glue archives a version per schema change, never one per load.
    expect(glue.updates('sluice', 'events')).toBeLessThanOrEqual(reference.v2.columns.length)
  })
})
