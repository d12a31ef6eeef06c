import type { LoadEvent, PlanOutput } from '../core/workflow-types'
import { METRIC, type MetricName } from './metric-names'
import { addTo, type DatasetValues } from './metrics'

export interface StepMetrics {
  perDataset: DatasetValues
  /** Metrics that have no dataset. */
  overall: Partial<Record<MetricName, number>>
}

/**
 * What a Load batch did, per dataset, from the results it was handed: files loaded, failed and
 * quarantined, rows in, loaded and rejected, raw bytes. Zeros are explicit, so that a reject
 * rate has both terms and a failed-files alarm sees data.
 */
export function loadMetrics(event: Pick<LoadEvent, 'results'>): StepMetrics {
  const perDataset: DatasetValues = new Map()
  for (const result of byFile(event.results)) {
    const { dataset, size } = result.file
    const status = result.status as string
    addTo(perDataset, dataset, METRIC.filesLoaded, status === 'transformed' || status === 'empty' ? 1 : 0)
    addTo(perDataset, dataset, METRIC.filesFailed, status === 'failed' ? 1 : 0)
    addTo(perDataset, dataset, METRIC.filesQuarantined, status === 'quarantined' ? 1 : 0)
    const rows = result.status === 'transformed' || result.status === 'empty' ? result : { rowsIn: 0, rowsOut: 0, rowsRejected: 0 }
    addTo(perDataset, dataset, METRIC.rowsIn, rows.rowsIn)
    addTo(perDataset, dataset, METRIC.rowsLoaded, rows.rowsOut)
    addTo(perDataset, dataset, METRIC.rowsRejected, rows.rowsRejected)
    addTo(perDataset, dataset, METRIC.bytesIn, status === 'failed' ? 0 : size)
  }
  return { perDataset, overall: {} }
}

/**
 * The results with the byte ranges of each split file made one: failed if any range failed,
 * else its rows summed. (Load itself may still fail the file as a whole.)
 */
function byFile(results: LoadEvent['results']): LoadEvent['results'] {
  const out: LoadEvent['results'] = []
  const split = new Map<string, LoadEvent['results'][number]>()
  for (const r of results) {
    if (!r.file.range) {
      out.push(r)
      continue
    }
    const id = `${r.file.fileId}\n${r.file.etag}`
    const seen = split.get(id)
    if (!seen) {
      split.set(id, r)
      out.push(r)
      continue
    }
    const merged =
      seen.status === 'failed' ? seen
      : r.status === 'failed' ? r
      : seen.status === 'transformed' && r.status === 'transformed'
        ? { ...seen, rowsIn: seen.rowsIn + r.rowsIn, rowsOut: seen.rowsOut + r.rowsOut, rowsRejected: seen.rowsRejected + r.rowsRejected }
        : seen
    split.set(id, merged)
    out[out.indexOf(seen)] = merged
  }
  return out
}

/**
 * Files planned per dataset, and the backlog: this batch plus the files still waiting beyond it.
 */
export function planMetrics(plan: Pick<PlanOutput, 'items' | 'pending'>): StepMetrics {
  const perDataset: DatasetValues = new Map()
  for (const item of plan.items) addTo(perDataset, item.dataset, METRIC.filesPlanned, 1)
  return { perDataset, overall: { [METRIC.backlog]: plan.items.length + plan.pending } }
}

/** One file's transform time, under its dataset. */
export function transformMetrics(dataset: string, seconds: number): StepMetrics {
  return { perDataset: new Map([[dataset, { [METRIC.transformSeconds]: seconds }]]), overall: {} }
}
