/** What happened to one raw file in a run. */
export interface FileReport {
  dataset: string
  key: string
  etag: string
  /**
   * `loaded`, `empty` and `failed` as they say; `skipped`: that version was loaded already (by
   * an earlier run, or by another execution meanwhile); `superseded`: the raw file changed or
   * went while this version was on its way, so it was not kept; `retracted`: the raw file is
   * gone and its rows were removed; `quarantined`: failed for a reason a retry cannot change
   * (see quarantine.ts), and set aside until the file changes or `sluice retry`.
   */
  outcome: 'loaded' | 'skipped' | 'empty' | 'failed' | 'quarantined' | 'superseded' | 'retracted'
  rowsIn: number
  rowsOut: number
  rowsRejected: number
  /** Curated keys written: data parts, then rejects parts. */
  outputs: string[]
  /** For `failed` and `quarantined`: the error name and message. */
  reason?: string
  /** Why a file was skipped, superseded or retracted. */
  note?: string
  /** For `retracted`: the rows removed. */
  rowsRetracted?: number
  /** SQL (Athena and local) that selects this file's rows, and its rejected rows. */
  queries?: { rows?: string; rejects: string }
  warnings?: string[]
  /**
   * Values the file wrote to `__string` variant columns: values that fit neither their
   * column's type nor a widening of it. The file loaded, but these values are not in their
   * column; its warnings name the columns and the first lines.
   */
  variantValues?: number
}

/** How the transform's warning for a variant column starts (transformStats); it carries the count. */
const VARIANT_WARNING = /^variant: (\d+) value\(s\) of column /

/** The values a file wrote to variant columns: its count, or the sum its warnings give. */
export function variantValuesOf(f: Pick<FileReport, 'variantValues' | 'warnings'>): number {
  if (f.variantValues !== undefined) return f.variantValues
  return (f.warnings ?? []).reduce((n, w) => n + Number(VARIANT_WARNING.exec(w)?.[1] ?? 0), 0)
}

/** The report of a file with its variant values counted, when it has any. */
function withVariantValues(f: FileReport): FileReport {
  const values = variantValuesOf(f)
  return values > 0 && f.variantValues === undefined ? { ...f, variantValues: values } : f
}

export interface RunTotals {
  files: number
  loaded: number
  empty: number
  failed: number
  /** Files that failed and were quarantined (also a failure of the run); absent in older reports. */
  quarantined?: number
  skipped: number
  superseded: number
  retracted: number
  /** Files still waiting when the run ended: handed to its successor (see `successor`). */
  pending: number
  rowsIn: number
  rowsOut: number
  rowsRejected: number
  rowsRetracted: number
  /** Values written to `__string` variants by the files loaded; absent in older reports. */
  variantValues?: number
}

/** `_runs/<runId>.json`: written by every load of the run, each adding its batch. */
export interface RunReport {
  runId: string
  trigger: 'schedule' | 'object' | 'reprocess'
  ingestDate: string
  startedAt: string
  updatedAt: string
  status: 'succeeded' | 'failed'
  files: FileReport[]
  totals: RunTotals
  /** The execution this run handed its pending files to, when it reached its file cap. */
  successor?: string
}

/** Adds a batch's file reports to a run report (a file reported again replaces its entry). */
export function mergeRunReport(
  previous: RunReport | undefined,
  base: Omit<RunReport, 'files' | 'totals' | 'status'>,
  batch: FileReport[],
  skipped: number,
  pending: number,
): RunReport {
  const byKey = new Map((previous?.files ?? []).map((f) => [f.key, f]))
  for (const f of batch) byKey.set(f.key, withVariantValues(f))
  const files = [...byKey.values()]
  // Files committed before the run began: counted by the first batch's plan.
  const totals = sumTotals(files, previous?.totals.skipped ?? skipped, pending)
  const successor = previous?.successor ?? base.successor
  return { ...base, startedAt: previous?.startedAt ?? base.startedAt, status: totals.failed + (totals.quarantined ?? 0) > 0 ? 'failed' : 'succeeded', files, totals, ...(successor ? { successor } : {}) }
}

export function sumTotals(files: FileReport[], skipped: number, pending = 0): RunTotals {
  const count = (outcome: FileReport['outcome']) => files.filter((f) => f.outcome === outcome).length
  return {
    files: files.length,
    loaded: count('loaded'),
    empty: count('empty'),
    failed: count('failed'),
    quarantined: count('quarantined'),
    skipped,
    superseded: count('superseded'),
    retracted: count('retracted'),
    pending,
    rowsIn: files.reduce((n, f) => n + f.rowsIn, 0),
    rowsOut: files.reduce((n, f) => n + f.rowsOut, 0),
    rowsRejected: files.reduce((n, f) => n + f.rowsRejected, 0),
    rowsRetracted: files.reduce((n, f) => n + (f.rowsRetracted ?? 0), 0),
    variantValues: files.reduce((n, f) => n + variantValuesOf(f), 0),
  }
}

/** The `Cause` of a run that ends in FilesFailed: the failed files and why, within a size limit. */
export function failureCause(report: RunReport, limit = 4000): string {
  const failed = report.files.filter((f) => f.outcome === 'failed' || f.outcome === 'quarantined')
  if (failed.length === 0) return ''
  let cause = `${failed.length} file(s) failed:`
  for (const f of failed) {
    const line = ` ${f.key}: ${f.reason ?? 'unknown error'}${f.outcome === 'quarantined' ? ' (quarantined)' : ''};`
    if (cause.length + line.length > limit) return `${cause} …`
    cause += line
  }
  return cause.replace(/;$/, '')
}
