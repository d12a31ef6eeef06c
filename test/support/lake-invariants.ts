import { parseLedgerKey, type LedgerRecord } from '../../functions/core/lake/ledger'
import type { LakeDeps } from '../../functions/core/lake/step-deps'
import { currentTableFiles } from '../../functions/adapters/iceberg-commit'
import { keyOfLocation } from '../../functions/adapters/zone-locations'
import { metadataLocationOf } from '../../functions/core/table-format/iceberg/iceberg-table-input'
import type { RetiredParts } from '../../functions/core/table-format/iceberg/lake-tables'
import { isMergedDataFile } from '../../functions/core/table-format/iceberg/merged-files'
import { readMergedFile } from '../../functions/load/iceberg-merges'

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
  /**
   * Parquet objects whose partition the catalog does not list; of an Iceberg table, the parts
   * its current snapshot and the heads disagree on (either way).
   */
  unregistered: string[]
}

/**
 * Checks the ledger against the curated objects, the raw zone and the catalog: every Parquet
 * object belongs to exactly one committed head, every head names existing objects of the raw
 * zone's current version, and every object's partition is registered. An Iceberg table's current
 * snapshot must hold exactly the parts its heads own; its retired parts (awaiting expiry) are not
 * counted.
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
  // An Iceberg table's retired parts wait for expiry: no head owns them, no query reads them.
  const retired = new Set<string>()
  for await (const o of deps.curated.list('_iceberg/')) {
    if (!o.key.includes('/retired/')) continue
    for (const k of (JSON.parse((await deps.curated.readText(o.key)) ?? '{"keys":[]}') as RetiredParts).keys) retired.add(k)
  }
  const objects = new Set<string>()
  for await (const o of deps.curated.list('')) if (!o.key.startsWith('_') && o.key.endsWith('.parquet') && !retired.has(o.key)) objects.add(o.key)
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
  // Iceberg tables by name, with the parts their current snapshots hold.
  const snapshots = new Map<string, Set<string>>()
  // Merged data files of current snapshots, and the parts whose rows each holds.
  const merged = new Set<string>()
  const compacted = new Set<string>()
  for (const table of await deps.catalog.listTables(deps.database)) {
    if (metadataLocationOf(table)) {
      const current = await currentTableFiles({ store: deps.curated, catalog: deps.catalog, database: deps.database }, table.Name)
      const held = new Set<string>()
      for (const f of current?.files ?? []) {
        const key = keyOfLocation(deps.curated, f.path)
        if (!isMergedDataFile(key)) {
          held.add(key)
          continue
        }
        merged.add(key)
        const record = await readMergedFile(deps.curated, table.Name, key)
        if (!record) throw new Error(`merged data file ${key} has no record`)
        for (const m of record.members) {
          held.add(m.part)
          compacted.add(m.part)
        }
      }
      snapshots.set(table.Name, held)
      continue
    }
    for (const p of await deps.catalog.listPartitions(deps.database, table.Name)) registered.add(p.StorageDescriptor.Location.replace(/\/?$/, '/'))
  }
  const partitionOf = (key: string) => deps.curated.location(key.slice(0, key.lastIndexOf('/') + 1))
  const isRegistered = (key: string) => merged.has(key) || (snapshots.get(key.slice(0, key.indexOf('/')))?.has(key) ?? registered.has(partitionOf(key)))
  const unsynced = [...snapshots.values()].flatMap((held) => [...held].filter((k) => !owners.has(k)).map((k) => `${k} (in the snapshot, owned by no head)`))
  return {
    // A part whose rows an Iceberg compaction merged may be gone once its snapshots expired.
    dangling: owning.flatMap((h) => [...h.outputs, ...(h.shared ?? [])].filter((k) => !objects.has(k) && !compacted.has(k)).map((k) => `${h.key} → ${k}`)),
    orphans: [...objects].filter((k) => !owners.has(k) && !sharers.has(k) && !merged.has(k)),
    shared: [...owners].filter(([, n]) => n > 1).map(([k]) => k),
    stale,
    unloaded: rawKeys.filter((k) => !loaded.has(k)),
    unregistered: [...[...objects].filter((k) => !isRegistered(k)), ...unsynced],
  }
}

export const CONSISTENT: LakeFindings = { dangling: [], orphans: [], shared: [], stale: [], unloaded: [], unregistered: [] }
