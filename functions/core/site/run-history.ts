import type { RunReport } from '../lake/run-report'
import { SITE_PREFIX } from './site-summary'

/** `_site/runs.json`: the latest runs, for the index; older runs leave it in pages of their own. */
export const RUN_HISTORY_KEY = `${SITE_PREFIX}runs.json`

/** The index shows at least this many runs; once it holds `latest + page`, the oldest `page` go to a page. */
export const RUN_HISTORY_LIMITS = { latest: 30, page: 20, keptPages: 2 }

/** A run as the index lists it, with each dataset's rows after it (the rows chart). */
export interface RunRow {
  runId: string
  trigger: string
  startedAt: string
  updatedAt: string
  status: RunReport['status']
  totals: RunReport['totals']
  rows: Record<string, number>
}

/** A page of older runs: written once, by the site update of the run that cut it, never read back. */
export interface RunPage {
  page: number
  runs: RunRow[]
  /** The run whose row made the history cut this page. */
  cutBy: string
}

export interface RunHistory {
  /** Oldest first. */
  runs: RunRow[]
  /** Pages of older runs so far: `runs/1.html` … */
  pages: number
  /** The newest pages cut, until the site update of the run that cut each has written it. */
  archived: RunPage[]
}

export const emptyHistory = (): RunHistory => ({ runs: [], pages: 0, archived: [] })

const byStart = (a: RunRow, b: RunRow) => a.startedAt.localeCompare(b.startedAt) || a.runId.localeCompare(b.runId)

/** A run's row from its report and the rows its datasets hold after it. */
export function runRow(report: RunReport, rows: Record<string, number>): RunRow {
  return { runId: report.runId, trigger: report.trigger, startedAt: report.startedAt, updatedAt: report.updatedAt, status: report.status, totals: report.totals, rows }
}

/**
 * The history with this run's row in place (a run reported again by a later batch replaces its
 * row; a run already moved to a page is left there), and the oldest runs cut into a page once
 * enough gather. Datasets the row does not name keep their rows of the run before.
 */
export function recordRun(history: RunHistory, row: RunRow): RunHistory {
  if (history.archived.some((p) => p.runs.some((r) => r.runId === row.runId))) return history
  const others = history.runs.filter((r) => r.runId !== row.runId)
  const before = others.filter((r) => byStart(r, row) < 0).pop()
  const runs = [...others, { ...row, rows: { ...(before?.rows ?? {}), ...row.rows } }].sort(byStart)
  let { pages, archived } = history
  while (runs.length >= RUN_HISTORY_LIMITS.latest + RUN_HISTORY_LIMITS.page) {
    pages++
    archived = [...archived, { page: pages, runs: runs.splice(0, RUN_HISTORY_LIMITS.page), cutBy: row.runId }].slice(-RUN_HISTORY_LIMITS.keptPages)
  }
  return { runs, pages, archived }
}
