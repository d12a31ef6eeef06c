import { closedDays, compactionTodoKey, type CompactionTodo } from '../core/compaction/compaction-todo'
import type { CompactionSettings } from '../core/compaction/merge-plan'
import { rejectsTable } from '../core/lake/lake-layout'
import type { LakeDeps } from '../core/lake/step-deps'
import { compactorFor } from '../load/table-compactor'
import { metadataLocationOf } from '../core/table-format/iceberg/iceberg-table-input'
import type { CompactionOutcome } from '../load/compact-partition'
import { settlePendingSyncs } from '../load/iceberg-sync'

/** What the state machine passes to Compact. */
export interface CompactEvent {
  runId: string
  ingestDate: string
  /** At the end of a sweep: the closed partitions of every table, not a Load's hand-off. */
  closed?: boolean
}

/** What Compact returns: counts, never the partitions. */
export interface CompactResult {
  compacted: number
  busy: number
  partsBefore: number
  partsAfter: number
}

/** How many days before a sweep's ingest date count as closed and are compacted by it. */
export const CLOSED_DAYS = 2

/**
 * The Compact step, after each Load and never inside it: rewrites the partitions the Load's
 * commits marked for excision, and compacts a partition it published into once that holds
 * `openThreshold` parts. Its work is those partitions; a failure leaves the Load's hand-off for
 * the next Compact of the execution. With `closed`, at the end of a sweep: compacts the closed
 * partitions (the days before the run's) of every table that hold `partThreshold` parts or more.
 */
export async function compactStep(deps: Pick<LakeDeps, 'curated' | 'catalog' | 'database'>, event: CompactEvent, settings: CompactionSettings, clock: () => Date = () => new Date()): Promise<CompactResult> {
  // A sweep's end also mends the Iceberg snapshots a crashed Load left behind its ledger heads.
  if (event.closed) await settlePendingSyncs(deps, event.runId, clock())
  const outcomes = event.closed ? await compactClosed(deps, event.ingestDate, settings, clock) : await compactHandOff(deps, event.runId, settings, clock)
  return {
    compacted: outcomes.filter((o) => o.outcome === 'compacted').length,
    busy: outcomes.filter((o) => o.outcome === 'busy').length,
    partsBefore: outcomes.reduce((n, o) => n + o.partsBefore, 0),
    partsAfter: outcomes.reduce((n, o) => n + o.partsAfter, 0),
  }
}

async function compactHandOff(deps: Pick<LakeDeps, 'curated' | 'catalog' | 'database'>, runId: string, settings: CompactionSettings, clock: () => Date): Promise<CompactionOutcome[]> {
  const key = compactionTodoKey(runId)
  const text = await deps.curated.readText(key)
  if (text === undefined) return []
  const todo = JSON.parse(text) as CompactionTodo
  const outcomes: CompactionOutcome[] = []
  for (const dataset of [...new Set([...Object.keys(todo.excise), ...Object.keys(todo.written)])].sort()) {
    const format = todo.iceberg?.includes(dataset) ? 'iceberg' : todo.iceberg ? 'hive' : undefined
    const compactor = await compactorFor(deps, dataset, settings, clock, format)
    outcomes.push(...(await compactor.touched(todo.written[dataset] ?? [], todo.excise[dataset] ?? [])))
  }
  await deps.curated.delete([key])
  return outcomes
}

async function compactClosed(deps: Pick<LakeDeps, 'curated' | 'catalog' | 'database'>, ingestDate: string, settings: CompactionSettings, clock: () => Date): Promise<CompactionOutcome[]> {
  const days = closedDays(ingestDate, CLOSED_DAYS)
  const outcomes: CompactionOutcome[] = []
  const tables = await deps.catalog.listTables(deps.database)
  for (const table of tables.sort((a, b) => (a.Name < b.Name ? -1 : 1))) {
    const dataset = table.Name.endsWith(REJECTS_SUFFIX) ? table.Name.slice(0, -REJECTS_SUFFIX.length) : table.Name
    const compactor = await compactorFor(deps, dataset, settings, clock, metadataLocationOf(table) ? 'iceberg' : 'hive')
    outcomes.push(...(await compactor.closedDays(table, days)))
  }
  return outcomes
}

const REJECTS_SUFFIX = rejectsTable('')
