import { tableBase } from './generation'
import type { LedgerRecord, PublishIntent } from './ledger'

/**
 * Orphan parts: Parquet objects of a table that no ledger head owns. A head owns the parts of
 * its version (`outputs`), the compacted parts holding some of its rows (`shared`), and the
 * parts of the version it replaced until they are removed (`replaced`); an intent owns the
 * parts its publish writes or left behind, which the workflow itself finishes or removes. Any
 * other part is read by every query of the table, but no commit, replacement or retraction will
 * ever remove it: a ledger deleted by hand leaves every part so, and a sweep that loaded the
 * files again would double every row.
 */
export interface OrphanReport {
  dataset: string
  /** Whether `_ledger/<dataset>/` holds nothing at all (it was deleted). */
  ledgerEmpty: boolean
  /** Tables of the dataset that exist in the catalog (the dataset's and its rejects table). */
  tables: string[]
  /** Orphan parts, in key order. */
  orphans: { key: string; size: number }[]
}

/**
 * The parts under the live generation of `table` among `objects` (a listing of `<table>/`):
 * Parquet objects only, and none of another generation's folder.
 */
export function tableParts<T extends { key: string }>(objects: T[], table: string, generation: string): T[] {
  const base = `${tableBase(table, generation)}/`
  return objects.filter((o) => o.key.startsWith(base) && o.key.endsWith('.parquet') && (generation !== '' || !o.key.slice(base.length).startsWith('gen=')))
}

/**
 * The parts among `parts` that none of `heads` and `intents` owns. `retired` are an Iceberg
 * table's parts that left the ledger but stay for the snapshots that hold them, until expiry,
 * and its merged data files (which hold rows of parts the heads name).
 */
export function orphanParts<T extends { key: string }>(parts: T[], heads: LedgerRecord[], intents: PublishIntent[], retired: string[] = []): T[] {
  const owned = new Set<string>(retired)
  for (const head of heads) for (const key of [...head.outputs, ...(head.shared ?? []), ...(head.replaced ?? [])]) owned.add(key)
  for (const intent of intents) for (const key of intent.outputs) owned.add(key)
  return parts.filter((p) => !owned.has(p.key)).sort((a, b) => (a.key < b.key ? -1 : 1))
}
