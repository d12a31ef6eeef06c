import type { ObjectStore } from '../../functions/core/lake/object-store'
import type { RunReport } from '../../functions/core/lake/run-report'

/** A run as `sluice runs` lists it: the report without its file list. */
export type RunSummary = Omit<RunReport, 'files'>

/** Every run report of the curated zone (`_runs/`), newest first (by start, then last update). */
export async function readRunReports(curated: Pick<ObjectStore, 'list' | 'readText'>): Promise<RunReport[]> {
  const reports: RunReport[] = []
  for await (const o of curated.list('_runs/')) {
    if (!o.key.endsWith('.json')) continue
    const text = await curated.readText(o.key)
    if (!text) continue
    try {
      reports.push(JSON.parse(text) as RunReport)
    } catch {
      // A report being written by a run that died mid-way on a store without atomic writes.
    }
  }
  return reports.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.updatedAt.localeCompare(a.updatedAt) || b.runId.localeCompare(a.runId))
}

/** The runs, newest first, at most `limit`, each with its totals. */
export async function runHistory(curated: Pick<ObjectStore, 'list' | 'readText'>, limit = Infinity): Promise<RunSummary[]> {
  return (await readRunReports(curated)).slice(0, limit).map(({ files: _files, ...run }) => run)
}
