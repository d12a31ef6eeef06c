import type { FileReport } from '../core/lake/run-report'
import type { FileResult, LoadOutput, LoadRequest } from '../core/lake/workflow-types'
import { loadBatch, type LoadDeps } from './load-step'
import { mapRunResults } from './map-run-results'

/**
 * Load as the workflow calls it: reads the batch's items and the Map run's results from the
 * curated zone, loads them, then removes the batch's objects (manifest, shared fields, result
 * files), last, so that a Load retried after any earlier failure still finds them. Gives the
 * results read, besides `loadBatch`'s output and file reports.
 */
export async function loadRequest(deps: LoadDeps, request: LoadRequest, clock?: () => Date): Promise<{ output: LoadOutput; reports: FileReport[]; results: FileResult[] }> {
  const results = await mapRunResults(deps.curated, request)
  const { batch, mapRun: _mapRun, ...fields } = request
  const loaded = await loadBatch(deps, { ...fields, results }, clock)
  if (batch.files > 0) {
    const keys: string[] = []
    for await (const o of deps.curated.list(batch.key.slice(0, batch.key.lastIndexOf('/') + 1))) keys.push(o.key)
    await deps.curated.delete(keys)
  }
  return { ...loaded, results }
}
