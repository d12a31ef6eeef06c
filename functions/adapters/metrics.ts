import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics'
import { DATASET_DIMENSION, METRIC, METRICS_NAMESPACE, type MetricName } from './metric-names'

/**
 * The one Metrics instance of a Lambda: EMF lines in its log, which CloudWatch turns into
 * metrics. Namespace from `POWERTOOLS_METRICS_NAMESPACE` (default `sluice`), the `service`
 * dimension from `POWERTOOLS_SERVICE_NAME` (the stack sets its prefix).
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'sluice',
})

const UNITS: Record<MetricName, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  [METRIC.filesLoaded]: MetricUnit.Count,
  [METRIC.filesFailed]: MetricUnit.Count,
  [METRIC.filesQuarantined]: MetricUnit.Count,
  [METRIC.rowsIn]: MetricUnit.Count,
  [METRIC.rowsLoaded]: MetricUnit.Count,
  [METRIC.rowsRejected]: MetricUnit.Count,
  [METRIC.variantValues]: MetricUnit.Count,
  [METRIC.bytesIn]: MetricUnit.Bytes,
  [METRIC.transformSeconds]: MetricUnit.Seconds,
  [METRIC.filesPlanned]: MetricUnit.Count,
  [METRIC.backlog]: MetricUnit.Count,
}

/** Values of some metrics, per dataset. */
export type DatasetValues = Map<string, Partial<Record<MetricName, number>>>

/** Adds `value` to one dataset's metric, creating the entry. */
export function addTo(values: DatasetValues, dataset: string, name: MetricName, value: number): void {
  const entry = values.get(dataset) ?? {}
  entry[name] = (entry[name] ?? 0) + value
  values.set(dataset, entry)
}

function publish(dimension: string | undefined, entry: Partial<Record<MetricName, number>>): void {
  const names = Object.keys(entry) as MetricName[]
  if (names.length === 0) return
  if (dimension !== undefined) metrics.addDimension(DATASET_DIMENSION, dimension)
  for (const name of names) metrics.addMetric(name, UNITS[name], entry[name]!)
  metrics.publishStoredMetrics()
}

/**
 * Publishes each dataset's values with the dataset as a dimension, then their sums (plus
 * `overall`, metrics that have no dataset) with the service dimension only.
 */
export function publishDatasetMetrics(values: DatasetValues, overall: Partial<Record<MetricName, number>> = {}): void {
  const sums: Partial<Record<MetricName, number>> = { ...overall }
  for (const [dataset, entry] of [...values].sort(([a], [b]) => a.localeCompare(b))) {
    // CloudWatch refuses an empty dimension value: a file at the raw zone's root has a dataset, but be safe.
    publish(dataset || '(none)', entry)
    for (const [name, value] of Object.entries(entry) as [MetricName, number][]) sums[name] = (sums[name] ?? 0) + value
  }
  publish(undefined, sums)
}
