import { variantValuesOf, type FileReport } from '../core/lake/run-report'
import type { LoadEvent, PlannedBatch } from '../core/lake/workflow-types'
import { METRIC, type MetricName } from './metric-names'
import { addTo, type DatasetValues } from './metrics'

export interface StepMetrics {
  perDataset: DatasetValues
  /** Metrics that have no dataset. */
  overall: Partial<Record<MetricName, number>>
}

/**
 * What a Load batch did, per dataset, from what each file's commit came to: files loaded
 * (loaded or empty), failed and quarantined, rows in, loaded and rejected, values written to
 * `__string` variant columns, raw bytes of the files loaded. A version another run loaded first, or one the raw zone replaced meanwhile,
 * counts as neither. Zeros are explicit, so that a reject rate has both terms and a
 * failed-files alarm sees data.
 */
export function loadMetrics(event: Pick<LoadEvent, 'results'>, reports: FileReport[]): StepMetrics {
  const perDataset: DatasetValues = new Map()
  const sizes = new Map(event.results.map((r) => [r.file.key, r.file.size]))
  for (const report of reports) {
    const { dataset } = report
    const outcome = report.outcome as string
    const loaded = outcome === 'loaded' || outcome === 'empty'
    addTo(perDataset, dataset, METRIC.filesLoaded, loaded ? 1 : 0)
    // A quarantined file failed too (the first time): the failed-files alarm sees it.
    addTo(perDataset, dataset, METRIC.filesFailed, outcome === 'failed' || outcome === 'quarantined' ? 1 : 0)
    addTo(perDataset, dataset, METRIC.filesQuarantined, outcome === 'quarantined' ? 1 : 0)
    addTo(perDataset, dataset, METRIC.rowsIn, loaded ? report.rowsIn : 0)
    addTo(perDataset, dataset, METRIC.rowsLoaded, loaded ? report.rowsOut : 0)
    addTo(perDataset, dataset, METRIC.rowsRejected, loaded ? report.rowsRejected : 0)
    addTo(perDataset, dataset, METRIC.variantValues, loaded ? variantValuesOf(report) : 0)
    addTo(perDataset, dataset, METRIC.bytesIn, loaded ? (sizes.get(report.key) ?? 0) : 0)
  }
  return { perDataset, overall: {} }
}

/**
 * Files planned per dataset, and the backlog: this batch plus the files still waiting beyond it.
 */
export function planMetrics(plan: Pick<PlannedBatch, 'items' | 'pending'>): StepMetrics {
  const perDataset: DatasetValues = new Map()
  for (const item of plan.items) addTo(perDataset, item.dataset, METRIC.filesPlanned, 1)
  return { perDataset, overall: { [METRIC.backlog]: plan.items.length + plan.pending } }
}

/** One file's transform time, under its dataset. */
export function transformMetrics(dataset: string, seconds: number): StepMetrics {
  return { perDataset: new Map([[dataset, { [METRIC.transformSeconds]: seconds }]]), overall: {} }
}
