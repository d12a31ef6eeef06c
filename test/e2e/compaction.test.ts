import { cp } from 'node:fs/promises'
import { parquetReadObjects } from 'hyparquet'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_COMPACTION, type CompactionSettings } from '../../functions/core/compaction/merge-plan'
import { LINEAGE_SOURCE } from '../../functions/core/lineage'
import type { Catalog } from '../../functions/core/catalog'
import type { ObjectStore } from '../../functions/core/object-store'
import type { LakeDeps } from '../../functions/core/step-deps'
import { compactDataset } from '../../functions/load/compact-dataset'
import { localLake } from '../../cli/local/local-lake'
import { createLake, START_TIME, type E2ELake } from '../support/e2e-lake'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'

/** Never compacts after a load: the tests compact when they choose. */
const NEVER: CompactionSettings = { ...DEFAULT_COMPACTION, partThreshold: Number.MAX_SAFE_INTEGER }
const LATER = () => new Date(START_TIME.getTime() + 2 * 60 * 60 * 1000)

/** A small CSV of `rows` events with ids from `first`: decimals, timestamps and text. */
function eventsCsv(first: number, rows: number): string {
  const lines = ['event_id,amount_eur,happened_at,note']
  for (let i = 0; i < rows; i++) {
    const id = first + i
    lines.push(`${id},${(id * 37) % 1000}.${String(id % 100).padStart(2, '0')},2024-06-${String(1 + (id % 28)).padStart(2, '0')}T${String(id % 24).padStart(2, '0')}:15:30.123456Z,note ${id}`)
  }
  return `${lines.join('\n')}\n`
}

const TOTALS = `SELECT count(*) AS n, sum(amount_eur) AS total, count(DISTINCT event_id) AS ids, count(DISTINCT ${LINEAGE_SOURCE}) AS files, min(happened_at) AS first, max(happened_at) AS last FROM events`

async function partKeys(lake: E2ELake, table = 'events'): Promise<string[]> {
  const keys: string[] = []
  for (const p of await lake.deps.catalog.listPartitions(lake.deps.database, table)) {
    const prefix = p.StorageDescriptor.Location.slice(lake.deps.curated.location('').length)
    for (const k of await lake.curatedKeys(prefix)) if (k.endsWith('.parquet') && k.lastIndexOf('/') === prefix.length - 1) keys.push(k)
  }
  return keys
}

async function rawKeys(lake: E2ELake): Promise<string[]> {
  const keys: string[] = []
  for await (const o of lake.deps.raw.list('events/')) keys.push(o.key)
  return keys
}

async function seedEvents(lake: E2ELake, files: number, rows = 3): Promise<void> {
  for (let f = 0; f < files; f++) await lake.putRaw(`events/e-${String(f).padStart(3, '0')}.csv`, eventsCsv(f * 1000, rows))
}

describe('compaction', () => {
  const lakes: E2ELake[] = []
  const newLake = async () => {
    const lake = await createLake({ seed: 'none' })
    lakes.push(lake)
    return lake
  }

  afterEach(async () => {
    await Promise.all(lakes.splice(0).map((l) => l.dispose()))
  })

  it('merges the parts of 200 small files into one, keeping every row, sum, id and the order of each file', async () => {
    // Prepare
    const lake = await newLake()
    await seedEvents(lake, 200)
    await lake.run(undefined, { compaction: NEVER })
    const before = { totals: await lake.query(TOTALS), snapshot: await lake.snapshot(), parts: await partKeys(lake) }

    // Act
    const outcomes = await compactDataset(lake.deps, 'events', DEFAULT_COMPACTION, LATER)

    // Assess
    const after = await partKeys(lake)
    expect(before.parts).toHaveLength(200)
    expect(outcomes.map((o) => [o.table, o.outcome, o.partsBefore, o.partsAfter])).toEqual([['events', 'compacted', 200, 1]])
    expect(after).toHaveLength(1)
    expect(await lake.query(TOTALS)).toEqual(before.totals)
    expect(before.totals[0]).toMatchObject({ n: 600, ids: 600, files: 200 })
    expect(await lake.snapshot()).toEqual(before.snapshot)
    const rows = (await parquetReadObjects({ file: await partBuffer(lake.deps.curated, after[0]!) })) as Record<string, unknown>[]
    const bySource = new Map<string, Record<string, unknown>[]>()
    for (const r of rows) bySource.set(r[LINEAGE_SOURCE] as string, [...(bySource.get(r[LINEAGE_SOURCE] as string) ?? []), r])
    expect(bySource.size).toBe(200)
    for (const [, ofFile] of bySource) expect(ofFile.map((r) => Number(r['event_id']))).toEqual(ofFile.map((r) => Number(r['event_id'])).sort((a, b) => a - b))
    expect(await lakeFindings(lake.deps, await rawKeys(lake))).toEqual(CONSISTENT)
  })
})

async function partBuffer(store: ObjectStore, key: string): Promise<ArrayBuffer> {
  const chunks: Uint8Array[] = []
  for await (const c of store.read(key)) chunks.push(c)
  const bytes = Buffer.concat(chunks)
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

export type { Catalog, LakeDeps }
export { cp, localLake }
