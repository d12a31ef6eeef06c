import { folderOf, homeInGeneration, homeOf } from '../core/compaction/compaction-layout'
import type { CompactionSettings } from '../core/compaction/merge-plan'
import type { ObjectStore } from '../core/lake/object-store'
import { rejectsTable } from '../core/lake/lake-layout'
import { INGEST_DATE } from '../core/lake/catalog'
import type { CompactionDeps } from './compaction-recovery'
import { compactPartition, type CompactionOutcome } from './compact-partition'
import { readLayout } from './partition-layout'

/**
 * Compacts the partitions a batch touched, as the Compact step does after a Load: each home the
 * batch's commits marked for excision (a file with rows in compacted parts was replaced or
 * retracted), and each home it published into whose folder now holds `openThreshold` parts.
 * Its work is the partitions the batch touched: it lists no dataset-wide prefix (a mark whose
 * Load crashed is taken up by the sweep that finishes its file again).
 */
export async function compactTouched(deps: CompactionDeps, dataset: string, written: string[], excised: string[], settings: CompactionSettings, clock: () => Date): Promise<CompactionOutcome[]> {
  const marked = new Set(excised)
  const full = new Set(await homesHolding(deps, written.filter((h) => !marked.has(h)), settings.openThreshold, async (home) => (await readLayout(deps.curated, dataset, home)).layout.location))
  const outcomes: CompactionOutcome[] = []
  for (const home of [...new Set([...written, ...marked])].sort()) {
    if (!marked.has(home) && !full.has(home)) continue
    let outcome = await compactPartition(deps, dataset, home, settings, clock)
    // Rows of a replaced file must not wait for the next load: a partition busy with another
    // compaction or publish is tried again once that is likely over.
    for (let attempt = 0; marked.has(home) && outcome.outcome === 'busy' && attempt < EXCISE_ATTEMPTS; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, EXCISE_PAUSE_MS))
      outcome = await compactPartition(deps, dataset, home, settings, clock)
    }
    outcomes.push(outcome)
  }
  return outcomes
}

/**
 * The homes among `homes` whose folder (`folderOf`: the home itself, or where a compaction
 * moved a Hive partition) holds at least `threshold` parts: one listing each.
 */
export async function homesHolding(deps: CompactionDeps, homes: string[], threshold: number, folderOf: (home: string) => Promise<string> = async (h) => h): Promise<string[]> {
  const found: string[] = []
  for (const home of [...new Set(homes)].sort()) if ((await countParts(deps, await folderOf(home))) >= threshold) found.push(home)
  return found
}

/**
 * Compacts the closed partitions of a table (those of the given ingest dates, which no run loads
 * into any more) whose home folder holds at least `partThreshold` parts: a listing of each day's
 * folder of the table, so its work is the parts of those days.
 */
export async function compactClosedDays(deps: CompactionDeps, dataset: string, tableBase: string, days: string[], settings: CompactionSettings, clock: () => Date): Promise<CompactionOutcome[]> {
  const outcomes: CompactionOutcome[] = []
  for (const home of await closedHomes(deps, tableBase, days, settings.partThreshold)) outcomes.push(await compactPartition(deps, dataset, home, settings, clock))
  return outcomes
}

/** The folders of the given ingest dates of a table (`tableBase`) holding at least `threshold` parts: a listing of each day's folder. */
export async function closedHomes(deps: CompactionDeps, tableBase: string, days: string[], threshold: number): Promise<string[]> {
  const homes: string[] = []
  for (const day of days) {
    const parts = new Map<string, number>()
    for await (const o of deps.curated.list(`${tableBase}/${INGEST_DATE}=${day}/`)) if (o.key.endsWith('.parquet')) parts.set(folderOf(o.key), (parts.get(folderOf(o.key)) ?? 0) + 1)
    for (const [home, count] of [...parts].sort()) if (count >= threshold) homes.push(home)
  }
  return homes
}

const EXCISE_ATTEMPTS = 50
const EXCISE_PAUSE_MS = 200

/** Every registered partition of a Hive dataset's table and rejects table. */
export async function compactHiveDataset(deps: CompactionDeps, dataset: string, settings: CompactionSettings, clock: () => Date): Promise<CompactionOutcome[]> {
  const outcomes: CompactionOutcome[] = []
  for (const table of [dataset, rejectsTable(dataset)]) {
    for (const p of await deps.catalog.listPartitions(deps.database, table)) {
      const prefix = curatedPrefix(deps, p.StorageDescriptor.Location)
      if (prefix === undefined) continue
      outcomes.push(await compactPartition(deps, dataset, homeOf(`${prefix}x`), settings, clock))
    }
  }
  return outcomes
}

async function countParts(deps: CompactionDeps, folder: string): Promise<number> {
  let n = 0
  for await (const o of deps.curated.list(folder)) if (folderOf(o.key) === folder && o.key.endsWith('.parquet')) n++
  return n
}

/** The curated key prefix of a catalog location in this zone, or undefined when it lies elsewhere. */
function curatedPrefix(deps: CompactionDeps, location: string): string | undefined {
  const root = deps.curated.location('')
  const normalized = location.replace(/\/?$/, '/')
  return normalized.startsWith(root) ? normalized.slice(root.length) : undefined
}

/**
 * Removes the compacted parts of a dataset (and of its rejects table) that lie in a generation
 * other than the live one: a swap (a widening, a reprocess) left them behind, and no partition
 * location points into them any more.
 */
export async function removeStaleCompacted(curated: ObjectStore, dataset: string, live: string): Promise<void> {
  for (const table of [dataset, rejectsTable(dataset)]) {
    const stale: string[] = []
    for await (const o of curated.list(`${table}/compacted/`)) if (!homeInGeneration(homeOf(o.key), table, live)) stale.push(o.key)
    await curated.delete(stale)
  }
}
