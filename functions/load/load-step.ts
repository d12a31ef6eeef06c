import { INGEST_DATE, parquetPartition } from '../core/catalog'
import { fileId, partitionPrefix, rejectsTable, runReportKey, stagedResultKey, stagingPrefix } from '../core/lake-layout'
import { quarantineKey } from '../core/ledger'
import { failureFacts, isQuarantined, type QuarantineRecord } from '../core/quarantine'
import { mergeRunReport, type FileReport, type RunReport } from '../core/run-report'
import type { LakeDeps } from '../core/step-deps'
import type { FailedResult, LoadEvent, LoadOutput, RetractResult, TransformResult } from '../core/workflow-types'
import { commitFile, partitionOf, publishFile, retractFile, type CommitOutcome, type StagedFile } from './publish-file'
import { commitSchema } from './commit-schema'

/** Load works on the curated zone and the catalog; of the raw zone it only heads keys. */
export type LoadDeps = Omit<LakeDeps, 'raw'> & { raw: Pick<LakeDeps['raw'], 'head'> }

/**
 * Loads one batch, dataset by dataset: commits the table schema (optimistic locking, no
 * update when nothing changed), publishes each file's parts under keys of their own, registers
 * the partitions, then commits each file on its ledger head, which only the version the raw
 * zone holds can win. Retractions of deleted raw files go through the same head. Finally adds
 * the batch to the run report. Any number of executions may run this at once.
 */
export async function loadStep(deps: LoadDeps, event: LoadEvent, clock: () => Date = () => new Date()): Promise<LoadOutput> {
  const done = event.results.filter((r): r is TransformResult => r.status === 'transformed' || r.status === 'empty')
  const retractions = event.results.filter((r): r is RetractResult => r.status === 'retract')
  const staged = await Promise.all(done.map(async (r) => readStaged(deps, event.runId, r)))
  const failures = event.results.filter((r): r is FailedResult => r.status === 'failed')
  const reports: FileReport[] = failures.map(failedReport)
  await quarantine(deps, event.runId, reports.filter((r) => r.outcome === 'quarantined'), clock())
  let retried = 0
  await deps.catalog.ensureDatabase(deps.database)
  const datasets = new Set([...staged.map((s) => s.file.dataset), ...retractions.map((r) => r.file.dataset)])
  for (const dataset of [...datasets].sort()) {
    const files = staged.filter((s) => s.file.dataset === dataset).sort((a, b) => (a.file.key < b.file.key ? -1 : 1))
    const schema = await commitSchema(deps, dataset, files)
    reports.push(...schema.failed)
    retried += schema.retried
    const published = new Map<StagedFile, Awaited<ReturnType<typeof publishFile>>>()
    for (const s of schema.loading) published.set(s, await publishFile(deps.curated, s, event.ingestDate, event.runId, clock()))
    await registerPartitions(deps, dataset, schema.loading, event.ingestDate)
    for (const [s, p] of published) reports.push(fileReport(s, await commitFile(deps, s, p, event.runId, clock())))
    for (const r of retractions.filter((x) => x.file.dataset === dataset)) {
      const record = await retractFile(deps, r.file, event.runId, clock())
      reports.push({
        dataset, key: r.file.key, etag: '', outcome: record ? 'retracted' : 'skipped', rowsIn: 0, rowsOut: 0, rowsRejected: 0,
        outputs: [], ...(record ? { rowsRetracted: record.rowsOut, note: `its ${record.rowsOut} row(s) were removed: the raw file is gone` } : { note: 'nothing to retract: the file is back or was never loaded' }),
      })
    }
  }
  await writeReport(deps, event, reports)
  await deps.curated.delete(await stagingKeys(deps, event.runId, staged.map((s) => s.file.fileId)))
  const count = (outcome: FileReport['outcome']) => reports.filter((r) => r.outcome === outcome).length
  return { loaded: count('loaded'), empty: count('empty'), failed: count('failed') + count('quarantined'), quarantined: count('quarantined'), retried, superseded: count('superseded'), retracted: count('retracted') }
}

async function readStaged(deps: LoadDeps, runId: string, result: TransformResult): Promise<StagedFile> {
  const text = await deps.curated.readText(stagedResultKey(runId, result.file.fileId))
  if (!text) throw new Error(`load: staged result of ${result.file.key} is missing from ${stagedResultKey(runId, result.file.fileId)}`)
  return JSON.parse(text) as StagedFile
}

async function registerPartitions(deps: LoadDeps, dataset: string, files: StagedFile[], ingestDate: string): Promise<void> {
  const wanted = new Map<string, Record<string, string>[]>([
    [dataset, files.flatMap((s) => s.stats.parts.map((p) => partitionOf(p, ingestDate)))],
    [rejectsTable(dataset), files.flatMap((s) => s.stats.rejectParts.map(() => ({ [INGEST_DATE]: ingestDate })))],
  ])
  for (const [table, partitions] of wanted) {
    if (partitions.length === 0) continue
    const definition = await deps.catalog.getTable(deps.database, table)
    if (!definition) continue
    const distinct = [...new Map(partitions.map((p) => [JSON.stringify(p), p])).values()]
    await deps.catalog.addPartitions(
      deps.database,
      table,
      distinct.map((p) => parquetPartition(definition, definition.PartitionKeys.map((k) => p[k.Name]), deps.curated.location(partitionPrefix(table, p)))),
    )
  }
}

function fileReport(s: StagedFile, commit: CommitOutcome): FileReport {
  const base = { dataset: s.file.dataset, key: s.file.key, etag: s.file.etag, rowsIn: s.stats.rowsIn }
  const warnings = s.stats.warnings.length > 0 ? { warnings: s.stats.warnings } : {}
  if (commit.outcome === 'superseded') {
    const now = commit.rawEtag ? `the raw zone holds version ${commit.rawEtag} now` : 'the raw file is gone'
    return { ...base, outcome: 'superseded', rowsOut: 0, rowsRejected: 0, outputs: [], note: `not kept: ${now}, and only that is loaded` }
  }
  if (commit.outcome === 'already') {
    return { ...base, outcome: 'skipped', rowsOut: 0, rowsRejected: 0, outputs: [], note: `this version was loaded by run ${commit.record.runId} meanwhile` }
  }
  return {
    ...base,
    outcome: s.stats.outcome === 'empty' ? 'empty' : 'loaded',
    rowsOut: s.stats.rowsOut,
    rowsRejected: s.stats.rowsRejected,
    outputs: commit.record.outputs,
    ...warnings,
  }
}

/**
 * A file whose transform failed. One that failed for a reason a retry cannot change is
 * `quarantined`; the row carries the rows the error counted and, for a column-count failure,
 * the field counts where the message gives them.
 */
function failedReport(r: FailedResult): FileReport {
  const message = causeMessage(r.cause)
  const facts = failureFacts(message)
  const fields = facts.fieldCounts && !message.includes(`expected ${facts.fieldCounts.expected} field`) ? `; expected ${facts.fieldCounts.expected} fields, found ${facts.fieldCounts.found}` : ''
  const quarantined = isQuarantined(r.error) && r.file.etag !== ''
  return {
    dataset: r.file.dataset, key: r.file.key, etag: r.file.etag, outcome: quarantined ? 'quarantined' : 'failed',
    rowsIn: facts.rowsIn, rowsOut: 0, rowsRejected: facts.rowsRejected, outputs: [], reason: `${r.error}: ${message}${fields}`,
    ...(quarantined ? { note: `quarantined: not retried until the file changes or \`sluice retry ${r.file.key}\`` } : {}),
  }
}

/** Records each quarantined file version in the ledger, so that the planner leaves it alone. */
async function quarantine(deps: LoadDeps, runId: string, reports: FileReport[], now: Date): Promise<void> {
  for (const r of reports) {
    const id = fileId(r.key)
    const record: QuarantineRecord = {
      key: r.key, dataset: r.dataset, fileId: id, etag: r.etag, runId, quarantinedAt: now.toISOString(), reason: r.reason ?? '', rowsIn: r.rowsIn, rowsRejected: r.rowsRejected,
    }
    await deps.curated.writeText(quarantineKey(r.dataset, id, r.etag), JSON.stringify(record))
  }
}

/** Lambda wraps a thrown error's message in a JSON cause; locally the cause is the message. */
function causeMessage(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string }
    return parsed.errorMessage ?? cause
  } catch {
    return cause
  }
}

async function writeReport(deps: LoadDeps, event: LoadEvent, batch: FileReport[]): Promise<void> {
  const key = runReportKey(event.runId)
  const text = await deps.curated.readText(key)
  const previous = text ? (JSON.parse(text) as RunReport) : undefined
  const base = { runId: event.runId, trigger: event.trigger, ingestDate: event.ingestDate, startedAt: event.startedAt, updatedAt: new Date().toISOString() }
  await deps.curated.writeText(key, `${JSON.stringify(mergeRunReport(previous, base, batch, event.skipped, event.pending ?? 0), null, 2)}\n`)
}

async function stagingKeys(deps: LoadDeps, runId: string, fileIds: string[]): Promise<string[]> {
  const keys: string[] = []
  for (const id of fileIds) {
    keys.push(stagedResultKey(runId, id))
    for await (const o of deps.curated.list(stagingPrefix(runId, id))) keys.push(o.key)
  }
  return keys
}
