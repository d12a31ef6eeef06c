import { createHash } from 'node:crypto'
import type { CatalogColumn } from './catalog'
import { homeOf } from './partition-folders'
import { rebuildPrefix, tableBase } from './generation'
import { rejectsTable } from './lake-layout'
import { versionId } from './ledger'

/**
 * Where a widening keeps its state. A widening that must rewrite published parts builds a new
 * generation of the table (generation.ts) from the committed parts and swaps it in; its id is a
 * hash of the table version it began from and the columns it widens to, so every execution
 * that widens the same table version the same way (a retried Load, a rerun after a crash, a
 * concurrent execution) builds the same generation, under the same keys, and resumes it.
 */
export function widenGeneration(dataset: string, fromGeneration: string, version: string, columns: CatalogColumn[]): string {
  const signature = columns.map((c) => `${c.Name} ${c.Type}`).join('\n')
  return createHash('sha256').update(`widen\n${dataset}\n${fromGeneration}\n${version}\n${signature}`).digest('hex').slice(0, 12)
}

/** The widening's record: present from before its first part is written until it is finished. */
export const widenMarkerKey = (dataset: string, generation: string) => `${rebuildPrefix(dataset, generation)}widen.json`

/** A file version rewritten into a widened generation, waiting for its commit after the swap. */
export const widenedFileKey = (dataset: string, generation: string, fileId: string, etag: string) =>
  `${rebuildPrefix(dataset, generation)}${fileId}--${versionId(etag)}.widened.json`

export const isWidenedFileKey = (key: string) => key.endsWith('.widened.json')

/**
 * A committed part's key in another generation, under another publish: `<from base>/<partition
 * path>/<file id>-<old publish>-<n>.parquet` becomes `<to base>/<partition path>/<file id>-<new
 * publish>-<n>.parquet`. Undefined for a key outside `fromBase`.
 */
export function relocatedKey(key: string, fromBase: string, toBase: string, oldName: string, newName: string): string | undefined {
  if (!key.startsWith(`${fromBase}/`)) return undefined
  const rest = key.slice(fromBase.length + 1)
  const slash = rest.lastIndexOf('/')
  const file = rest.slice(slash + 1)
  if (!file.startsWith(`${oldName}-`)) return undefined
  return `${toBase}/${rest.slice(0, slash + 1)}${newName}${file.slice(oldName.length)}`
}

/**
 * Where a part of the dataset (or of its rejects table) in generation `from` goes in generation
 * `to`, named `name`: its partition's home folder there, whichever folder it is in now (a
 * compaction may have moved the partition, compaction-layout.ts). Undefined for a key outside
 * generation `from`.
 */
export function widenedPartKey(key: string, dataset: string, from: string, to: string, name: string): string | undefined {
  const home = homeOf(key)
  for (const table of [dataset, rejectsTable(dataset)]) {
    const base = `${tableBase(table, from)}/`
    if (!home.startsWith(base)) continue
    const rest = home.slice(base.length)
    // The first generation's base is the table's own folder, which holds the later ones too.
    if (from === '' && rest.startsWith('gen=')) return undefined
    return `${tableBase(table, to)}/${rest}${name}`
  }
  return undefined
}
