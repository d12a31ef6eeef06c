/** What happened to one raw file in a run. */
export interface FileReport {
  dataset: string
  key: string
  etag: string
  outcome: 'loaded' | 'skipped' | 'empty' | 'failed'
  rowsIn: number
  rowsOut: number
  rowsRejected: number
  /** Curated keys written: data parts, then rejects parts. */
  outputs: string[]
  /** For `failed`: the error name and message. */
  reason?: string
  warnings?: string[]
}

export interface RunTotals {
  files: number
  loaded: number
  empty: number
  failed: number
  skipped: number
  rowsIn: number
  rowsOut: number
  rowsRejected: number
}

/** `_runs/<runId>.json`: written by every load of the run, each adding its batch. */
export interface RunReport {
  runId: string
  trigger: 'schedule' | 'object'
  ingestDate: string
  startedAt: string
  updatedAt: string
  status: 'succeeded' | 'failed'
  files: FileReport[]
  totals: RunTotals
}

/** Adds a batch's file reports to a run report (a file reported again replaces its entry). */
export function mergeRunReport(previous: RunReport | undefined, base: Omit<RunReport, 'files' | 'totals' | 'status'>, batch: FileReport[], skipped: number): RunReport {
  const byKey = new Map((previous?.files ?? []).map((f) => [f.key, f]))
  for (const f of batch) byKey.set(f.key, f)
  const files = [...byKey.values()]
  // Files committed before the run began: counted by the first batch's plan.
  const totals = sumTotals(files, previous?.totals.skipped ?? skipped)
  return { ...base, startedAt: previous?.startedAt ?? base.startedAt, status: totals.failed > 0 ? 'failed' : 'succeeded', files, totals }
}

export function sumTotals(files: FileReport[], skipped: number): RunTotals {
  const count = (outcome: FileReport['outcome']) => files.filter((f) => f.outcome === outcome).length
  return {
    files: files.length,
    loaded: count('loaded'),
    empty: count('empty'),
    failed: count('failed'),
    skipped,
    rowsIn: files.reduce((n, f) => n + f.rowsIn, 0),
    rowsOut: files.reduce((n, f) => n + f.rowsOut, 0),
    rowsRejected: files.reduce((n, f) => n + f.rowsRejected, 0),
  }
}

/** The `Cause` of a run that ends in FilesFailed: the failed files and why, within a size limit. */
export function failureCause(report: RunReport, limit = 4000): string {
  const failed = report.files.filter((f) => f.outcome === 'failed')
  if (failed.length === 0) return ''
  let cause = `${failed.length} file(s) failed:`
  for (const f of failed) {
    const line = ` ${f.key}: ${f.reason ?? 'unknown error'};`
    if (cause.length + line.length > limit) return `${cause} …`
    cause += line
  }
  return cause.replace(/;$/, '')
}
