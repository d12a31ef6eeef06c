import { InvalidInputError } from '../core/errors'
import { generationFor, generationOf, parseBuiltKey, rebuildPrefix } from '../core/lake/generation'
import { versionId } from '../core/lake/ledger'
import { indexOfScan, ledgerOfKeys, scanLedger } from './ledger-index'
import { assertLedgerKept } from './ledger-guard'
import { sweepListing, sweepManifestKey } from './sweep-manifest'
import { contractKey, datasetOfKey, fileId, runReportKey } from '../core/lake/lake-layout'
import { parseWorkflowInput, planBatch, requestedConcurrency, type PlannedFile } from '../core/lake/plan-files'
import { shadowCatalog } from '../adapters/shadow-catalog'
import { failureCause, type RunReport } from '../core/lake/run-report'
import type { LakeDeps, PlanSettings } from '../core/lake/step-deps'
import { carriedFailures } from '../core/lake/successor'
import type { ObjectInfo } from '../core/lake/object-store'
import type { TableInput } from '../core/lake/catalog'
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
  const requested = requestedConcurrency(event.input)
  const objects: ObjectInfo[] = []
  const missing: string[] = []
  let sweep: Awaited<ReturnType<typeof sweepListing>> | undefined
  if (trigger.trigger === 'object') {
    for (const key of trigger.keys) {
      const found = (await deps.raw.head(key)) ?? (await headDecoded(deps, key))
      if (found) objects.push(found)
      else missing.push(key)
    }
  } else if (trigger.trigger === 'schedule') {
    // A sweep lists the raw zone and the ledger once per execution (sweep-manifest.ts).
    sweep = await sweepListing(deps.raw, deps.curated, event.runId, now)
    // A loop, not a spread: a raw zone of 120,000 keys or more would overflow the stack.
    for (const o of sweep.objects) objects.push(o)
  } else {
    for await (const o of deps.raw.list('')) if (datasetOfKey(o.key) === trigger.dataset) objects.push(o)
  }
  const reportText = await deps.curated.readText(runReportKey(event.runId))
  const report = reportText ? (JSON.parse(reportText) as RunReport) : undefined
  if (report && report.startedAt !== event.startTime) {
    // Another execution of that name (e.g. of a state machine deployed again) owns the report
    // and the staging area: sharing them would mix two runs' files.
    throw new InvalidInputError(`plan: run id ${event.runId} was used by an execution started at ${report.startedAt} (its report is ${runReportKey(event.runId)}); start this one under another name`)
  }
  const reported = report?.files.length ?? 0
  // Versions this run reported, or that failed earlier in its chain of executions, are not
  // planned again in it: every turn plans only files new to the execution, so it ends.
  const failedBefore = await carriedFailures(deps.curated, event.runId)
  const room = Math.max(0, settings.maxFilesPerRun - reported)
  const base = {
    runId: event.runId,
    trigger: trigger.trigger,
    ingestDate: event.startTime.slice(0, 10),
    startedAt: event.startTime,
    maxConcurrency: requested ?? settings.maxConcurrency,
    reported,
    failed: (report?.totals.failed ?? 0) + (report?.totals.quarantined ?? 0),
    failedCause: report ? failureCause(report) : '',
  }

  if (trigger.trigger === 'reprocess') {
    const generation = generationFor(event.runId)
    const live = await deps.catalog.getTable(deps.database, trigger.dataset)
    if (generationOf(live) !== generation) {
      const batch = await rebuildBatch(deps, settings, trigger.dataset, generation, objects, report, room, failedBefore)
      return { ...base, ...batch, excise: {}, contracts: await contractsOf(deps, batch.items), tables: await shadowColumns(deps, trigger.dataset, generation) }
    }
    // Swapped in: what is left is a sweep of the dataset (files changed or added meanwhile).
  }

  const live = await liveTables(deps, [...new Set(objects.flatMap((o) => datasetOfKey(o.key) ?? []))])
  if (sweep?.fresh) await assertLedgerKept(deps.curated, live, sweep.ledger)
  const generations = new Map([...live].map(([d, t]) => [d, generationOf(t)]))
  // A drop reads the heads of its own keys; a sweep (or a reprocess of a swapped-in table) lists.
  const ledger =
    trigger.trigger === 'object'
      ? await ledgerOfKeys(deps.curated, objects, settings.onDelete === 'retract' ? missing : [], generations)
      : sweep
        ? await indexOfScan(deps.curated, sweep.ledger, generations, objects, sweep.fresh)
        : await indexOfScan(deps.curated, await scanLedger(deps.curated, now, trigger.trigger === 'reprocess' ? trigger.dataset : undefined), generations, objects)
  const gone = settings.onDelete === 'retract' ? ledger.gone : []
  // A version this run committed into a generation swapped out since is planned again. A
  // sweep's listing predates every commit of its execution, so it cannot tell: such a version
  // is loaded again by the next sweep, which lists the ledger anew.
  const swappedOut = (key: string, etag: string) => !sweep && ledger.stale.has(`${fileId(key)}--${versionId(etag)}`)
  const doneInRun = new Set([...failedBefore, ...(report?.files ?? []).filter((f) => !(COMMITTED.has(f.outcome) && swappedOut(f.key, f.etag))).map((f) => `${f.key}\n${f.etag}`)])
  const batch = planBatch({
    objects, gone, committed: ledger.committed, intents: ledger.expired, quarantined: ledger.quarantined, stale: ledger.stale, doneInRun, ...settings, batchSize: Math.min(settings.batchSize, room),
  })
  // The execution plans nothing more (it ends, or hands the rest to a successor that lists anew).
  if (sweep && batch.items.length === 0) await deps.curated.delete([sweepManifestKey(event.runId)])

  const tables: Record<string, TableColumns> = {}
  for (const dataset of new Set(batch.items.filter((i) => !i.retract).map((i) => i.dataset))) {
    const table = live.get(dataset)
    if (table) tables[dataset] = table.StorageDescriptor.Columns.map((c) => ({ name: c.Name, type: c.Type }))
  }
  return { ...base, items: batch.items, more: batch.more, pending: batch.pending, skipped: batch.skipped, excise: ledger.excise, contracts: await contractsOf(deps, batch.items), tables }
}

/** Outcomes after which a file's version is committed. */
const COMMITTED = new Set(['loaded', 'empty', 'skipped'])

/** Datasets of these items (retractions aside) that have a contract. */
async function contractsOf(deps: LakeDeps, items: PlannedFile[]): Promise<string[]> {
  const datasets = [...new Set(items.filter((i) => !i.retract).map((i) => i.dataset))]
  const found = await Promise.all(datasets.map(async (d) => ((await deps.raw.head(contractKey(d))) ? [d] : [])))
  return found.flat().sort()
}

/** Each dataset's table as the catalog holds it now (undefined before its first load). */
async function liveTables(deps: LakeDeps, datasets: string[]): Promise<Map<string, TableInput | undefined>> {
  const entries = await Promise.all(datasets.map(async (d) => [d, await deps.catalog.getTable(deps.database, d)] as const))
  return new Map(entries)
}

/**
 * The next batch of a reprocess: the dataset's raw files not built into the generation yet, nor
 * reported by this run (a file that failed is not tried twice). A file quarantined in the
 * rebuild counts as built: its rejects are in the generation, and the swap commits it as failed.
 * The items of the final batch are marked `last`, so that its Load swaps the generation in;
 * when nothing is left to build, one item without a file carries that mark. A file that failed
 * for a reason a retry may change (storage, timeouts) is not built, and the generation would
 * miss its rows: such a rebuild is not swapped in, the table stays as it was, whole, and the
 * execution ends with its failures.
 */
async function rebuildBatch(
  deps: LakeDeps, settings: PlanSettings, dataset: string, generation: string, objects: ObjectInfo[], report: RunReport | undefined, room: number, failedBefore: string[],
): Promise<Pick<PlannedBatch, 'items' | 'more' | 'pending' | 'skipped'>> {
  const built = new Set<string>()
  for await (const o of deps.curated.list(rebuildPrefix(dataset, generation))) {
    const id = parseBuiltKey(o.key)
    if (id) built.add(id)
  }
  if (objects.length === 0 && built.size === 0) {
    throw new InvalidInputError(`reprocess: the raw zone holds no files of dataset ${dataset}; there is nothing to rebuild it from (\`sluice drop ${dataset}\` removes its table)`)
  }
  const doneInRun = new Set([...failedBefore, ...(report?.files ?? []).map((f) => `${f.key}\n${f.etag}`)])
  const unbuilt = objects.some((o) => doneInRun.has(`${o.key}\n${o.etag}`) && !built.has(`${fileId(o.key)}--${versionId(o.etag)}`))
  const batch = planBatch({ objects, gone: [], committed: built, intents: new Set(), doneInRun, ...settings, batchSize: Math.min(settings.batchSize, room) })
  const rebuild = batch.more || unbuilt ? { generation } : { generation, last: true as const }
  const items: PlannedFile[] = batch.items.map((i) => ({ ...i, rebuild }))
  // With nothing left to build, the closing item swaps in what was built (every file's rejects,
  // when every file was quarantined), once; the swapped-in table ends the rebuild.
  if (items.length === 0 && !batch.more && !unbuilt && built.size > 0) items.push({ key: '', etag: '', size: 0, dataset, fileId: '', retract: true, rebuild })
  return { items, more: batch.more, pending: batch.pending, skipped: 0 }
}

/** Columns of the generation being built, which the transform starts inference from. */
async function shadowColumns(deps: LakeDeps, dataset: string, generation: string): Promise<Record<string, TableColumns>> {
  const table = await shadowCatalog(deps.curated, dataset, generation).getTable(deps.database, dataset)
  return table ? { [dataset]: table.StorageDescriptor.Columns.map((c) => ({ name: c.Name, type: c.Type })) } : {}
}
