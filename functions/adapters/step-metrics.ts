import { isQuarantined } from '../core/quarantine'
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
  for (const result of event.results) {
    const { dataset, size } = result.file
    const status = result.status as string
    addTo(perDataset, dataset, METRIC.filesLoaded, status === 'transformed' || status === 'empty' ? 1 : 0)
    addTo(perDataset, dataset, METRIC.filesFailed, status === 'failed' ? 1 : 0)
    addTo(perDataset, dataset, METRIC.filesQuarantined, result.status === 'failed' && isQuarantined(result.error) ? 1 : 0)
    const rows = result.status === 'transformed' || result.status === 'empty' ? result : { rowsIn: 0, rowsOut: 0, rowsRejected: 0 }
    addTo(perDataset, dataset, METRIC.rowsIn, rows.rowsIn)
    addTo(perDataset, dataset, METRIC.rowsLoaded, rows.rowsOut)
    addTo(perDataset, dataset, METRIC.rowsRejected, rows.rowsRejected)
    addTo(perDataset, dataset, METRIC.bytesIn, status === 'failed' ? 0 : size)
  }
  return { perDataset, overall: {} }
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
