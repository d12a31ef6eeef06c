import { INGEST_DATE, parquetPartition } from '../core/lake/catalog'
import { LINEAGE_SOURCE } from '../core/parquet/lineage'
import { partitionPrefix, rejectsTable, runReportKey, stagedResultKey, stagingPrefix } from '../core/lake/lake-layout'
import { quarantineKey } from '../core/lake/ledger'
import { failureFacts, isQuarantined, type QuarantineRecord } from '../core/lake/quarantine'
import { mergeRunReport, type FileReport, type RunReport } from '../core/lake/run-report'
import type { LakeDeps } from '../core/lake/step-deps'
import type { FailedResult, LoadEvent, LoadOutput, RetractResult, TransformResult } from '../core/lake/workflow-types'
import { commitFile, partitionOf, publishFile, retractFile, type CommitOutcome, type StagedFile } from './publish-file'
import { commitSchema, ensureRejectsTable } from './commit-schema'
import { failedStats } from '../core/transform/file-outcome'
import { foldRanges } from './fold-ranges'
import { shadowCatalog } from '../adapters/shadow-catalog'
import { recordBuilt, swapGeneration } from './swap-generation'
import { writeReceipts } from './write-receipts'
import { updateSummaries } from './update-summaries'
import { compactionTodoKey, isEmptyTodo, mergeTodos, type CompactionTodo } from '../core/compaction/compaction-todo'
import { homeOf } from '../core/compaction/compaction-layout'
import { generationOf, tableBase } from '../core/lake/generation'
import pLimit from 'p-limit'
import { isIcebergDataset, markPendingSync, syncIcebergDataset, type KnownParts } from './iceberg-sync'
import { expireDataset } from './expire-tables'

/**
 * Load works on the curated zone and the catalog; of the raw zone it heads keys, and reads the
 * rare byte range of a split file that no Transform converted from its true start, and reads
 * a dataset's contract for the site's opt-in to record text.
 */
export type LoadDeps = Omit<LakeDeps, 'raw'> & { raw: Pick<LakeDeps['raw'], 'head' | 'read' | 'readRange' | 'readText' | 'putTags'> }

/**
 * Loads one batch, dataset by dataset: commits the table schema (optimistic locking, no
 * update when nothing changed), publishes each file's parts under keys of their own, registers
 * the partitions, then commits each file on its ledger head, which only the version the raw
 * zone holds can win. The byte ranges of a split file are first combined into one file.
 * Retractions of deleted raw files go through the same head. Then compacts the partitions
 * that need it, adds the batch to the run report and to the status site's summaries, and writes
 * each settled file's receipt. Any
 * number of executions may run this at once.
 */
export async function loadStep(deps: LoadDeps, event: LoadEvent, clock: () => Date = () => new Date()): Promise<LoadOutput> {
  return (await loadBatch(deps, event, clock)).output
}

/** `loadStep`, also giving the batch's file reports (what each file's commit came to). */
export async function loadBatch(deps: LoadDeps, batch: LoadEvent, clock: () => Date = () => new Date()): Promise<{ output: LoadOutput; reports: FileReport[] }> {
  // The ranges of a split file become one result: the file commits as one version, or fails whole.
  const folded = await foldRanges(deps, batch.runId, batch.results)
  const event: LoadEvent = { ...batch, results: folded.results }
  const done = event.results.filter((r): r is TransformResult => r.status === 'transformed' || r.status === 'empty')
  const retractions = event.results.filter((r): r is RetractResult => r.status === 'retract' && !r.file.rebuild)
  const staged = await Promise.all(done.map(async (r) => readStaged(deps, event.runId, r)))
  const failures = event.results.filter((r): r is FailedResult => r.status === 'failed')
  const reports: FileReport[] = failures.map(failedReport)
  let retried = 0
  // Homes of compacted parts that this batch's commits marked for excision, per dataset.
  const excised = new Map<string, Set<string>>()
  const excise = (dataset: string, homes: string[] = []) => homes.forEach((h) => excised.set(dataset, (excised.get(dataset) ?? new Set()).add(h)))
  for (const [dataset, homes] of Object.entries(event.excise ?? {})) excise(dataset, homes)
  await deps.catalog.ensureDatabase(deps.database)
  // Sources of each dataset whose heads this batch may change: an Iceberg dataset's snapshot follows them.
  const touched = new Map<string, string[]>()
  for (const r of event.results) if (r.status !== 'retract' || !r.file.rebuild) touched.set(r.file.dataset, [...(touched.get(r.file.dataset) ?? []), r.file.fileId])
  const now = clock()
  for (const [dataset, sources] of touched) await markPendingSync(deps, dataset, event.runId, sources, now)
  for (const [i, r] of failures.entries()) {
    if (reports[i].outcome === 'quarantined') reports[i] = await quarantine(deps, event, r, reports[i], clock, excise)
  }
  const unbuilt = new Set(reports.filter((r) => r.outcome === 'failed').map((r) => r.dataset))
  const rebuilds = new Map(event.results.flatMap((r) => (r.file.rebuild ? [[r.file.dataset, r.file.rebuild] as const] : [])))
  const datasets = [...new Set([...staged.map((s) => s.file.dataset), ...retractions.map((r) => r.file.dataset), ...rebuilds.keys()])].sort()
  // Each dataset commits on its own, several at once; its reports keep the datasets' order.
  const loaded = await eachLimited(datasets, DATASETS_AT_ONCE, (dataset) => {
    const files = staged.filter((s) => s.file.dataset === dataset).sort((a, b) => (a.file.key < b.file.key ? -1 : 1))
    const gone = retractions.filter((x) => x.file.dataset === dataset)
    return loadDataset(deps, event, dataset, files, gone, rebuilds.get(dataset), { clock, excise, unbuilt })
  })
  const written: Record<string, string[]> = {}
  for (const [i, one] of loaded.entries()) {
    reports.push(...one.reports)
    retried += one.retried
    if (one.written?.length) written[datasets[i]!] = [...new Set(one.written)]
  }
  const known = knownParts(staged, reports)
  await eachLimited([...touched.keys()].sort(), DATASETS_AT_ONCE, async (dataset) => {
    await syncIcebergDataset(deps, dataset, touched.get(dataset)!, event.runId, clock(), known)
    // Bounded: a pass expires and settles at most a hundred of each; the next Load goes on.
    await expireDataset(deps, dataset, clock(), { retentionMs: deps.snapshotRetentionMs })
  })
  // Compaction is the Compact step's, after this Load: it gets the partitions this batch touched.
  const iceberg: string[] = []
  for (const dataset of Object.keys(written).sort()) if (await isIcebergDataset(deps, dataset)) iceberg.push(dataset)
  await handOffCompaction(deps.curated, event.runId, { written, excise: Object.fromEntries([...excised].map(([d, homes]) => [d, [...homes]])), iceberg })
  // A file built and swapped in by the same Load is reported once, as the swap left it.
  const final = [...new Map(reports.map((r) => [r.key, r])).values()]
  reports.splice(0, reports.length, ...final)
  const report = await writeReport(deps, event, reports)
  await updateSummaries(deps, report, reports, staged)
  await writeReceipts(deps, event.runId, reports, clock())
  await deps.curated.delete(await stagingKeys(deps, event.runId, [...staged.map((s) => s.file.fileId), ...failures.map((r) => r.file.fileId), ...folded.failedIds]))
  const count = (outcome: FileReport['outcome']) => reports.filter((r) => r.outcome === outcome).length
  const output = { loaded: count('loaded'), empty: count('empty'), failed: count('failed') + count('quarantined'), quarantined: count('quarantined'), retried, superseded: count('superseded'), retracted: count('retracted') }
  return { output, reports }
}

/** Datasets a Load commits at once, and files of one dataset it publishes or commits at once. */
const DATASETS_AT_ONCE = 4
const FILES_AT_ONCE = 8

/**
 * Runs `work` over the items, `limit` at a time, its results in the items' order. When one
 * fails, the others still finish (none is left running once Load has returned), then the
 * first error is thrown.
 */
async function eachLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const slots = pLimit(limit)
  const settled = await Promise.allSettled(items.map((item) => slots(() => work(item))))
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
  return settled.map((r) => (r as PromiseFulfilledResult<R>).value)
}

interface DatasetLoad {
  clock: () => Date
  /** Records homes a commit marked for excision. */
  excise: (dataset: string, homes?: string[]) => void
  /** Datasets of which a file of this batch failed without being quarantined. */
  unbuilt: Set<string>
}

/**
 * Loads one dataset's part of the batch: its schema, the publishes and commits of its files
 * (several at once: each file has a head of its own), its retractions, then the compaction of
 * the partitions it touched. A dataset being rebuilt is built into its generation instead.
 */
async function loadDataset(
  deps: LoadDeps, event: LoadEvent, dataset: string, files: StagedFile[], retractions: RetractResult[], rebuild: { generation: string } | undefined, settings: DatasetLoad,
): Promise<{ reports: FileReport[]; retried: number; written?: string[] }> {
  const { clock, excise } = settings
  const reports: FileReport[] = []
  if (rebuild) {
    const built = await buildFiles(deps, event, dataset, files, rebuild.generation, clock)
    reports.push(...built.reports)
    // A file that failed for a reason a retry may change (storage, timeouts) is not built: the
    // generation would miss its rows, so it is not swapped in (Plan closes no such rebuild).
    if (event.results.some((r) => r.file.dataset === dataset && r.file.rebuild?.last) && !settings.unbuilt.has(dataset)) {
      reports.push(...(await swapGeneration(deps, dataset, rebuild.generation, event.runId, clock)))
    }
    return { reports, retried: built.retried }
  }
  const schema = await commitSchema(deps, dataset, files, '', { runId: event.runId, now: clock })
  reports.push(...schema.failed)
  const published = await eachLimited(schema.loading, FILES_AT_ONCE, async (s) => ({ s, p: await publishFile(deps, s, event.ingestDate, event.runId, clock(), schema.generation) }))
  await registerPartitions(deps, dataset, schema.loading, event.ingestDate, schema.generation)
  const commits = await eachLimited(published, FILES_AT_ONCE, async ({ s, p }) => {
    const commit = await commitFile(deps, s, p, event.runId, clock(), schema.generation)
    excise(dataset, commit.excised)
    return fileReport(s, commit)
  })
  reports.push(...commits)
  const retracted = await eachLimited(retractions, FILES_AT_ONCE, async (r): Promise<FileReport> => {
    const { record, excised } = await retractFile(deps, r.file, event.runId, clock())
    excise(dataset, excised)
    return {
      dataset, key: r.file.key, etag: '', outcome: record ? 'retracted' : 'skipped', rowsIn: 0, rowsOut: 0, rowsRejected: 0,
      outputs: [], ...(record ? { rowsRetracted: record.rowsOut, note: `its ${record.rowsOut} row(s) and ${record.rowsRejected} reject(s) were removed: the raw file is gone` } : { note: 'nothing to retract: the file is back or was never loaded' }),
    }
  })
  reports.push(...retracted)
  return { reports, retried: schema.retried, written: published.flatMap(({ p }) => p.outputs.map(homeOf)) }
}

/**
 * Rows of the parts this batch staged, by the curated keys they were committed under
 * (a commit's outputs are its data parts, then its rejects parts, in the staged order), so a
 * sync reads no footer of them.
 */
function knownParts(staged: StagedFile[], reports: FileReport[]): KnownParts {
  const known: KnownParts = new Map()
  const byKey = new Map(staged.map((s) => [s.file.key, s]))
  for (const r of reports) {
    const s = byKey.get(r.key)
    const parts = s ? [...s.stats.parts, ...s.stats.rejectParts] : []
    if (parts.length !== r.outputs.length) continue
    parts.forEach((p, i) => known.set(r.outputs[i]!, p.rows))
  }
  return known
}

/** Adds this batch's partitions to the execution's compaction hand-off (compaction-todo.ts). */
async function handOffCompaction(curated: LoadDeps['curated'], runId: string, todo: CompactionTodo): Promise<void> {
  if (isEmptyTodo(todo)) return
  const key = compactionTodoKey(runId)
  const text = await curated.readText(key)
  const merged = text ? mergeTodos(JSON.parse(text) as CompactionTodo, todo) : todo
  await curated.writeText(key, JSON.stringify(merged))
}

async function readStaged(deps: LoadDeps, runId: string, result: TransformResult): Promise<StagedFile> {
  const text = await deps.curated.readText(stagedResultKey(runId, result.file.fileId))
  if (!text) throw new Error(`load: staged result of ${result.file.key} is missing from ${stagedResultKey(runId, result.file.fileId)}`)
  return JSON.parse(text) as StagedFile
}

/**
 * Builds files of a reprocess into its generation: the schema is committed to the generation's
 * shadow catalog, the parts are published under the generation's prefix and each file is
 * recorded as built; nothing a reader sees changes until the swap.
 */
async function buildFiles(deps: LoadDeps, event: LoadEvent, dataset: string, files: StagedFile[], generation: string, clock: () => Date): Promise<{ reports: FileReport[]; retried: number }> {
  const shadow = { ...deps, catalog: shadowCatalog(deps.curated, dataset, generation) }
  const schema = await commitSchema(shadow, dataset, files, generation)
  const reports: FileReport[] = [...schema.failed]
  for (const s of schema.loading) {
    const published = await publishFile(deps, s, event.ingestDate, event.runId, clock(), generation)
    await recordBuilt(deps, generation, { staged: s, published })
    reports.push({
      dataset, key: s.file.key, etag: s.file.etag, outcome: s.stats.outcome === 'empty' ? 'empty' : 'loaded', rowsIn: s.stats.rowsIn, rowsOut: s.stats.rowsOut,
      rowsRejected: s.stats.rowsRejected, outputs: published.outputs, note: `rebuilt into generation ${generation}; queries see it once the whole dataset is rebuilt`,
    })
  }
  await registerPartitions(shadow, dataset, schema.loading, event.ingestDate, generation)
  return { reports, retried: schema.retried }
}

/**
 * Registers the partitions of the published files, in the table generation they were published
 * into only: a table swapped to another generation meanwhile is left alone (its files are then
 * committed in a generation that is not live, and the planner loads them again).
 */
async function registerPartitions(deps: LoadDeps, dataset: string, files: StagedFile[], ingestDate: string, generation: string): Promise<void> {
  const wanted = new Map<string, Record<string, string>[]>([
    [dataset, files.flatMap((s) => s.stats.parts.map((p) => partitionOf(p, ingestDate)))],
    [rejectsTable(dataset), files.flatMap((s) => s.stats.rejectParts.map(() => ({ [INGEST_DATE]: ingestDate })))],
  ])
  for (const [table, partitions] of wanted) {
    if (partitions.length === 0) continue
    const definition = await deps.catalog.getTable(deps.database, table)
    if (!definition || generationOf(definition) !== generation) continue
    const distinct = [...new Map(partitions.map((p) => [JSON.stringify(p), p])).values()]
    await deps.catalog.addPartitions(
      deps.database,
      table,
      distinct.map((p) => parquetPartition(definition, definition.PartitionKeys.map((k) => p[k.Name]), deps.curated.location(partitionPrefix(tableBase(table, generation), p)))),
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
    queries: fileQueries(s),
    ...(s.stats.variantValues ? { variantValues: s.stats.variantValues } : {}),
    ...warnings,
  }
}

/** The queries that select a loaded file's rows (through its lineage column) and rejects. */
function fileQueries(s: StagedFile): NonNullable<FileReport['queries']> {
  const key = `'${s.file.key.replaceAll("'", "''")}'`
  const rejects = `SELECT * FROM ${rejectsTable(s.file.dataset)} WHERE source = ${key} ORDER BY line`
  const stamped = s.stats.columns.some((c) => c.name === LINEAGE_SOURCE)
  return stamped ? { rows: `SELECT * FROM ${s.file.dataset} WHERE ${LINEAGE_SOURCE} = ${key}`, rejects } : { rejects }
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

/**
 * Sets a file version that failed for good aside. Its rejects (when the file was over its reject
 * threshold) are published into the rejects table, so that every bad line is queryable:
 * - outside a rebuild, the version is committed on the file's head as failed, by the usual
 *   compare-and-swap; it replaces whatever the file had loaded before, as the raw zone no
 *   longer holds that. A version the raw zone no longer holds is reported superseded instead.
 * - in a rebuild, the rejects go into the generation's rejects table and the version is
 *   recorded as built, failed: the swap commits it as failed, in the new generation, so the
 *   file's rows leave the table and its rejects come in with it.
 * Then the quarantine record tells the planner to leave the version alone until it changes or
 * `sluice retry` removes the record.
 */
async function quarantine(deps: LoadDeps, event: LoadEvent, result: FailedResult, report: FileReport, clock: () => Date, excise: (dataset: string, homes?: string[]) => void): Promise<FileReport> {
  const { file } = result
  const text = await deps.curated.readText(stagedResultKey(event.runId, file.fileId))
  const kept = text ? (JSON.parse(text) as StagedFile) : undefined
  const staged: StagedFile = kept?.stats.outcome === 'failed' ? kept : { file, stats: { ...failedStats(file.key), rowsIn: report.rowsIn, rowsRejected: report.rowsRejected } }
  const reason = report.reason ?? result.error
  const rejects = staged.stats.rejectParts.length > 0 ? { queries: { rejects: fileQueries(staged).rejects } } : {}
  if (file.rebuild) {
    const { generation } = file.rebuild
    const shadow = { ...deps, catalog: shadowCatalog(deps.curated, file.dataset, generation) }
    if (staged.stats.rejectParts.length > 0) await ensureRejectsTable(shadow, file.dataset, generation)
    const published = await publishFile(deps, staged, event.ingestDate, event.runId, clock(), generation)
    await registerPartitions(shadow, file.dataset, [staged], event.ingestDate, generation)
    await recordBuilt(deps, generation, { staged, published, failed: reason })
    report = { ...report, outputs: published.outputs, ...rejects }
  } else {
    const generation = generationOf(await deps.catalog.getTable(deps.database, file.dataset))
    if (staged.stats.rejectParts.length > 0) await ensureRejectsTable(deps, file.dataset, generation)
    const published = await publishFile(deps, staged, event.ingestDate, event.runId, clock(), generation)
    await registerPartitions(deps, file.dataset, [staged], event.ingestDate, generation)
    const commit = await commitFile(deps, staged, published, event.runId, clock(), generation, reason)
    excise(file.dataset, commit.excised)
    if (commit.outcome === 'superseded') return fileReport(staged, commit)
    report = { ...report, outputs: commit.record.outputs, ...rejects }
  }
  const record: QuarantineRecord = {
    key: report.key, dataset: report.dataset, fileId: file.fileId, etag: report.etag, runId: event.runId, quarantinedAt: clock().toISOString(),
    reason: report.reason ?? '', rowsIn: report.rowsIn, rowsRejected: report.rowsRejected,
  }
  await deps.curated.writeText(quarantineKey(report.dataset, file.fileId, report.etag), JSON.stringify(record))
  return report
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

async function writeReport(deps: LoadDeps, event: LoadEvent, batch: FileReport[]): Promise<RunReport> {
  const key = runReportKey(event.runId)
  const text = await deps.curated.readText(key)
  const previous = text ? (JSON.parse(text) as RunReport) : undefined
  const base = { runId: event.runId, trigger: event.trigger, ingestDate: event.ingestDate, startedAt: event.startedAt, updatedAt: new Date().toISOString() }
  const report = mergeRunReport(previous, base, batch, event.skipped, event.pending ?? 0)
  await deps.curated.writeText(key, `${JSON.stringify(report, null, 2)}\n`)
  return report
}

async function stagingKeys(deps: LoadDeps, runId: string, fileIds: string[]): Promise<string[]> {
  const keys: string[] = []
  for (const id of fileIds) {
    keys.push(stagedResultKey(runId, id))
    for await (const o of deps.curated.list(stagingPrefix(runId, id))) keys.push(o.key)
  }
  return keys
}
