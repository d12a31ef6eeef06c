import { parseLedgerKey, type LedgerRecord } from '../../functions/core/lake/ledger'
import type { LakeDeps } from '../../functions/core/lake/step-deps'

/** What is wrong with a lake's end state; every list empty means the lake is consistent. */
export interface LakeFindings {
  /** Committed (or failed) heads naming a curated object that does not exist. */
  dangling: string[]
  /** Parquet objects no committed or failed head names (in its outputs or, compacted, its shared parts): rows no ledger entry accounts for. */
  orphans: string[]
  /** Parquet objects named by more than one head. */
  shared: string[]
  /** Committed heads whose version is not the one the raw zone holds. */
  stale: string[]
  /** Raw data files with no committed head. */
  unloaded: string[]
  /** Parquet objects whose partition the catalog does not list. */
  unregistered: string[]
}

/**
 * Checks the ledger against the curated objects, the raw zone and the catalog: every Parquet
 * object belongs to exactly one committed head, every head names existing objects of the raw
 * zone's current version, and every object's partition is registered.
 */
export async function lakeFindings(deps: LakeDeps, rawKeys: string[]): Promise<LakeFindings> {
  const heads: LedgerRecord[] = []
  for await (const o of deps.curated.list('_ledger/')) {
    if (parseLedgerKey(o.key)?.kind !== 'head') continue
    const text = await deps.curated.readText(o.key)
    if (text) heads.push(JSON.parse(text) as LedgerRecord)
  }
  const committed = heads.filter((h) => h.state === 'committed')
  // A version that failed for good owns its rejects like a committed one owns its parts.
  const owning = heads.filter((h) => h.state !== 'retracted')
  const objects = new Set<string>()
  for await (const o of deps.curated.list('')) if (!o.key.startsWith('_') && o.key.endsWith('.parquet')) objects.add(o.key)
  const owners = new Map<string, number>()
  for (const h of owning) for (const k of h.outputs) owners.set(k, (owners.get(k) ?? 0) + 1)
  // A compacted part holds rows of several files, each head naming it among its shared parts.
  const sharers = new Set(committed.flatMap((h) => h.shared ?? []))

  const stale: string[] = []
  for (const h of owning) {
    const raw = await deps.raw.head(h.key)
    if (raw?.etag !== h.etag) stale.push(`${h.key}: ledger ${h.etag}, raw ${raw?.etag ?? 'gone'}`)
  }
  const loaded = new Set(committed.map((h) => h.key))
  const registered = new Set<string>()
  for (const table of await deps.catalog.listTables(deps.database)) {
    for (const p of await deps.catalog.listPartitions(deps.database, table.Name)) registered.add(p.StorageDescriptor.Location.replace(/\/?$/, '/'))
  }
  const partitionOf = (key: string) => deps.curated.location(key.slice(0, key.lastIndexOf('/') + 1))
  return {
    dangling: owning.flatMap((h) => [...h.outputs, ...(h.shared ?? [])].filter((k) => !objects.has(k)).map((k) => `${h.key} → ${k}`)),
    orphans: [...objects].filter((k) => !owners.has(k) && !sharers.has(k)),
    shared: [...owners].filter(([, n]) => n > 1).map(([k]) => k),
    stale,
    unloaded: rawKeys.filter((k) => !loaded.has(k)),
    unregistered: [...objects].filter((k) => !registered.has(partitionOf(k))),
  }
}

export const CONSISTENT: LakeFindings = { dangling: [], orphans: [], shared: [], stale: [], unloaded: [], unregistered: [] }
