import { INGEST_DATE, parquetPartition, parquetTable, type CatalogColumn, type TableInput } from '../core/catalog'
import { partitionPrefix, rejectsTable, runReportKey, stagedResultKey, stagingPrefix } from '../core/lake-layout'
import { REJECT_COLUMNS } from '../core/rejects-table'
import { athenaTypeName } from '../core/athena-types'
import { mergeRunReport, type FileReport, type RunReport } from '../core/run-report'
import { reconcileColumns } from '../core/schema-reconcile'
import type { LakeDeps } from '../core/step-deps'
import type { FailedResult, LoadEvent, LoadOutput, TransformResult } from '../core/workflow-types'
import { commitFile, finalKeys, publishFile, type StagedFile } from './publish-file'

const PARTITION_KEYS: CatalogColumn[] = [{ Name: INGEST_DATE, Type: 'string' }]

/**
 * Loads one batch, dataset by dataset: reconciles the table schema, creates or updates the
 * table and its rejects table, publishes each file's parts, registers the partitions, then
 * commits the ledger, and finally adds the batch to the run report. Until a file's ledger
 * record is committed, a rerun transforms and publishes it again over the same keys.
 */
export async function loadStep(deps: LakeDeps, event: LoadEvent): Promise<LoadOutput> {
  const { curated } = deps
  const now = new Date().toISOString()
  const done = event.results.filter((r): r is TransformResult => r.status !== 'failed')
  const staged = await Promise.all(done.map(async (r) => readStaged(deps, event.runId, r)))
  const reports: FileReport[] = event.results.filter((r): r is FailedResult => r.status === 'failed').map(failedReport)
  let retried = 0
  await deps.catalog.ensureDatabase(deps.database)
  for (const dataset of [...new Set(staged.map((s) => s.file.dataset))].sort()) {
    const files = staged.filter((s) => s.file.dataset === dataset).sort((a, b) => (a.file.key < b.file.key ? -1 : 1))
    const table = await deps.catalog.getTable(deps.database, dataset)
    const withRows = files.filter((s) => s.stats.outcome !== 'empty')
    const schema = reconcileColumns(table?.StorageDescriptor.Columns, withRows.map((s) => ({ key: s.file.key, columns: s.stats.columns })))
    const clashing = new Set(schema.clashes.map((c) => c.key))
    retried += clashing.size
    const loading = files.filter((s) => !clashing.has(s.file.key))
    if (withRows.some((s) => !clashing.has(s.file.key))) await putTables(deps, dataset, schema.columns, table)

    const published = new Map<StagedFile, string[]>()
    for (const s of loading) published.set(s, await publishFile(curated, s, event.ingestDate, event.runId))
    await registerPartitions(deps, dataset, loading, event.ingestDate)
    for (const [s, outputs] of published) {
      await commitFile(curated, s, outputs, event.runId, now)
      reports.push(fileReport(s, outputs))
    }
  }
  await writeReport(deps, event, reports)
  await curated.delete(await stagingKeys(deps, event.runId, staged.map((s) => s.file.fileId)))
  return {
    loaded: reports.filter((r) => r.outcome === 'loaded').length,
    empty: reports.filter((r) => r.outcome === 'empty').length,
    failed: reports.filter((r) => r.outcome === 'failed').length,
    retried,
  }
}

async function readStaged(deps: LakeDeps, runId: string, result: TransformResult): Promise<StagedFile> {
  const text = await deps.curated.readText(stagedResultKey(runId, result.file.fileId))
  if (!text) throw new Error(`load: staged result of ${result.file.key} is missing from ${stagedResultKey(runId, result.file.fileId)}`)
  return JSON.parse(text) as StagedFile
}

async function putTables(deps: LakeDeps, dataset: string, columns: CatalogColumn[], existing: TableInput | undefined): Promise<void> {
  const location = deps.curated.location(`${dataset}/`)
  const description = existing?.Description ?? `sluice: rows of the CSV files of raw dataset ${dataset}`
  await deps.catalog.putTable(deps.database, parquetTable(dataset, columns, PARTITION_KEYS, location, description))
  const rejects = rejectsTable(dataset)
  if (!(await deps.catalog.getTable(deps.database, rejects))) {
    const rejectColumns = REJECT_COLUMNS.map((c) => ({ Name: c.name, Type: athenaTypeName(c.type) }))
    const rejectsLocation = deps.curated.location(`${rejects}/`)
    await deps.catalog.putTable(deps.database, parquetTable(rejects, rejectColumns, PARTITION_KEYS, rejectsLocation, `sluice: rows of ${dataset} that could not be loaded`))
  }
}

async function registerPartitions(deps: LakeDeps, dataset: string, files: StagedFile[], ingestDate: string): Promise<void> {
  for (const [table, has] of [
    [dataset, files.some((s) => finalKeys(s, ingestDate).data.length > 0)],
    [rejectsTable(dataset), files.some((s) => finalKeys(s, ingestDate).rejects.length > 0)],
  ] as const) {
    if (!has) continue
    const definition = await deps.catalog.getTable(deps.database, table)
    if (!definition) continue
    const location = deps.curated.location(partitionPrefix(table, { [INGEST_DATE]: ingestDate }))
    await deps.catalog.addPartitions(deps.database, table, [parquetPartition(definition, [ingestDate], location)])
  }
}

function fileReport(s: StagedFile, outputs: string[]): FileReport {
  return {
    dataset: s.file.dataset,
    key: s.file.key,
    etag: s.file.etag,
    outcome: s.stats.outcome === 'empty' ? 'empty' : 'loaded',
    rowsIn: s.stats.rowsIn,
    rowsOut: s.stats.rowsOut,
    rowsRejected: s.stats.rowsRejected,
    outputs,
    ...(s.stats.warnings.length > 0 ? { warnings: s.stats.warnings } : {}),
  }
}

function failedReport(r: FailedResult): FileReport {
  return {
    dataset: r.file.dataset, key: r.file.key, etag: r.file.etag, outcome: 'failed',
    rowsIn: 0, rowsOut: 0, rowsRejected: 0, outputs: [], reason: `${r.error}: ${causeMessage(r.cause)}`,
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

async function writeReport(deps: LakeDeps, event: LoadEvent, batch: FileReport[]): Promise<void> {
  const key = runReportKey(event.runId)
  const text = await deps.curated.readText(key)
  const previous = text ? (JSON.parse(text) as RunReport) : undefined
  const base = { runId: event.runId, trigger: event.trigger, ingestDate: event.ingestDate, startedAt: event.startedAt, updatedAt: new Date().toISOString() }
  await deps.curated.writeText(key, `${JSON.stringify(mergeRunReport(previous, base, batch, event.skipped), null, 2)}\n`)
}

async function stagingKeys(deps: LakeDeps, runId: string, fileIds: string[]): Promise<string[]> {
  const keys: string[] = []
  for (const id of fileIds) {
    keys.push(stagedResultKey(runId, id))
    for await (const o of deps.curated.list(stagingPrefix(runId, id))) keys.push(o.key)
  }
  return keys
}
