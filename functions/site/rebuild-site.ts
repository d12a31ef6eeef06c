import { partMeasure, readJson, rejectSamples, showsRecordText, siteSamples, updateJson } from '../adapters/site-summaries'
import { tableHistories } from '../adapters/iceberg-history'
import { mergePartColumnStats } from '../core/parquet/part-stats'
import { datasetOfKey, fileId, rejectsTable } from '../core/lake/lake-layout'
import { parseLedgerKey, type LedgerRecord } from '../core/lake/ledger'
import type { ObjectStore } from '../core/lake/object-store'
import type { FileReport, RunReport } from '../core/lake/run-report'
import { emptyHistory, recordRun, runRow, RUN_HISTORY_KEY, type RunHistory, type RunPage } from '../core/site/run-history'
import { buildSiteModel } from '../core/site/site-model'
import {
  batchWarnings,
  emptySummary,
  mergeFileEntry,
  mergeSummary,
  shardKey,
  shardOf,
  shardTotals,
  summaryKey,
  type DatasetSummary,
  type FileEntry,
  type FileShard,
  type FileUpdate,
  type RejectSample,
  type ShardTotals,
} from '../core/site/site-summary'
import { now, writeSite, type SiteDeps, type SiteResult } from './site-step'

/** As Load samples a batch's rejects (update-summaries.ts): the first rows of the first parts. */
const SAMPLE_PARTS = 2
const SAMPLE_ROWS = 50

/** What the repair reads: the whole ledger, every run report, the raw listing and every rejects part. */
export interface RebuildDeps extends SiteDeps {
  /** Listed for the raw files; read for the contracts' opt-in to record text. */
  raw: Pick<ObjectStore, 'list' | 'readText'>
}

/**
 * Rebuilds the site's summaries from everything the lake holds, then writes every page: the
 * repair for summaries that drifted (a Load that crashed between its commit and its summary
 * update) or never were (a lake loaded before the site kept them). It gives the pages the
 * incremental updates give for the same lake, and is meant for a lake no Load is writing to.
 */
export async function rebuildSite(deps: RebuildDeps): Promise<SiteResult> {
  const heads = new Map<string, LedgerRecord>()
  const quarantined = new Set<string>()
  for await (const o of deps.curated.list('_ledger/')) {
    const entry = parseLedgerKey(o.key)
    if (entry?.kind === 'quarantined') {
      const record = await readJson<{ key?: unknown }>(deps.curated, o.key).catch(() => undefined)
      if (typeof record?.key === 'string') quarantined.add(record.key)
    } else if (entry?.kind === 'head') {
      const head = await readJson<LedgerRecord>(deps.curated, o.key)
      if (head) heads.set(head.key, head)
    }
  }
  const runs: RunReport[] = []
  for await (const o of deps.curated.list('_runs/')) {
    const run = o.key.endsWith('.json') ? await readJson<RunReport>(deps.curated, o.key) : undefined
    if (run) runs.push(run)
  }
  runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId))
  const raw = new Map<string, string>()
  for await (const o of deps.raw.list('')) if (datasetOfKey(o.key)) raw.set(o.key, o.etag)

  // The rejects the lake holds now: those of the committed versions, counted whole, sampled as Load samples.
  const codes = new Map<string, Record<string, number>>()
  const measured = new Map<string, Pick<FileUpdate, 'bytes' | 'columns'>>()
  const samples: RejectSample[] = []
  for (const head of [...heads.values()].filter((h) => h.state === 'committed')) {
    const parts = head.outputs.filter((k) => k.startsWith(`${rejectsTable(head.dataset)}/`))
    const counts: Record<string, number> = {}
    for (const [i, part] of parts.entries()) {
      const rows = (await unlessGone(deps.curated, part, () => rejectSamples(deps.curated, part))) ?? []
      for (const r of rows) counts[r.errorCode] = (counts[r.errorCode] ?? 0) + 1
      if (i < SAMPLE_PARTS) samples.push(...rows.slice(0, SAMPLE_ROWS))
    }
    codes.set(head.key, counts)
    // Its data parts as Load measured them when it wrote them; a compacted file's rows share parts with others' and go unmeasured.
    // So do the rows of an Iceberg table's file once its parts were merged and have expired.
    if ((head.shared ?? []).length === 0) {
      const data = await Promise.all(head.outputs.filter((k) => !k.startsWith(`${rejectsTable(head.dataset)}/`)).map((k) => unlessGone(deps.curated, k, () => partMeasure(deps.curated, k))))
      const whole = data.filter((d) => d !== undefined)
      const columns = mergePartColumnStats(whole.map((d) => d.columns))
      if (whole.length === data.length) measured.set(head.key, { bytes: whole.reduce((n, d) => n + d.bytes, 0), ...(columns ? { columns } : {}) })
    }
  }

  const entries = replayFiles(runs, heads, codes, measured)
  for (const [key, etag] of raw) if (!entries.has(key)) entries.set(key, { key, dataset: datasetOfKey(key)!, fileId: fileId(key), status: 'pending', rawEtag: etag, rejectCodes: {}, versions: [], at: '' })
  for (const e of entries.values()) settleStatus(e, raw.get(e.key), quarantined.has(e.key))

  const summaries: DatasetSummary[] = []
  for (const dataset of [...new Set([...entries.values()].map((e) => e.dataset))].sort()) {
    const files = [...entries.values()].filter((e) => e.dataset === dataset)
    const shards: Record<string, ShardTotals> = {}
    for (const shard of [...new Set(files.map((e) => shardOf(e.fileId)))].sort()) {
      const mine = Object.fromEntries(files.filter((e) => shardOf(e.fileId) === shard).map((e) => [e.key, e]))
      shards[shard] = shardTotals(await updateJson<FileShard>(deps.curated, shardKey(dataset, shard), (previous) => ({ seq: (previous?.seq ?? 0) + 1, files: mine })))
    }
    let summary = emptySummary(dataset)
    for (const run of runs) summary = mergeSummary(summary, { entries: [], shards: {}, samples: [], warnings: batchWarnings(settledFiles(run).filter((f) => f.dataset === dataset), run.runId, run.startedAt) })
    const keys = new Set(files.map((e) => e.key))
    const recordText = await showsRecordText(deps.raw, deps.siteRecordText, dataset)
    summary = mergeSummary(summary, { entries: files, shards, samples: siteSamples(samples.filter((s) => keys.has(s.source)), recordText), warnings: [] })
    summaries.push(await updateJson<DatasetSummary>(deps.curated, summaryKey(dataset), () => summary))
  }

  const { history, pages } = replayHistory(runs)
  await updateJson<RunHistory>(deps.curated, RUN_HISTORY_KEY, () => history)
  const tables = await deps.catalog.listTables(deps.database)
  const model = buildSiteModel({
    generatedAt: now(deps),
    database: deps.database,
    tables,
    summaries,
    snapshots: await tableHistories(deps.curated, tables, tables.map((t) => t.Name)),
    files: [...entries.values()],
    history: { ...history, archived: pages },
    queries: deps.queries,
    recordText: deps.siteRecordText === true,
    ...(deps.staleAfterHours !== undefined ? { staleAfterHours: deps.staleAfterHours } : {}),
  })
  return writeSite(deps, model)
}

const settledFiles = (run: RunReport): FileReport[] => run.files.filter((f) => !f.note?.startsWith('rebuilt into generation'))

/** Each file's entry as the Loads of the runs would have merged it, with the heads of now. */
function replayFiles(runs: RunReport[], heads: Map<string, LedgerRecord>, codes: Map<string, Record<string, number>>, measured: Map<string, Pick<FileUpdate, 'bytes' | 'columns'>>): Map<string, FileEntry> {
  const entries = new Map<string, FileEntry>()
  for (const run of runs) {
    for (const report of settledFiles(run)) {
      const head = heads.get(report.key)
      const rejectCodes = codes.get(report.key)
      entries.set(report.key, mergeFileEntry(entries.get(report.key), { report, runId: run.runId, at: run.startedAt, batchAt: run.updatedAt, ...(head ? { head } : {}), ...(rejectCodes ? { rejectCodes, ...measured.get(report.key) } : {}) }))
    }
  }
  for (const [key, head] of heads) {
    if (entries.has(key)) continue
    const { replaced: _replaced, formerHomes: _former, ...state } = head
    entries.set(key, { key, dataset: head.dataset, fileId: head.fileId, status: head.state, head: state, rejectCodes: codes.get(key) ?? {}, ...(head.state === 'committed' ? measured.get(key) : {}), versions: [], at: head.committedAt })
  }
  return entries
}

/** A file's status as the raw zone and the quarantine records tell it now. */
function settleStatus(entry: FileEntry, rawEtag: string | undefined, quarantined: boolean): void {
  const last = entry.versions[entry.versions.length - 1]
  if (rawEtag) entry.rawEtag = rawEtag
  else delete entry.rawEtag
  entry.status = quarantined
    ? 'quarantined'
    : rawEtag && entry.head?.state === 'committed' && entry.head.etag === rawEtag
      ? 'committed'
      : rawEtag && last?.outcome === 'failed' && last.etag === rawEtag
        ? 'failed'
        : rawEtag
          ? 'pending'
          : (entry.head?.state ?? 'gone')
}

/** The run history from every report, each run's rows replayed; and every page cut on the way. */
function replayHistory(runs: RunReport[]): { history: RunHistory; pages: RunPage[] } {
  const current = new Map<string, { dataset: string; rows: number }>()
  let history = emptyHistory()
  const pages: RunPage[] = []
  for (const run of runs) {
    for (const f of settledFiles(run)) {
      if (f.outcome === 'loaded' || f.outcome === 'empty') current.set(f.key, { dataset: f.dataset, rows: f.rowsOut })
      if (f.outcome === 'retracted' || f.outcome === 'quarantined') current.delete(f.key)
    }
    const rows: Record<string, number> = {}
    for (const f of settledFiles(run)) rows[f.dataset] = 0
    for (const c of current.values()) rows[c.dataset] = (rows[c.dataset] ?? 0) + c.rows
    const before = history.pages
    history = recordRun(history, runRow(run, rows))
    pages.push(...history.archived.filter((p) => p.page > before))
  }
  return { history, pages }
}

/** What `read` gives of a part, or undefined when the part is gone (merged by an Iceberg compaction, then expired). */
async function unlessGone<T>(store: ObjectStore, key: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read()
  } catch (error) {
    if (await store.head(key)) throw error
    return undefined
  }
}
