import { intentExpired, parseLedgerKey, type LedgerRecord } from '../core/ledger'
import { contractKey, fileId, runReportKey } from '../core/lake-layout'
import { parseWorkflowInput, planBatch, type PlanSources } from '../core/plan-files'
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
export async function planStep(deps: LakeDeps, settings: PlanSettings, event: PlanEvent, now = new Date()): Promise<PlanOutput> {
  const trigger = parseWorkflowInput(event.input)
  const requested = (event.input as { maxConcurrency?: unknown }).maxConcurrency
  const objects: ObjectInfo[] = []
  const missing: string[] = []
  if (trigger.trigger === 'object') {
    for (const key of trigger.keys) {
      const found = (await deps.raw.head(key)) ?? (await headDecoded(deps, key))
      if (found) objects.push(found)
      else missing.push(key)
    }
  } else {
    for await (const o of deps.raw.list('')) objects.push(o)
  }
  const ledger = await readLedgerIndex(deps, now)
  const goneIds = trigger.trigger === 'object' ? missing.map((key) => fileId(key)) : unlisted(ledger, objects)
  const gone = settings.onDelete === 'retract' ? await goneFiles(deps, ledger, goneIds) : []
  const reportText = await deps.curated.readText(runReportKey(event.runId))
  const report = reportText ? (JSON.parse(reportText) as RunReport) : undefined
  const doneInRun = new Set((report?.files ?? []).map((f) => `${f.key}\n${f.etag}`))
  const reported = report?.files.length ?? 0
  const room = Math.max(0, settings.maxFilesPerRun - reported)
  const batch = planBatch({ objects, gone, committed: ledger.committed, intents: ledger.expired, quarantined: ledger.quarantined, doneInRun, ...settings, batchSize: Math.min(settings.batchSize, room) })

  const datasets = [...new Set(batch.items.filter((i) => !i.retract).map((i) => i.dataset))]
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
    pending: batch.pending,
    skipped: batch.skipped,
    contracts: contracts.sort(),
    tables,
    maxConcurrency: typeof requested === 'number' && requested >= 0 ? Math.floor(requested) : settings.maxConcurrency,
    reported,
    failed: (report?.totals.failed ?? 0) + (report?.totals.quarantined ?? 0),
    failedCause: report ? failureCause(report) : '',
  }
}

interface LedgerIndex {
  /** `<file id>--<version id>` of every committed version. */
  committed: Set<string>
  /** File ids with an intent older than any publish can run: a crashed one to finish. */
  expired: Set<string>
  /** Index entry of each committed file id. */
  entries: Map<string, string>
  /** `<file id>--<version id>` of every quarantined version. */
  quarantined: Set<string>
}

async function readLedgerIndex(deps: LakeDeps, now: Date): Promise<LedgerIndex> {
  const index: LedgerIndex = { committed: new Set(), expired: new Set(), entries: new Map(), quarantined: new Set() }
  for await (const entry of deps.curated.list('_ledger/')) {
    const parsed = parseLedgerKey(entry.key)
    if (parsed?.kind === 'committed') {
      index.committed.add(`${parsed.fileId}--${parsed.version}`)
      index.entries.set(parsed.fileId, entry.key)
    }
    if (parsed?.kind === 'quarantined') index.quarantined.add(`${parsed.fileId}--${parsed.version}`)
    // A young intent of a committed file is a live publish's, or a trace of one already cleaned
    // up: only an expired one needs the file finished again.
    if (parsed?.kind === 'intent' && intentExpired(parsed.writtenAt, now)) index.expired.add(parsed.fileId)
  }
  return index
}

/** Committed file ids that a sweep's listing of the raw zone no longer holds. */
function unlisted(ledger: LedgerIndex, objects: ObjectInfo[]): string[] {
  const present = new Set(objects.map((o) => fileId(o.key)))
  return [...ledger.entries.keys()].filter((id) => !present.has(id))
}

/** The committed files among these ids, read from their index entries: their raw key is gone. */
async function goneFiles(deps: LakeDeps, ledger: LedgerIndex, ids: string[]): Promise<PlanSources['gone']> {
  const gone: PlanSources['gone'] = []
  for (const id of ids) {
    const entry = ledger.entries.get(id)
    const text = entry && (await deps.curated.readText(entry))
    if (!text) continue
    const record = JSON.parse(text) as LedgerRecord
    gone.push({ key: record.key, dataset: record.dataset, fileId: record.fileId })
  }
  return gone
}
