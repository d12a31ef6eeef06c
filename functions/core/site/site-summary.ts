import { fileId } from '../lake/lake-layout'
import type { LedgerRecord } from '../lake/ledger'
import type { FileReport } from '../lake/run-report'
import { mergePartColumnStats, type PartColumnStats } from '../parquet/part-stats'

/**
 * What the status site is made from, kept up to date by Load so that the site never reads the
 * whole lake. In the curated zone, under `_site/`:
 *
 * - `_site/datasets/<dataset>.json`, the dataset's summary: its headline numbers as subtotals
 *   per file shard, and bounded lists (the files changed last, pending and quarantined files,
 *   samples of rejected rows per error code, warnings). Its size does not grow with the files.
 * - `_site/files/<dataset>/<shard>.json`, a shard of the dataset's files (by the first two hex
 *   digits of the file id): each file's latest state and its last versions, what a file page
 *   shows. A Load reads and rewrites only the shards of its batch's files.
 * - `_site/runs.json`, the latest runs (run-history.ts).
 *
 * Every object changes by compare-and-swap only, so concurrent Loads never lose an update.
 */
export const SITE_PREFIX = '_site/'
export const SUMMARY_PREFIX = `${SITE_PREFIX}datasets/`
export const summaryKey = (dataset: string) => `${SUMMARY_PREFIX}${dataset}.json`
export const shardPrefix = (dataset: string) => `${SITE_PREFIX}files/${dataset}/`
export const shardKey = (dataset: string, shard: string) => `${shardPrefix(dataset)}${shard}.json`
/** The shard of a file: 256 per dataset, so 100,000 files make shards of about 400. */
export const shardOf = (fileId: string) => fileId.slice(0, 2)

/** How much the bounded lists keep. */
export const SUMMARY_LIMITS = { versions: 10, samplesPerCode: 5, warnings: 50, listed: 100, recentFiles: 100 }

/** One rejected row as the rejects table holds it; `record` only where record text is shown (record-text.ts). */
export interface RejectSample {
  source: string
  line: number
  record?: string
  errorCode: string
  errorMessage: string
  column?: string
}

/** A quarantined file: only the fields a page shows, each optional. */
export interface QuarantineNote {
  dataset: string
  key?: string
  reason?: string
  at?: string
}

/** One run's outcome for a file. `at` is when the run started. */
export interface FileVersion {
  runId: string
  at: string
  etag: string
  outcome: FileReport['outcome']
  rowsIn: number
  rowsOut: number
  rowsRejected: number
  detail?: string
}

/** What the ledger head said of a file when it was last merged; its `replaced` list left out. */
export type HeadState = Omit<LedgerRecord, 'replaced' | 'formerHomes'>

/** A file's latest state, as its page shows it. */
export interface FileEntry {
  key: string
  dataset: string
  fileId: string
  /** `committed`, `retracted`, `pending`, `failed` or `quarantined`. */
  status: string
  head?: HeadState
  /** The raw version last seen; absent once the raw file is gone. */
  rawEtag?: string
  /** Rejected rows of the head's version by error code (none unless committed). */
  rejectCodes: Record<string, number>
  /** Parquet bytes of the head's data parts as written (none unless committed). */
  bytes?: number
  /** Column statistics of the head's data parts (none unless committed). */
  columns?: PartColumnStats
  /** The last versions, oldest first. */
  versions: FileVersion[]
  /** When the file last changed: its commit, or the run that reported it. */
  at: string
  /** The run and batch (its report's `updatedAt`) that merged it last: the site update of that batch writes its page. */
  mergedBy?: { runId: string; batchAt: string }
}

/** A shard of a dataset's files; `seq` counts its writes, so a summary keeps the newest totals. */
export interface FileShard {
  seq: number
  files: Record<string, FileEntry>
}

/** What the committed files of one shard add up to. */
export interface ShardTotals {
  seq: number
  files: number
  rows: number
  rowsRejected: number
  rejectCodes: Record<string, number>
  lastLoad?: string
  /** Parquet bytes of the files' data parts; absent in older summaries. */
  bytes?: number
  /** The files' column statistics merged; absent when no file had any. */
  columns?: PartColumnStats
}

/** A file as the dataset page lists it. */
export interface FileRow {
  key: string
  fileId: string
  status: string
  rowsOut?: number
  rowsRejected?: number
  committedAt?: string
  at: string
}

export interface DatasetWarning {
  runId: string
  at: string
  key: string
  text: string
}

/** `_site/datasets/<dataset>.json`. */
export interface DatasetSummary {
  dataset: string
  shards: Record<string, ShardTotals>
  /** The files changed last, newest first. */
  recent: FileRow[]
  /** Files whose raw version is not committed yet. */
  pending: string[]
  /** Files whose last run failed (a retry may load them); absent in older summaries, which listed them as pending. */
  failed?: string[]
  quarantined: QuarantineNote[]
  /** The first rejected rows per error code, by file and line. */
  samples: RejectSample[]
  /** Newest first. */
  warnings: DatasetWarning[]
}

/** A file's report from one run, with what the ledger head says now. */
export interface FileUpdate {
  report: FileReport
  runId: string
  /** When the run started. */
  at: string
  head?: LedgerRecord
  /** Rejected rows by code of the reported version, when Load had them in hand. */
  rejectCodes?: Record<string, number>
  /** With `rejectCodes`: the version's data bytes and column statistics. */
  bytes?: number
  columns?: PartColumnStats
  /** The run report's `updatedAt` after the batch's merge. */
  batchAt?: string
}

const counted = (head: HeadState | undefined) => head?.state === 'committed'

/** A file's status after a report of it: the head decides whether it holds rows. */
function statusOf(outcome: FileReport['outcome'], head: HeadState | undefined): string {
  if (outcome === 'failed' || outcome === 'quarantined' || outcome === 'retracted') return outcome
  if (outcome === 'superseded') return 'pending'
  return counted(head) ? 'committed' : (head?.state ?? 'pending')
}

/**
 * A file's entry after one more report of it. Rerunnable: a report merged twice gives the same
 * entry. An older head never replaces a newer one, whatever order concurrent Loads merge in.
 */
export function mergeFileEntry(previous: FileEntry | undefined, update: FileUpdate): FileEntry {
  const { report } = update
  const given: HeadState | undefined = update.head ? withoutReplaced(update.head) : undefined
  const kept = previous?.head && (!given || previous.head.committedAt > given.committedAt) ? previous.head : given
  const sameVersion = !!kept && previous?.head?.publishId === kept.publishId && previous.head.state === kept.state
  // A version whose rejects Load did not have in hand (a reprocess swapped in) keeps the counts of the same raw version.
  const sameSource = !!kept && !update.rejectCodes && previous?.head?.state === 'committed' && previous.head.etag === kept.etag
  type Measured = Pick<FileEntry, 'rejectCodes' | 'bytes' | 'columns'>
  const fromUpdate: Measured = { rejectCodes: update.rejectCodes ?? {}, bytes: update.bytes, columns: update.columns }
  const fromPrevious: Measured = { rejectCodes: previous?.rejectCodes ?? {}, bytes: previous?.bytes, columns: previous?.columns }
  const measured: Measured = !counted(kept) ? { rejectCodes: {} } : kept === given && update.rejectCodes ? fromUpdate : sameVersion || sameSource ? fromPrevious : fromUpdate
  const { rejectCodes } = measured
  const version: FileVersion = {
    runId: update.runId, at: update.at, etag: report.etag, outcome: report.outcome, rowsIn: report.rowsIn, rowsOut: report.rowsOut, rowsRejected: report.rowsRejected,
    ...((report.reason ?? report.note) ? { detail: report.reason ?? report.note } : {}),
  }
  const versions = [...(previous?.versions ?? []).filter((v) => v.runId !== update.runId), version]
    .sort((a, b) => a.at.localeCompare(b.at) || a.runId.localeCompare(b.runId))
    .slice(-SUMMARY_LIMITS.versions)
  const rawEtag = report.outcome === 'retracted' ? undefined : report.outcome === 'superseded' ? previous?.rawEtag : report.etag
  return {
    key: report.key, dataset: report.dataset, fileId: fileId(report.key),
    status: statusOf(report.outcome, kept), ...(kept ? { head: kept } : {}), ...(rawEtag ? { rawEtag } : {}),
    rejectCodes, ...(measured.bytes !== undefined ? { bytes: measured.bytes } : {}), ...(measured.columns ? { columns: measured.columns } : {}),
    versions, at: kept?.committedAt ?? update.at, ...(update.batchAt ? { mergedBy: { runId: update.runId, batchAt: update.batchAt } } : {}),
  }
}

function withoutReplaced(head: LedgerRecord): HeadState {
  const { replaced: _replaced, formerHomes: _former, ...rest } = head
  return rest
}

/** The shard with these entries in place of the files' earlier ones, one write later. */
export function mergeShard(shard: FileShard | undefined, entries: FileEntry[]): FileShard {
  const files = { ...(shard?.files ?? {}) }
  for (const e of entries) files[e.key] = e
  return { seq: (shard?.seq ?? 0) + 1, files }
}

/** What a shard's committed files add up to. */
export function shardTotals(shard: FileShard): ShardTotals {
  const totals: ShardTotals = { seq: shard.seq, files: 0, rows: 0, rowsRejected: 0, rejectCodes: {}, bytes: 0 }
  const columns: (PartColumnStats | undefined)[] = []
  for (const e of Object.values(shard.files)) {
    if (!counted(e.head)) continue
    totals.files++
    totals.rows += e.head!.rowsOut
    totals.rowsRejected += e.head!.rowsRejected
    for (const [code, n] of Object.entries(e.rejectCodes)) totals.rejectCodes[code] = (totals.rejectCodes[code] ?? 0) + n
    if (!totals.lastLoad || e.head!.committedAt > totals.lastLoad) totals.lastLoad = e.head!.committedAt
    totals.bytes! += e.bytes ?? 0
    columns.push(e.columns)
  }
  const merged = mergePartColumnStats(columns)
  return merged ? { ...totals, columns: merged } : totals
}

/** A dataset's headline numbers: the sum of its shards'. */
export function datasetTotals(summary: DatasetSummary): Omit<ShardTotals, 'seq'> {
  const totals: Omit<ShardTotals, 'seq'> = { files: 0, rows: 0, rowsRejected: 0, rejectCodes: {}, bytes: 0 }
  const shards = Object.values(summary.shards)
  for (const s of shards) {
    totals.files += s.files
    totals.rows += s.rows
    totals.rowsRejected += s.rowsRejected
    totals.bytes! += s.bytes ?? 0
    for (const [code, n] of Object.entries(s.rejectCodes)) totals.rejectCodes[code] = (totals.rejectCodes[code] ?? 0) + n
    if (s.lastLoad && (!totals.lastLoad || s.lastLoad > totals.lastLoad)) totals.lastLoad = s.lastLoad
  }
  const columns = mergePartColumnStats(shards.map((s) => s.columns))
  return columns ? { ...totals, columns } : totals
}

export const emptySummary = (dataset: string): DatasetSummary => ({ dataset, shards: {}, recent: [], pending: [], failed: [], quarantined: [], samples: [], warnings: [] })

/** What one merge brings to a dataset's summary. */
export interface SummaryChange {
  /** The merged files' new entries. */
  entries: FileEntry[]
  /** Totals of the shards they were written to. */
  shards: Record<string, ShardTotals>
  /** Rejected rows of the merged files' committed versions (any number: the first are kept). */
  samples: RejectSample[]
  /** The batch's warnings, in report order. */
  warnings: DatasetWarning[]
}

const bySample = (a: RejectSample, b: RejectSample) => a.source.localeCompare(b.source) || a.line - b.line
const byKey = <T extends { key?: string }>(a: T, b: T) => (a.key ?? '').localeCompare(b.key ?? '')

/**
 * The summary with a merge applied: shard totals newer than those it holds, and the bounded
 * lists with the merged files' old items replaced by their new ones. Rerunnable and, but for
 * the order of warnings, independent of the order merges land in.
 */
export function mergeSummary(summary: DatasetSummary, change: SummaryChange): DatasetSummary {
  const shards = { ...summary.shards }
  for (const [id, t] of Object.entries(change.shards)) if ((shards[id]?.seq ?? -1) < t.seq) shards[id] = t
  const keys = new Set(change.entries.map((e) => e.key))
  const recent = [...summary.recent.filter((r) => !keys.has(r.key)), ...change.entries.map(fileRow)]
    .sort((a, b) => b.at.localeCompare(a.at) || a.key.localeCompare(b.key))
    .slice(0, SUMMARY_LIMITS.recentFiles)
  const listed = (previous: string[], status: string) =>
    [...previous.filter((k) => !keys.has(k)), ...change.entries.filter((e) => e.status === status).map((e) => e.key)].sort().slice(0, SUMMARY_LIMITS.listed)
  const failedBefore = summary.failed ?? []
  // Older summaries listed failed files among the pending ones.
  const pending = listed(summary.pending.filter((k) => !failedBefore.includes(k)), 'pending')
  const failed = listed(failedBefore, 'failed')
  const quarantined = [...summary.quarantined.filter((q) => !q.key || !keys.has(q.key)), ...change.entries.filter((e) => e.status === 'quarantined').map(quarantineNote)]
    .sort(byKey)
    .slice(0, SUMMARY_LIMITS.listed)
  const counting = new Set(change.entries.filter((e) => counted(e.head)).map((e) => e.key))
  const candidates = [...summary.samples.filter((s) => !keys.has(s.source)), ...change.samples.filter((s) => counting.has(s.source))].sort(bySample)
  const perCode = new Map<string, number>()
  const samples = candidates.filter((s) => {
    const n = perCode.get(s.errorCode) ?? 0
    perCode.set(s.errorCode, n + 1)
    return n < SUMMARY_LIMITS.samplesPerCode
  })
  const seen = new Set(change.warnings.map(warningId))
  const warnings = [...[...change.warnings].reverse(), ...summary.warnings.filter((w) => !seen.has(warningId(w)))].slice(0, SUMMARY_LIMITS.warnings)
  return { dataset: summary.dataset, shards, recent, pending, failed, quarantined, samples, warnings }
}

const warningId = (w: DatasetWarning) => `${w.runId}\n${w.key}\n${w.text}`

function fileRow(e: FileEntry): FileRow {
  const h = e.head
  return { key: e.key, fileId: e.fileId, status: e.status, ...(h ? { rowsOut: h.rowsOut, rowsRejected: h.rowsRejected, committedAt: h.committedAt } : {}), at: e.at }
}

function quarantineNote(e: FileEntry): QuarantineNote {
  const reason = [...e.versions].reverse().find((v) => v.outcome === 'quarantined')?.detail
  return { dataset: e.dataset, key: e.key, ...(reason ? { reason } : {}), at: e.at }
}

/** The warnings of a batch's reports of one dataset, in report order. */
export function batchWarnings(reports: FileReport[], runId: string, at: string): DatasetWarning[] {
  return reports.flatMap((f) => (f.warnings ?? []).map((text) => ({ runId, at, key: f.key, text })))
}
