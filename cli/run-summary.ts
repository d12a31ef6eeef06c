import { variantValuesOf, type RunReport } from '../functions/core/lake/run-report'
import { formatTable } from './format-table'

type FileEntry = RunReport['files'][number]

/** Outcomes that need nobody's attention; anything else (failed, quarantined, …) does. */
const QUIET_OUTCOMES = new Set(['loaded', 'empty', 'skipped'])

/**
 * A file worth a line of its own: it did not load cleanly, some of its rows were rejected, some
 * of its values went to `__string` variant columns, or its load has warnings (a guessed
 * encoding, a skipped preamble, …), which the run must show and not only its receipt.
 */
export const needsAttention = (f: FileEntry) => !QUIET_OUTCOMES.has(f.outcome) || f.rowsRejected > 0 || variantValuesOf(f) > 0 || (f.warnings?.length ?? 0) > 0

/** The outcome column: a file that loaded with values in variant columns says so. */
function outcomeCell(f: FileEntry): string {
  const variants = variantValuesOf(f)
  return variants > 0 ? `${f.outcome}, ${variants} to __string` : f.outcome
}

/**
 * The run report for a terminal: totals per dataset first, then only the files that failed,
 * were quarantined, rejected rows, wrote values to variant columns or have warnings (every file
 * with `all`), then the run's totals line.
 */
export function formatRunSummary(report: RunReport, options: { all?: boolean } = {}): string {
  const t = report.totals
  const sections: string[] = []
  const datasets = new Map<string, { dataset: string; files: number; loaded: number; failed: number; quarantined: number; 'rows in': number; 'rows loaded': number; rejected: number; 'to __string': number }>()
  for (const f of report.files) {
    if (f.outcome === 'skipped') continue
    const d = datasets.get(f.dataset) ?? { dataset: f.dataset, files: 0, loaded: 0, failed: 0, quarantined: 0, 'rows in': 0, 'rows loaded': 0, rejected: 0, 'to __string': 0 }
    d.files += 1
    if (f.outcome === 'loaded' || f.outcome === 'empty') d.loaded += 1
    else if (f.outcome === 'failed') d.failed += 1
    else if (f.outcome === 'quarantined') d.quarantined += 1
    d['rows in'] += f.rowsIn
    d['rows loaded'] += f.rowsOut
    d.rejected += f.rowsRejected
    d['to __string'] += variantValuesOf(f)
    datasets.set(f.dataset, d)
  }
  if (datasets.size > 0) {
    const rows = [...datasets.values()].sort((a, b) => a.dataset.localeCompare(b.dataset))
    // Values in variant columns get a column of their own, only when there are some.
    const variants = rows.some((r) => r['to __string'] > 0) ? ['to __string'] : []
    // So are quarantined files, which are not failed ones: no run tries them again until they change.
    const quarantined = rows.some((r) => r.quarantined > 0) ? ['quarantined'] : []
    sections.push(formatTable(['dataset', 'files', 'loaded', 'failed', ...quarantined, 'rows in', 'rows loaded', 'rejected', ...variants], rows))
  }
  const listed = options.all ? report.files : report.files.filter(needsAttention)
  if (listed.length > 0) {
    const rows = listed.map((f) => ({
      dataset: f.dataset,
      file: f.key,
      outcome: outcomeCell(f),
      'rows in': f.rowsIn,
      loaded: f.rowsOut,
      rejected: f.rowsRejected,
      note: [f.reason, f.note, ...(f.warnings ?? [])].filter(Boolean).join('; '),
    }))
    sections.push(formatTable(['dataset', 'file', 'outcome', 'rows in', 'loaded', 'rejected', 'note'], rows))
  }
  const hidden = report.files.length - listed.length
  const variantTotal = report.files.reduce((n, f) => n + variantValuesOf(f), 0)
  const warned = report.files.filter((f) => (f.warnings?.length ?? 0) > 0).length
  const totals =
    `run ${report.runId}: ${t.files} file(s) processed (${t.loaded} loaded, ${t.empty} empty, ${t.failed} failed${t.quarantined ? `, ${t.quarantined} quarantined` : ''}), ` +
    `${t.skipped} already loaded and skipped; ${t.rowsIn} rows in, ${t.rowsOut} loaded, ${t.rowsRejected} rejected` +
    (variantTotal > 0 ? `; ${variantTotal} value(s) fit neither their column's type nor a widening of it and went to __string variant columns (see the warnings)` : '') +
    (warned > 0 ? `; ${warned} file(s) with warnings (listed above)` : '') +
    (t.retracted > 0 ? `; ${t.retracted} deleted file(s) retracted (${t.rowsRetracted} rows)` : '') +
    (t.superseded > 0 ? `; ${t.superseded} superseded by a newer version` : '') +
    (t.pending > 0 ? `\n${t.pending} file(s) still pending${report.successor ? `: handed to run ${report.successor}` : ''}` : '') +
    (hidden > 0 ? `\n${hidden} file(s) loaded without rejects are not listed (--all lists every file)` : '')
  return `${[...sections, totals].join('\n')}\n`
}
