import { INGEST_DATE, parquetPartition, parquetTable, type CatalogColumn, type TableInput } from '../core/catalog'
import { partitionPrefix, rejectsTable, runReportKey, stagedResultKey, stagingPrefix } from '../core/lake-layout'
import { REJECT_COLUMNS } from '../core/rejects-table'
import { athenaTypeName } from '../core/athena-types'
import { mergeRunReport, type FileReport, type RunReport } from '../core/run-report'
import { reconcileColumns } from '../core/schema-reconcile'
import type { LakeDeps } from '../core/step-deps'
import type { FailedResult, LoadEvent, LoadOutput, TransformResult } from '../core/workflow-types'
import { commitFile, partitionOf, publishFile, type StagedFile } from './publish-file'

/** Load works on the curated zone and the catalog; it never reads raw data. */
type LoadDeps = Omit<LakeDeps, 'raw'>

const INGEST_KEY: CatalogColumn = { Name: INGEST_DATE, Type: 'string' }

/** Partition keys of a dataset's table: the ingest date, then the contract's column if any. */
function partitionKeys(s: StagedFile): CatalogColumn[] {
  const by = s.stats.partitionBy
  return by ? [INGEST_KEY, { Name: by.name, Type: by.type }] : [INGEST_KEY]
}
const sameKeys = (a: CatalogColumn[], b: CatalogColumn[]) => JSON.stringify(a) === JSON.stringify(b)

/**
 * Loads one batch, dataset by dataset: reconciles the table schema, creates or updates the
 * table and its rejects table, publishes each file's parts, registers the partitions, then
 * commits the ledger, and finally adds the batch to the run report. Until a file's ledger
 * record is committed, a rerun transforms and publishes it again over the same keys.
 */
export async function loadStep(deps: LoadDeps, event: LoadEvent): Promise<LoadOutput> {
  const { curated } = deps
  const now = new Date().toISOString()
  const done = event.results.filter((r): r is TransformResult => r.status !== 'failed')
  const staged = await Promise.all(done.map(async (r) => readStaged(deps, event.runId, r)))
  const reports: FileReport[] = event.results.filter((r): r is FailedResult => r.status === 'failed').map(failedReport)
  let retried = 0
  await deps.catalog.ensureDatabase(deps.database)
  for (const dataset of [...new Set(staged.map((s) => s.file.dataset))].sort()) {
    const all = staged.filter((s) => s.file.dataset === dataset).sort((a, b) => (a.file.key < b.file.key ? -1 : 1))
    const table = await deps.catalog.getTable(deps.database, dataset)
    // Partitioning is fixed when the table is created: a file that asks for other keys fails.
    const keys = table?.PartitionKeys ?? partitionKeys(all.find((s) => s.stats.outcome !== 'empty') ?? all[0])
    const misfits = all.filter((s) => s.stats.outcome !== 'empty' && !sameKeys(partitionKeys(s), keys))
    for (const s of misfits) reports.push(partitionMisfit(s, dataset, keys))
    const files = all.filter((s) => !misfits.includes(s))
    const withRows = files.filter((s) => s.stats.outcome !== 'empty')
    const schema = reconcileColumns(table?.StorageDescriptor.Columns, withRows.map((s) => ({ key: s.file.key, columns: s.stats.columns })))
    const clashing = new Set(schema.clashes.map((c) => c.key))
    retried += clashing.size
    const loading = files.filter((s) => !clashing.has(s.file.key))
    if (withRows.some((s) => !clashing.has(s.file.key))) await putTables(deps, dataset, schema.columns, keys, table)

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

async function readStaged(deps: LoadDeps, runId: string, result: TransformResult): Promise<StagedFile> {
  const text = await deps.curated.readText(stagedResultKey(runId, result.file.fileId))
  if (!text) throw new Error(`load: staged result of ${result.file.key} is missing from ${stagedResultKey(runId, result.file.fileId)}`)
  return JSON.parse(text) as StagedFile
}

async function putTables(deps: LoadDeps, dataset: string, columns: CatalogColumn[], keys: CatalogColumn[], existing: TableInput | undefined): Promise<void> {
  const location = deps.curated.location(`${dataset}/`)
  const description = existing?.Description ?? `sluice: rows of the CSV files of raw dataset ${dataset}`
  await deps.catalog.putTable(deps.database, parquetTable(dataset, columns, keys, location, description))
  const rejects = rejectsTable(dataset)
  if (!(await deps.catalog.getTable(deps.database, rejects))) {
    const rejectColumns = REJECT_COLUMNS.map((c) => ({ Name: c.name, Type: athenaTypeName(c.type) }))
    const rejectsLocation = deps.curated.location(`${rejects}/`)
    await deps.catalog.putTable(deps.database, parquetTable(rejects, rejectColumns, [INGEST_KEY], rejectsLocation, `sluice: rows of ${dataset} that could not be loaded`))
  }
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

function partitionMisfit(s: StagedFile, dataset: string, keys: CatalogColumn[]): FileReport {
  const wanted = partitionKeys(s).map((k) => k.Name).join(', ')
  return {
    dataset, key: s.file.key, etag: s.file.etag, outcome: 'failed', rowsIn: s.stats.rowsIn, rowsOut: 0, rowsRejected: 0, outputs: [],
    reason: `ContractViolationError: partition: table ${dataset} is partitioned by ${keys.map((k) => k.Name).join(', ')} but this file by ${wanted}; a table's partitioning cannot change (create a new dataset, or drop the table and reload)`,
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

async function writeReport(deps: LoadDeps, event: LoadEvent, batch: FileReport[]): Promise<void> {
  const key = runReportKey(event.runId)
  const text = await deps.curated.readText(key)
  const previous = text ? (JSON.parse(text) as RunReport) : undefined
  const base = { runId: event.runId, trigger: event.trigger, ingestDate: event.ingestDate, startedAt: event.startedAt, updatedAt: new Date().toISOString() }
  await deps.curated.writeText(key, `${JSON.stringify(mergeRunReport(previous, base, batch, event.skipped), null, 2)}\n`)
}

async function stagingKeys(deps: LoadDeps, runId: string, fileIds: string[]): Promise<string[]> {
  const keys: string[] = []
  for (const id of fileIds) {
    keys.push(stagedResultKey(runId, id))
    for await (const o of deps.curated.list(stagingPrefix(runId, id))) keys.push(o.key)
  }
  return keys
}
