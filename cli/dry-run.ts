import { planStep } from '../functions/plan/plan-step'
import { headKey, type LedgerRecord } from '../functions/core/lake/ledger'
import type { ObjectStore } from '../functions/core/lake/object-store'
import type { PlannedFile } from '../functions/core/lake/plan-files'
import { DEFAULT_PLAN_SETTINGS, type LakeDeps } from '../functions/core/lake/step-deps'
import { formatTable } from './format-table'
import { newRunId } from './local/run-workflow'

/** One file a run would process, and why. */
export interface DryRunFile {
  dataset: string
  key: string
  why: string
}

export interface DryRun {
  files: DryRunFile[]
  /** Files whose current version is loaded already. */
  skipped: number
}

/** A zone that reads as the real one and writes nothing (the planner's sweep listing stays in memory). */
function readOnly(store: ObjectStore): ObjectStore {
  return {
    ...store,
    writeText: async () => {},
    delete: async () => {},
    copy: async () => {},
    upload: async () => ({ write: async () => {}, close: async () => {}, abort: async () => {} }),
    putTags: undefined,
  }
}

/**
 * What a run with this input would process, planned as its first Plan would, in one batch
 * without a size limit and without writing anything to the lake.
 */
export async function dryRun(deps: LakeDeps, input: unknown, now = new Date()): Promise<DryRun> {
  const lake = { ...deps, curated: readOnly(deps.curated) }
  const unbounded = { ...DEFAULT_PLAN_SETTINGS, batchSize: DEFAULT_PLAN_SETTINGS.maxFilesPerRun, maxBatchBytes: Number.POSITIVE_INFINITY }
  const planned = await planStep(lake, unbounded, { input, runId: newRunId(), startTime: now.toISOString() }, now)
  // A split file is one item per byte range; the closing item of a rebuild carries no file.
  const items = [...new Map(planned.items.filter((i) => i.key !== '').map((i) => [i.key, i])).values()]
  const files = await Promise.all(items.map(async (i) => ({ dataset: i.dataset, key: i.key, why: await whyPlanned(deps.curated, i) })))
  return { files, skipped: planned.skipped }
}

async function whyPlanned(curated: ObjectStore, item: PlannedFile): Promise<string> {
  if (item.retract) return 'gone from raw: its rows would be retracted'
  if (item.rebuild) return 'rebuilt under the current contract'
  const text = await curated.readText(headKey(item.dataset, item.fileId))
  const head = text ? (JSON.parse(text) as LedgerRecord) : undefined
  if (!head || head.state === 'retracted') return 'new'
  if (head.etag !== item.etag) return 'changed since it was loaded'
  if (head.state === 'failed') return 'failed before; tried again'
  return 'its last load did not finish, or it is loaded into a table generation swapped out since'
}

/** The dry run for a terminal: a line per file, then the counts. */
export function formatDryRun(run: DryRun): string {
  const datasets = new Set(run.files.map((f) => f.dataset)).size
  const table = run.files.length > 0 ? formatTable(['dataset', 'file', 'why'], run.files.map((f) => ({ dataset: f.dataset, file: f.key, why: f.why }))) : ''
  return `${table}dry run: ${run.files.length} file(s) of ${datasets} dataset(s) would be processed, ${run.skipped} already loaded and skipped; nothing was written\n`
}
