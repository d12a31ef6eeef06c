import type { RunReport } from '../functions/core/run-report'
import { formatTable } from './format-table'

/** The run report as a table of files and a totals line. */
export function formatRunSummary(report: RunReport): string {
  const t = report.totals
  const rows = report.files.map((f) => ({
    dataset: f.dataset,
    file: f.key,
    outcome: f.outcome,
    'rows in': f.rowsIn,
    loaded: f.rowsOut,
    rejected: f.rowsRejected,
    note: f.reason ?? (f.warnings ?? []).join('; '),
  }))
  const table = rows.length > 0 ? formatTable(['dataset', 'file', 'outcome', 'rows in', 'loaded', 'rejected', 'note'], rows) : ''
  const totals =
    `run ${report.runId}: ${t.files} file(s) processed (${t.loaded} loaded, ${t.empty} empty, ${t.failed} failed), ` +
    `${t.skipped} already loaded and skipped; ${t.rowsIn} rows in, ${t.rowsOut} loaded, ${t.rowsRejected} rejected`
  return `${table}${table ? '\n' : ''}${totals}\n`
}
