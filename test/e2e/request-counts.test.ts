import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localSiteStep } from '../../cli/site/local-site'
import { runLocally } from '../../cli/local-run'
import { DEFAULT_COMPACTION } from '../../functions/core/compaction/merge-plan'
import type { LakeDeps } from '../../functions/core/lake/step-deps'
import { countingCatalog, countingStore, type RequestCounts } from '../support/counting-store'
import { createLake, type E2ELake } from '../support/e2e-lake'
import { MERGE_MANIFESTS_AT } from '../../functions/core/table-format/iceberg/snapshot-plan'
import { realCatalog, tableFormatCatalog } from '../../functions/adapters/table-format-catalog'
import { tableFormatEnv } from '../../functions/adapters/env-config'
import { DEFAULT_TABLE_FORMAT } from '../../functions/core/table-format/table-format-setting'

/**
 * The request counts of docs/cost-model.md, checked against real runs through counting zones
 * and catalog, in a lake of 100 and one of 10,000 committed files. `SLUICE_WRITE_COST_TABLE=1`
 * writes the measured table into the doc instead of checking it.
 */
const DOC = fileURLToPath(new URL('../../docs/cost-model.md', import.meta.url))
/** The table of the lake's format: the suite runs for each (SLUICE_TABLE_FORMAT, else a new lake's). */
const FORMAT = (tableFormatEnv() ?? DEFAULT_TABLE_FORMAT) === 'iceberg' ? '-iceberg' : ''
const BEGIN = `<!-- request-counts${FORMAT}:begin -->`
const END = `<!-- request-counts${FORMAT}:end -->`

const DAY = 86_400_000
const SEEDED_ON = Date.UTC(2024, 0, 1, 6)
/** The day of the measured runs, long after the seeding: no closed partition but the compaction scenario's. */
const MEASURED_ON = new Date(Date.UTC(2024, 11, 1, 6))
const DATASETS = 10

const smallCsv = (i: number) => `id,name,amount,day\n${i},a${i},${i}.5,2024-05-01\n${i + 1},b${i},2.25,2024-05-02\n${i + 2},,7,2024-05-03\n`
const keyOf = (i: number) => `ds${i % DATASETS}/2024/05/file-${String(i).padStart(6, '0')}.csv`

/** What one run costs: S3 requests by kind (both zones), Glue requests, and state transitions. */
interface Cost {
  GET: number
  HEAD: number
  PUT: number
  COPY: number
  LIST: number
  DELETE: number
  Glue: number
  transitions: number
}

const S3_KIND: Record<string, keyof Cost> = {
  read: 'GET', readRange: 'GET', readText: 'GET', readVersioned: 'GET', head: 'HEAD', writeText: 'PUT', upload: 'PUT', putTags: 'PUT', copy: 'COPY', list: 'LIST', delete: 'DELETE',
}

function costOf(zones: RequestCounts[], catalog: RequestCounts, transitions: number): Cost {
  const cost: Cost = { GET: 0, HEAD: 0, PUT: 0, COPY: 0, LIST: 0, DELETE: 0, Glue: 0, transitions }
  for (const counts of zones) for (const [call, n] of Object.entries(counts)) cost[S3_KIND[call] ?? 'GET'] += n
  cost.Glue = Object.values(catalog).reduce((a, b) => a + b, 0)
  return cost
}

/**
 * A lake of `files` committed small files over ten datasets: a hundred on its first day (every
 * partition of that day holds ten parts, whatever the size of the lake), then up to a thousand a
 * day, each day loaded by a sweep.
 */
async function seededLake(files: number): Promise<E2ELake> {
  const lake = await createLake({ seed: 'none' })
  const site = localSiteStep(lake.deps, lake.dir)
  for (let day = 0, from = 0; from < files; day++) {
    const to = Math.min(files, day === 0 ? 100 : from + 1000)
    for (let i = from; i < to; i++) await lake.putRaw(keyOf(i), smallCsv(i))
    const { report, failure } = await lake.run(undefined, { startTime: new Date(SEEDED_ON + day * DAY), site })
    expect(failure).toBeUndefined()
    expect(report.totals).toMatchObject({ loaded: to - from, failed: 0 })
    from = to
  }
  return lake
}

/** One run through counting zones and catalog, the status site updated, its state transitions counted. */
async function countedRun(lake: E2ELake, input: unknown, startTime = MEASURED_ON, compaction = DEFAULT_COMPACTION): Promise<{ cost: Cost; loaded: number }> {
  const raw = countingStore(lake.deps.raw)
  const curated = countingStore(lake.deps.curated)
  // Counted where the requests leave: the catalog itself, under the routing to working definitions.
  const catalog = countingCatalog(realCatalog(lake.deps.catalog))
  const routed = tableFormatCatalog(catalog.store, curated.store, { raw: raw.store, lakeDefault: lake.deps.tableFormat })
  const deps: LakeDeps = { ...lake.deps, raw: raw.store, curated: curated.store, catalog: routed }
  let transitions = 0
  const { report, failure } = await runLocally(deps, input, { startTime, compaction, site: localSiteStep(deps, lake.dir), onStateEntered: () => void transitions++ })
  expect(failure).toBeUndefined()
  return { cost: costOf([raw.counts, curated.counts], catalog.counts, transitions), loaded: report.totals.loaded }
}

/** Keys under a prefix of a zone, for the listing pages a sweep pays. */
async function keysUnder(lake: E2ELake, zone: 'raw' | 'curated', prefix: string): Promise<number> {
  let n = 0
  for await (const _ of lake.deps[zone].list(prefix)) n++
  return n
}

const pages = (keys: number) => Math.max(1, Math.ceil(keys / 1000))

type Row = [operation: string, cost: Cost]

function table(rows: Row[]): string {
  const head = ['operation', 'S3 GET', 'S3 HEAD', 'S3 PUT', 'S3 COPY', 'S3 LIST', 'S3 DELETE', 'Glue', 'state transitions']
  const lines = [`| ${head.join(' | ')} |`, `| --- |${' ---: |'.repeat(head.length - 1)}`]
  for (const [op, c] of rows) lines.push(`| ${op} | ${[c.GET, c.HEAD, c.PUT, c.COPY, c.LIST, c.DELETE, c.Glue, c.transitions].join(' | ')} |`)
  return lines.join('\n')
}

describe('requests per drop, sweep and compaction (docs/cost-model.md)', () => {
  const lakes: Record<'small' | 'large', E2ELake> = {} as never
  const measured: Record<'small' | 'large', Row[]> = { small: [], large: [] }
  /** Keys of the raw zone and of the ledger before each sweep, by scenario. */
  const listings: Record<'small' | 'large', Record<number, { raw: number; ledger: number }>> = { small: {}, large: {} }
  const listed = async (size: 'small' | 'large', row: number) =>
    void (listings[size][row] = { raw: await keysUnder(lakes[size], 'raw', ''), ledger: await keysUnder(lakes[size], 'curated', '_ledger/') })

  beforeAll(async () => {
    lakes.small = await seededLake(100)
    lakes.large = await seededLake(10_000)
    for (const size of ['small', 'large'] as const) {
      const lake = lakes[size]
      const rows = measured[size]
      await lake.putRaw('ds3/2024/06/new.csv', smallCsv(900_000))
      const dropNew = await countedRun(lake, { trigger: 'object', key: 'ds3/2024/06/new.csv' })
      expect(dropNew.loaded).toBe(1)
      rows.push(['drop: a new file', dropNew.cost])
      const dropLoaded = await countedRun(lake, { trigger: 'object', key: keyOf(3) })
      expect(dropLoaded.loaded).toBe(0)
      rows.push(['drop: a file already loaded', dropLoaded.cost])
      await lake.deleteRaw(keyOf(13))
      rows.push(['drop: a deleted file (its rows retracted)', (await countedRun(lake, { trigger: 'object', key: keyOf(13) })).cost])
      await listed(size, rows.length)
      rows.push(['sweep: nothing to do', (await countedRun(lake, { trigger: 'schedule' })).cost])
      for (let d = 0; d < DATASETS; d++) await lake.putRaw(`ds${d}/2024/11/late.csv`, smallCsv(800_000 + d))
      await listed(size, rows.length)
      const sweepNew = await countedRun(lake, { trigger: 'schedule' })
      expect(sweepNew.loaded).toBe(DATASETS)
      rows.push(['sweep: 10 new files', sweepNew.cost])
      // The day after the first seeded day: its ten partitions of ten parts have closed.
      await listed(size, rows.length)
      const closing = await countedRun(lake, { trigger: 'schedule' }, new Date(SEEDED_ON + DAY), { ...DEFAULT_COMPACTION, partThreshold: 10 })
      rows.push(['sweep that compacts 10 closed partitions of 10 parts', closing.cost])
    }
  }, 1_500_000)

  afterAll(async () => {
    await Promise.all(Object.values(lakes).map((l) => l?.dispose()))
  })

  it('makes a drop cost the same in a lake of 100 and of 10,000 committed files', () => {
    const drops = (size: 'small' | 'large') => measured[size].filter(([op]) => op.startsWith('drop'))
    expect(drops('large').map(([op, c]) => [op, { ...c, GET: 0 }])).toEqual(drops('small').map(([op, c]) => [op, { ...c, GET: 0 }]))
    // An Iceberg commit reads its snapshot's manifests: at most MERGE_MANIFESTS_AT small ones per
    // table (then one per 10,000 files), so a larger lake's drop reads at most that many more.
    const extra = FORMAT ? 2 * MERGE_MANIFESTS_AT : 0
    drops('large').forEach(([op, c], i) => expect(c.GET - drops('small')[i]![1].GET, op).toBeLessThanOrEqual(extra))
    drops('large').forEach(([op, c], i) => expect(c.GET - drops('small')[i]![1].GET, op).toBeGreaterThanOrEqual(0))
  })

  it('makes a sweep cost more in a larger lake only by the pages of its two listings, once per execution', () => {
    for (const i of [3, 4, 5]) {
      const { small: s, large: l } = { small: listings.small[i]!, large: listings.large[i]! }
      const extraPages = pages(l.raw) + pages(l.ledger) - pages(s.raw) - pages(s.ledger)
      const [op, small] = measured.small[i]!
      const [, large] = measured.large[i]!
      // An Iceberg sweep's commits read up to MERGE_MANIFESTS_AT more manifests per table committed to.
      const manifests = FORMAT ? large.GET - small.GET : 0
      expect(manifests).toBeLessThanOrEqual(2 * MERGE_MANIFESTS_AT * DATASETS)
      expect({ op, ...large }).toEqual({ op, ...small, GET: small.GET + manifests, LIST: small.LIST + extraPages })
    }
  })

  it('matches the table of docs/cost-model.md', async () => {
    const text = table(measured.small)
    const doc = await readFile(DOC, 'utf8')
    const start = doc.indexOf(BEGIN)
    const end = doc.indexOf(END)
    if (process.env.SLUICE_WRITE_COST_TABLE === '1') {
      await writeFile(DOC, `${doc.slice(0, start + BEGIN.length)}\n${text}\n${doc.slice(end)}`)
      return
    }
    expect(doc.slice(start + BEGIN.length, end).trim()).toBe(text)
  })
})
