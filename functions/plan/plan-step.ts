import { parseLedgerKey } from '../core/ledger'
import { contractKey, runReportKey } from '../core/lake-layout'
import { parseWorkflowInput, planBatch } from '../core/plan-files'
import { failureCause, type RunReport } from '../core/run-report'
import type { LakeDeps, PlanSettings } from '../core/step-deps'
import type { ObjectInfo } from '../core/object-store'
import type { PlanOutput, TableColumns } from '../core/workflow-types'

/**
 * S3 event notifications URL-encode object keys (a space as `+`). When the key as given is
 * not there, the decoded key is tried.
 */
async function headDecoded(deps: LakeDeps, key: string): Promise<ObjectInfo | undefined> {
  let decoded: string
  try {
    decoded = decodeURIComponent(key.replace(/\+/g, ' '))
  } catch {
    return undefined
  }
  return decoded === key ? undefined : deps.raw.head(decoded)
}

/** What the state machine passes to Plan. */
export interface PlanEvent {
  input: unknown
  runId: string
  startTime: string
}

/**
 * Plans the next batch: lists the raw zone (or takes the dropped key), drops versions the
 * ledger has committed and files that failed earlier in this run, and resolves each batch
 * dataset's contract and current table columns.
 */
export async function planStep(deps: LakeDeps, settings: PlanSettings, event: PlanEvent): Promise<PlanOutput> {
  const trigger = parseWorkflowInput(event.input)
  const requested = (event.input as { maxConcurrency?: unknown }).maxConcurrency
  const objects: ObjectInfo[] = []
  if (trigger.trigger === 'object') {
    const found = (await deps.raw.head(trigger.key)) ?? (await headDecoded(deps, trigger.key))
    if (found) objects.push(found)
  } else {
    for await (const o of deps.raw.list('')) objects.push(o)
  }
  const committed = new Set<string>()
  const intents = new Set<string>()
  for await (const entry of deps.curated.list('_ledger/')) {
    const parsed = parseLedgerKey(entry.key)
    if (parsed?.kind === 'committed') committed.add(`${parsed.fileId}--${parsed.version}`)
    if (parsed?.kind === 'intent') intents.add(parsed.fileId)
  }
  const reportText = await deps.curated.readText(runReportKey(event.runId))
  const report = reportText ? (JSON.parse(reportText) as RunReport) : undefined
  const failedInRun = new Set((report?.files ?? []).filter((f) => f.outcome === 'failed').map((f) => f.key))
  const reported = report?.files.length ?? 0
  const room = Math.max(0, settings.maxFilesPerRun - reported)
  const batch = planBatch({ objects, committed, intents, failedInRun, ...settings, batchSize: Math.min(settings.batchSize, room) })

  const datasets = [...new Set(batch.items.map((i) => i.dataset))]
  const contracts: string[] = []
  const tables: Record<string, TableColumns> = {}
  await Promise.all(
    datasets.map(async (dataset) => {
      if (await deps.raw.head(contractKey(dataset))) contracts.push(dataset)
      const table = await deps.catalog.getTable(deps.database, dataset)
      if (table) tables[dataset] = table.StorageDescriptor.Columns.map((c) => ({ name: c.Name, type: c.Type }))
    }),
  )
  return {
    runId: event.runId,
    trigger: trigger.trigger,
    ingestDate: event.startTime.slice(0, 10),
    startedAt: event.startTime,
    items: batch.items,
    more: batch.more,
    skipped: batch.skipped,
    contracts: contracts.sort(),
    tables,
    maxConcurrency: typeof requested === 'number' && requested >= 0 ? Math.floor(requested) : settings.maxConcurrency,
    reported,
    failed: report?.totals.failed ?? 0,
    failedCause: report ? failureCause(report) : '',
  }
}
