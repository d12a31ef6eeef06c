import type { TableInput } from '../lake/catalog'
import type { HistoryEntry } from '../table-format/iceberg/time-travel'
import { metadataLocationOf } from '../table-format/iceberg/iceberg-table-input'
import { rejectsTable } from '../lake/lake-layout'
import type { ColumnStats } from '../parquet/part-stats'
import { LINEAGE_SOURCE } from '../parquet/lineage'
import type { RunReport } from '../lake/run-report'
import { withoutRecordText } from './record-text'
import type { RunHistory, RunPage } from './run-history'
import { datasetTotals, emptySummary, type DatasetSummary, type DatasetWarning, type FileEntry, type FileRow, type FileVersion, type HeadState, type QuarantineNote, type RejectSample } from './site-summary'

export type { QuarantineNote, RejectSample } from './site-summary'

/** What the site is made from: the summaries Load keeps (site-summary.ts), read by an adapter. */
export interface SiteSources {
  generatedAt: string
  database: string
  /** Every catalog table, the `<dataset>__rejects` tables included. */
  tables: TableInput[]
  /** Every dataset's summary. */
  summaries: DatasetSummary[]
  /** The files whose pages are written. */
  files: FileEntry[]
  history: RunHistory
  /** Datasets whose pages are written; every dataset when absent. */
  changed?: string[]
  /** How the rows of one file's committed parts are found with SQL. */
  queries: { athena: boolean; localCurated?: string }
  /**
   * The deployment allows record text on the site; the summaries hold it only for the datasets
   * whose contracts opt in too. Off when absent: no record text, whatever the summaries hold.
   */
  recordText?: boolean
  /** A dataset whose last load is older than this is flagged stale; DEFAULT_STALE_AFTER_HOURS when absent. */
  staleAfterHours?: number
  /** The retained snapshots of each Iceberg table, newest first, by dataset; a Hive table has none. */
  snapshots?: Record<string, HistoryEntry[]>
}

/** How many of an Iceberg table's snapshots its dataset page shows; `sluice history` lists them all. */
export const SNAPSHOTS_ON_PAGE = 20

/** Hours after its last load that a dataset is flagged stale, unless configured otherwise. */
export const DEFAULT_STALE_AFTER_HOURS = 36
/** The environment variable that sets it, for the Site Lambda and the `sluice` command alike. */
export const STALE_AFTER_HOURS_VARIABLE = 'SLUICE_STALE_AFTER_HOURS'

export interface ColumnView {
  name: string
  type: string
  partition: boolean
  /** For a variant column `<column>__string`: the column whose values did not fit. */
  variantOf?: string
  /** Nulls, min and max over the committed files, from the Parquet statistics their Loads wrote. */
  stats?: ColumnStats
}

export interface RejectCodeView {
  code: string
  count: number
  samples: RejectSample[]
}

export interface DatasetView {
  name: string
  description?: string
  columns: ColumnView[]
  /** Rows of the committed versions. */
  rows: number
  rowsRejected: number
  files: number
  /** Parquet bytes of the committed files' data parts, as their Loads wrote them. */
  bytes: number
  lastLoad?: string
  /** No load for longer than the stale threshold, when the site was generated (the page's script tells it again on view). */
  stale: boolean
  pending: string[]
  failed: string[]
  quarantined: QuarantineNote[]
  rejectCodes: RejectCodeView[]
  /** Warnings of the runs (variant columns and other widening), newest first. */
  warnings: DatasetWarning[]
  /** The files changed last, by key. */
  recent: FileRow[]
  /** An Iceberg table's latest snapshots, newest first; absent for a Hive table. */
  snapshots?: HistoryEntry[]
}

export type FileVersionView = FileVersion

export interface FileView {
  key: string
  dataset: string
  fileId: string
  /** `committed`, `retracted`, `pending` (raw version not committed), `quarantined` or `failed`. */
  status: string
  head?: HeadState
  rawEtag?: string
  versions: FileVersionView[]
  athenaQuery?: string
  localQuery?: string
}

export interface RunView {
  runId: string
  trigger: string
  startedAt: string
  updatedAt: string
  status: RunReport['status']
  totals: RunReport['totals']
}

/** A run's outcome in words: `succeeded`, or what failed (`1 quarantined`, `2 failed, 1 quarantined`). */
export function runOutcome(run: Pick<RunView, 'status' | 'totals'>): { text: string; kind: 'succeeded' | 'failed' | 'quarantined' } {
  const { failed, quarantined = 0 } = run.totals
  if (run.status === 'succeeded' && failed + quarantined === 0) return { text: 'succeeded', kind: 'succeeded' }
  const parts = [...(failed > 0 ? [`${failed} failed`] : []), ...(quarantined > 0 ? [`${quarantined} quarantined`] : [])]
  return { text: parts.length > 0 ? parts.join(', ') : 'failed', kind: failed === 0 && quarantined > 0 ? 'quarantined' : 'failed' }
}

/** Rows per dataset after each of the latest runs. */
export interface RowsSeries {
  times: number[]
  datasets: Record<string, number[]>
}

export interface SiteModel {
  generatedAt: string
  database: string
  staleAfterHours: number
  datasets: DatasetView[]
  /** Datasets whose pages are written. */
  changed: string[]
  files: FileView[]
  /** The latest runs, oldest first. */
  runs: RunView[]
  rowsOverTime: RowsSeries
  /** Pages of older runs there are, and those to write. */
  runPages: number
  archived: { page: number; runs: RunView[] }[]
}

const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`

/** The status site's content from the summaries. Pure: no I/O, no clock. */
export function buildSiteModel(sources: SiteSources): SiteModel {
  const tables = new Map(sources.tables.map((t) => [t.Name, t]))
  const summaries = new Map(sources.summaries.map((s) => [s.dataset, s]))
  const names = [...new Set([...sources.tables.map((t) => t.Name).filter((n) => !n.includes('__')), ...summaries.keys()])].sort()
  const staleAfterHours = sources.staleAfterHours ?? DEFAULT_STALE_AFTER_HOURS
  const staleBefore = new Date(Date.parse(sources.generatedAt) - staleAfterHours * 3_600_000).toISOString()
  const datasets = names.map((name) => {
    const view = datasetView(name, tables.get(name), summaries.get(name) ?? emptySummary(name), staleBefore, sources.recordText === true)
    const snapshots = sources.snapshots?.[name]
    return snapshots ? { ...view, snapshots: snapshots.slice(0, SNAPSHOTS_ON_PAGE) } : view
  })
  const files = [...sources.files].sort((a, b) => a.key.localeCompare(b.key)).map((e) => fileView(e, sources))
  const runs = sources.history.runs
  return {
    generatedAt: sources.generatedAt,
    database: sources.database,
    staleAfterHours,
    datasets,
    changed: sources.changed ?? names,
    files,
    runs: runs.map(runView),
    rowsOverTime: { times: runs.map((r) => Math.floor(Date.parse(r.startedAt) / 1000)), datasets: Object.fromEntries(names.map((d) => [d, runs.map((r) => r.rows[d] ?? 0)])) },
    runPages: sources.history.pages,
    archived: sources.history.archived.map((p: RunPage) => ({ page: p.page, runs: p.runs.map(runView) })),
  }
}

function fileView(entry: FileEntry, sources: SiteSources): FileView {
  const { key, dataset, head } = entry
  const view: FileView = { key, dataset, fileId: entry.fileId, status: entry.status, ...(head ? { head } : {}), ...(entry.rawEtag ? { rawEtag: entry.rawEtag } : {}), versions: entry.versions }
  const iceberg = sources.tables.some((t) => t.Name === dataset && metadataLocationOf(t) !== undefined)
  if (head?.state === 'committed' && iceberg) {
    // An Iceberg table: compaction may have merged the file's rows into files shared with other
    // files' rows, so they are told apart by lineage, in the table as a query reads it.
    const source = `${ident(LINEAGE_SOURCE)} = ${sqlString(key)}`
    if (sources.queries.athena) view.athenaQuery = `SELECT * FROM ${ident(sources.database)}.${ident(dataset)} WHERE ${source}`
    if (sources.queries.localCurated) view.localQuery = `SELECT * FROM ${ident(dataset)} WHERE ${source}`
  } else if (head?.state === 'committed' && (head.shared ?? []).length > 0) {
    // Compacted: its rows share merged parts with other files' and are told apart by lineage.
    const source = `${ident(LINEAGE_SOURCE)} = ${sqlString(key)}`
    if (sources.queries.athena) view.athenaQuery = `SELECT * FROM ${ident(sources.database)}.${ident(dataset)} WHERE ${source}`
    if (sources.queries.localCurated) {
      const root = sources.queries.localCurated.replace(/\/$/, '')
      const parts = [...head.outputs, ...(head.shared ?? [])].filter((k) => !k.startsWith(rejectsTable(dataset))).map((k) => sqlString(`${root}/${k}`))
      view.localQuery = `SELECT * FROM read_parquet([${parts.join(', ')}], hive_partitioning = true, union_by_name = true) WHERE ${source}`
    }
  } else if (head?.state === 'committed') {
    const pattern = `%/${head.fileId}-${head.publishId}-%`
    if (sources.queries.athena) view.athenaQuery = `SELECT * FROM ${ident(sources.database)}.${ident(dataset)} WHERE "$path" LIKE ${sqlString(pattern)}`
    if (sources.queries.localCurated) {
      const glob = `${sources.queries.localCurated.replace(/\/$/, '')}/${dataset}/**/${head.fileId}-${head.publishId}-*.parquet`
      view.localQuery = `SELECT * FROM read_parquet(${sqlString(glob)}, hive_partitioning = true)`
    }
  }
  return view
}

function datasetView(name: string, table: TableInput | undefined, summary: DatasetSummary, staleBefore: string, recordText: boolean): DatasetView {
  const totals = datasetTotals(summary)
  const columnNames = new Set(table?.StorageDescriptor.Columns.map((c) => c.Name))
  const columns: ColumnView[] = [
    ...(table?.StorageDescriptor.Columns ?? []).map((c) => {
      const base = /^(.+)__[a-z0-9_()]+$/.exec(c.Name)?.[1]
      const stats = totals.columns?.[c.Name]
      return { name: c.Name, type: c.Type, partition: false, ...(base && columnNames.has(base) ? { variantOf: base } : {}), ...(stats ? { stats } : {}) }
    }),
    ...(table?.PartitionKeys ?? []).map((c) => ({ name: c.Name, type: c.Type, partition: true })),
  ]
  const rejectCodes = Object.entries(totals.rejectCodes)
    .filter(([, count]) => count > 0)
    .map(([code, count]) => ({ code, count, samples: summary.samples.filter((s) => s.errorCode === code).map((s) => (recordText ? s : withoutRecordText(s))) }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code))
  return {
    name,
    ...(table?.Description ? { description: table.Description } : {}),
    columns,
    rows: totals.rows,
    rowsRejected: totals.rowsRejected,
    files: totals.files,
    bytes: totals.bytes ?? 0,
    ...(totals.lastLoad ? { lastLoad: totals.lastLoad } : {}),
    stale: !!totals.lastLoad && totals.lastLoad < staleBefore,
    pending: summary.pending,
    failed: summary.failed ?? [],
    quarantined: summary.quarantined,
    rejectCodes,
    warnings: summary.warnings,
    recent: [...summary.recent].sort((a, b) => a.key.localeCompare(b.key)),
  }
}

const runView = (r: RunView): RunView => ({ runId: r.runId, trigger: r.trigger, startedAt: r.startedAt, updatedAt: r.updatedAt, status: r.status, totals: r.totals })
