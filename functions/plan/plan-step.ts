import { InvalidInputError } from '../core/errors'
import { generationFor, generationOf, parseBuiltKey, rebuildPrefix } from '../core/lake/generation'
import { intentExpired, ledgerPrefix, parseLedgerKey, versionId, type LedgerRecord } from '../core/lake/ledger'
import { parseExciseMark } from '../core/compaction/compaction-layout'
import { contractKey, datasetOfKey, fileId, runReportKey } from '../core/lake/lake-layout'
import { parseWorkflowInput, planBatch, type PlannedFile, type PlanSources } from '../core/lake/plan-files'
import { shadowCatalog } from '../adapters/shadow-catalog'
import { failureCause, type RunReport } from '../core/lake/run-report'
import type { LakeDeps, PlanSettings } from '../core/lake/step-deps'
import type { ObjectInfo } from '../core/lake/object-store'
import type { PlannedBatch, TableColumns } from '../core/lake/workflow-types'

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
export async function planStep(deps: LakeDeps, settings: PlanSettings, event: PlanEvent, now = new Date()): Promise<PlannedBatch> {
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
    for await (const o of deps.raw.list('')) if (trigger.trigger === 'schedule' || datasetOfKey(o.key) === trigger.dataset) objects.push(o)
  }
  const reportText = await deps.curated.readText(runReportKey(event.runId))
  const report = reportText ? (JSON.parse(reportText) as RunReport) : undefined
  const reported = report?.files.length ?? 0
  const room = Math.max(0, settings.maxFilesPerRun - reported)
  const base = {
    runId: event.runId,
    trigger: trigger.trigger,
    ingestDate: event.startTime.slice(0, 10),
    startedAt: event.startTime,
    maxConcurrency: typeof requested === 'number' && requested >= 0 ? Math.floor(requested) : settings.maxConcurrency,
    reported,
    failed: (report?.totals.failed ?? 0) + (report?.totals.quarantined ?? 0),
    failedCause: report ? failureCause(report) : '',
  }

  if (trigger.trigger === 'reprocess') {
    const generation = generationFor(event.runId)
    const live = await deps.catalog.getTable(deps.database, trigger.dataset)
    if (generationOf(live) !== generation) {
      const batch = await rebuildBatch(deps, settings, trigger.dataset, generation, objects, report, room)
      return { ...base, ...batch, contracts: await contractsOf(deps, batch.items), tables: await shadowColumns(deps, trigger.dataset, generation) }
    }
    // Swapped in: what is left is a sweep of the dataset (files changed or added meanwhile).
  }

  const generations = await liveGenerations(deps, [...new Set(objects.flatMap((o) => datasetOfKey(o.key) ?? []))])
  const ledger = await readLedgerIndex(deps, now, generations, trigger.trigger === 'reprocess' ? trigger.dataset : undefined)
  const goneIds = trigger.trigger === 'object' ? missing.map((key) => fileId(key)) : unlisted(ledger, objects)
  const gone = settings.onDelete === 'retract' ? await goneFiles(deps, ledger, goneIds) : []
  // A version this run committed into a generation swapped out since is planned again.
  const doneInRun = new Set(
    (report?.files ?? []).filter((f) => !(COMMITTED.has(f.outcome) && ledger.stale.has(`${fileId(f.key)}--${versionId(f.etag)}`))).map((f) => `${f.key}\n${f.etag}`),
  )
  const batch = planBatch({
    objects, gone, committed: ledger.committed, intents: ledger.expired, quarantined: ledger.quarantined, stale: ledger.stale, doneInRun, ...settings, batchSize: Math.min(settings.batchSize, room),
  })

  const datasets = [...new Set(batch.items.filter((i) => !i.retract).map((i) => i.dataset))]
  const tables: Record<string, TableColumns> = {}
  await Promise.all(
    datasets.map(async (dataset) => {
      const table = await deps.catalog.getTable(deps.database, dataset)
      if (table) tables[dataset] = table.StorageDescriptor.Columns.map((c) => ({ name: c.Name, type: c.Type }))
    }),
  )
  return { ...base, items: batch.items, more: batch.more, pending: batch.pending, skipped: batch.skipped, contracts: await contractsOf(deps, batch.items), tables }
}

/** Outcomes after which a file's version is committed. */
const COMMITTED = new Set(['loaded', 'empty', 'skipped'])

/** Datasets of these items (retractions aside) that have a contract. */
async function contractsOf(deps: LakeDeps, items: PlannedFile[]): Promise<string[]> {
  const datasets = [...new Set(items.filter((i) => !i.retract).map((i) => i.dataset))]
  const found = await Promise.all(datasets.map(async (d) => ((await deps.raw.head(contractKey(d))) ? [d] : [])))
  return found.flat().sort()
}

/** The live generation of each dataset's table (generation.ts). */
async function liveGenerations(deps: LakeDeps, datasets: string[]): Promise<Map<string, string>> {
  const entries = await Promise.all(datasets.map(async (d) => [d, generationOf(await deps.catalog.getTable(deps.database, d))] as const))
  return new Map(entries)
}

/**
 * The next batch of a reprocess: the dataset's raw files not built into the generation yet, nor
 * reported by this run (a file that failed is not tried twice). The items of the final batch
 * are marked `last`, so that its Load swaps the generation in; when nothing is left to build,
 * one item without a file carries that mark.
 */
async function rebuildBatch(
  deps: LakeDeps, settings: PlanSettings, dataset: string, generation: string, objects: ObjectInfo[], report: RunReport | undefined, room: number,
): Promise<Pick<PlannedBatch, 'items' | 'more' | 'pending' | 'skipped'>> {
  const built = new Set<string>()
  for await (const o of deps.curated.list(rebuildPrefix(dataset, generation))) {
    const id = parseBuiltKey(o.key)
    if (id) built.add(id)
  }
  if (objects.length === 0 && built.size === 0) {
    throw new InvalidInputError(`reprocess: the raw zone holds no files of dataset ${dataset}; there is nothing to rebuild it from (\`sluice drop ${dataset}\` removes its table)`)
  }
  const doneInRun = new Set((report?.files ?? []).map((f) => `${f.key}\n${f.etag}`))
  const batch = planBatch({ objects, gone: [], committed: built, intents: new Set(), doneInRun, ...settings, batchSize: Math.min(settings.batchSize, room) })
  const rebuild = batch.more ? { generation } : { generation, last: true as const }
  const items: PlannedFile[] = batch.items.map((i) => ({ ...i, rebuild }))
  if (items.length === 0 && !batch.more) items.push({ key: '', etag: '', size: 0, dataset, fileId: '', retract: true, rebuild })
  return { items, more: batch.more, pending: batch.pending, skipped: 0 }
}

/** Columns of the generation being built, which the transform starts inference from. */
async function shadowColumns(deps: LakeDeps, dataset: string, generation: string): Promise<Record<string, TableColumns>> {
  const table = await shadowCatalog(deps.curated, dataset, generation).getTable(deps.database, dataset)
  return table ? { [dataset]: table.StorageDescriptor.Columns.map((c) => ({ name: c.Name, type: c.Type })) } : {}
}

interface LedgerIndex {
  /** `<file id>--<version id>` of every committed version. */
  committed: Set<string>
  /** Committed versions whose generation is not their table's live one: to load again. */
  stale: Set<string>
  /** File ids with an intent older than any publish can run: a crashed one to finish. */
  expired: Set<string>
  /** Index entry of each committed file id, or the quarantine record of one that only failed. */
  entries: Map<string, string>
  /** `<file id>--<version id>` of every quarantined version. */
  quarantined: Set<string>
}

async function readLedgerIndex(deps: LakeDeps, now: Date, generations: Map<string, string>, dataset?: string): Promise<LedgerIndex> {
  const index: LedgerIndex = { committed: new Set(), stale: new Set(), expired: new Set(), entries: new Map(), quarantined: new Set() }
  for await (const entry of deps.curated.list(dataset ? ledgerPrefix(dataset) : '_ledger/')) {
    if (entry.key.includes('/_rebuild/')) continue
    // A compaction's excise mark that outlived any Load: its file is finished again, and that
    // Load rewrites the partition without the replaced rows (compaction-layout.ts).
    const mark = parseExciseMark(entry.key)
    if (mark && intentExpired(mark.writtenAt, now)) index.expired.add(mark.fileId)
    const parsed = parseLedgerKey(entry.key)
    if (parsed?.kind === 'committed') {
      index.committed.add(`${parsed.fileId}--${parsed.version}`)
      // (A quarantine record listed first only stood in for an index entry.)
      index.entries.set(parsed.fileId, entry.key)
      const live = generations.get(entry.key.split('/')[1] ?? '')
      if (live !== undefined && live !== (parsed.generation ?? '')) index.stale.add(`${parsed.fileId}--${parsed.version}`)
    }
    if (parsed?.kind === 'quarantined') {
      index.quarantined.add(`${parsed.fileId}--${parsed.version}`)
      // A version that failed for good may have kept rejects: retracted too when its file goes.
      if (!index.entries.has(parsed.fileId)) index.entries.set(parsed.fileId, entry.key)
    }
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
