import type { TableInput } from '../lake/catalog'
import { datasetOfKey, fileId, rejectsTable } from '../lake/lake-layout'
import type { LedgerRecord } from '../lake/ledger'
import { LINEAGE_SOURCE } from '../lake/lineage'
import type { FileReport, RunReport } from '../lake/run-report'

/** One rejected row as the rejects table holds it. */
export interface RejectSample {
  source: string
  line: number
  record: string
  errorCode: string
  errorMessage: string
  column?: string
}

/** A quarantine record, read defensively: only the fields a page shows, each optional. */
export interface QuarantineNote {
  dataset: string
  key?: string
  reason?: string
  at?: string
}

/** Everything the site is made from, as read from the lake by an adapter. */
export interface SiteSources {
  generatedAt: string
  database: string
  /** Every catalog table, the `<dataset>__rejects` tables included. */
  tables: TableInput[]
  /** Ledger heads, one per raw file ever committed. */
  heads: LedgerRecord[]
  quarantined: QuarantineNote[]
  runs: RunReport[]
  /** The raw zone's data files and their current versions. */
  rawFiles: { key: string; etag: string; size: number }[]
  /** Rows of the committed rejects parts, per dataset. */
  rejects: Record<string, RejectSample[]>
  /** How the rows of one file's committed parts are found with SQL. */
  queries: { athena: boolean; localCurated?: string }
}

export interface ColumnView {
  name: string
  type: string
  partition: boolean
  /** For a variant column `<column>__string`: the column whose values did not fit. */
  variantOf?: string
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
  /** Rows of the committed versions, from the ledger heads. */
  rows: number
  rowsRejected: number
  files: number
  lastLoad?: string
  pending: string[]
  quarantined: QuarantineNote[]
  rejectCodes: RejectCodeView[]
  /** Warnings of the run reports (variant columns and other widening), newest first. */
  warnings: { runId: string; at: string; key: string; text: string }[]
}

export interface FileVersionView {
  runId: string
  at: string
  etag: string
  outcome: FileReport['outcome']
  rowsIn: number
  rowsOut: number
  rowsRejected: number
  detail?: string
}

export interface FileView {
  key: string
  dataset: string
  fileId: string
  /** `committed`, `retracted`, `pending` (raw version not committed), `quarantined` or `failed`. */
  status: string
  head?: LedgerRecord
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

/** Rows per dataset after each run, reconstructed by replaying the run reports in order. */
export interface RowsSeries {
  times: number[]
  datasets: Record<string, number[]>
}

export interface SiteModel {
  generatedAt: string
  database: string
  datasets: DatasetView[]
  files: FileView[]
  runs: RunView[]
  rowsOverTime: RowsSeries
}

const byTime = (a: RunReport, b: RunReport) => a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId)
const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`

/** The status site's content from what the lake holds. Pure: no I/O, no clock. */
export function buildSiteModel(sources: SiteSources): SiteModel {
  const runs = [...sources.runs].sort(byTime)
  const headsByKey = new Map(sources.heads.map((h) => [h.key, h]))
  const rawByKey = new Map(sources.rawFiles.map((f) => [f.key, f]))
  const quarantinedKeys = new Set(sources.quarantined.map((q) => q.key).filter((k): k is string => !!k))

  const keys = new Set<string>([...headsByKey.keys(), ...rawByKey.keys()])
  for (const run of runs) for (const f of run.files) keys.add(f.key)
  const files: FileView[] = []
  for (const key of [...keys].sort()) {
    const dataset = headsByKey.get(key)?.dataset ?? runs.flatMap((r) => r.files).find((f) => f.key === key)?.dataset ?? datasetOfKey(key)
    if (!dataset) continue
    const head = headsByKey.get(key)
    const raw = rawByKey.get(key)
    const versions = runs.flatMap((run) =>
      run.files
        .filter((f) => f.key === key)
        .map((f) => ({ runId: run.runId, at: run.updatedAt, etag: f.etag, outcome: f.outcome, rowsIn: f.rowsIn, rowsOut: f.rowsOut, rowsRejected: f.rowsRejected, detail: f.reason ?? f.note })),
    )
    const last = versions[versions.length - 1]
    const status = quarantinedKeys.has(key)
      ? 'quarantined'
      : raw && head?.state === 'committed' && head.etag === raw.etag
        ? 'committed'
        : raw && last?.outcome === 'failed' && last.etag === raw.etag
          ? 'failed'
          : raw
            ? 'pending'
            : (head?.state ?? 'gone')
    const view: FileView = { key, dataset, fileId: fileId(key), status, ...(head ? { head } : {}), ...(raw ? { rawEtag: raw.etag } : {}), versions }
    if (head?.state === 'committed' && (head.shared ?? []).length > 0) {
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
    files.push(view)
  }

  const tables = new Map(sources.tables.map((t) => [t.Name, t]))
  const names = new Set<string>([...sources.tables.map((t) => t.Name).filter((n) => !n.includes('__')), ...files.map((f) => f.dataset)])
  const datasets = [...names].sort().map((name) => datasetView(name, tables.get(name), files, sources, runs))
  return { generatedAt: sources.generatedAt, database: sources.database, datasets, files, runs: runs.map(runView), rowsOverTime: rowsOverTime(runs, [...names].sort()) }
}

function datasetView(name: string, table: TableInput | undefined, allFiles: FileView[], sources: SiteSources, runs: RunReport[]): DatasetView {
  const files = allFiles.filter((f) => f.dataset === name)
  const committed = files.filter((f) => f.head?.state === 'committed').map((f) => f.head!)
  const columnNames = new Set(table?.StorageDescriptor.Columns.map((c) => c.Name))
  const columns: ColumnView[] = [
    ...(table?.StorageDescriptor.Columns ?? []).map((c) => {
      const base = /^(.+)__[a-z0-9_()]+$/.exec(c.Name)?.[1]
      return { name: c.Name, type: c.Type, partition: false, ...(base && columnNames.has(base) ? { variantOf: base } : {}) }
    }),
    ...(table?.PartitionKeys ?? []).map((c) => ({ name: c.Name, type: c.Type, partition: true })),
  ]
  const samples = sources.rejects[name] ?? []
  const codes = new Map<string, RejectSample[]>()
  for (const s of samples) codes.set(s.errorCode, [...(codes.get(s.errorCode) ?? []), s])
  const rejectCodes = [...codes.entries()]
    .map(([code, rows]) => ({ code, count: rows.length, samples: [...rows].sort((a, b) => a.source.localeCompare(b.source) || a.line - b.line).slice(0, 5) }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code))
  const warnings = runs
    .flatMap((run) => run.files.filter((f) => f.dataset === name).flatMap((f) => (f.warnings ?? []).map((text) => ({ runId: run.runId, at: run.updatedAt, key: f.key, text }))))
    .reverse()
  const lastLoad = committed.map((h) => h.committedAt).sort().pop()
  return {
    name,
    ...(table?.Description ? { description: table.Description } : {}),
    columns,
    rows: committed.reduce((n, h) => n + h.rowsOut, 0),
    rowsRejected: committed.reduce((n, h) => n + h.rowsRejected, 0),
    files: committed.length,
    ...(lastLoad ? { lastLoad } : {}),
    pending: files.filter((f) => f.status === 'pending' || f.status === 'failed').map((f) => f.key),
    quarantined: sources.quarantined.filter((q) => q.dataset === name),
    rejectCodes,
    warnings,
  }
}

const runView = (r: RunReport): RunView => ({ runId: r.runId, trigger: r.trigger, startedAt: r.startedAt, updatedAt: r.updatedAt, status: r.status, totals: r.totals })

/**
 * Rows per dataset after each run: each file's latest loaded version counts its rowsOut, a
 * retraction removes it. Run reports are the only history the lake keeps, so runs whose report
 * was removed are missing here.
 */
function rowsOverTime(runs: RunReport[], datasets: string[]): RowsSeries {
  const current = new Map<string, { dataset: string; rows: number }>()
  const series: RowsSeries = { times: [], datasets: Object.fromEntries(datasets.map((d) => [d, []])) }
  for (const run of runs) {
    for (const f of run.files) {
      if (f.outcome === 'loaded' || f.outcome === 'empty') current.set(f.key, { dataset: f.dataset, rows: f.rowsOut })
      if (f.outcome === 'retracted') current.delete(f.key)
    }
    series.times.push(Math.floor(Date.parse(run.startedAt) / 1000))
    for (const d of datasets) series.datasets[d]!.push([...current.values()].filter((c) => c.dataset === d).reduce((n, c) => n + c.rows, 0))
  }
  return series
}
