/**
 * The custom metrics the step Lambdas emit (CloudWatch embedded metric format), shared by the
 * handlers and by the alarms and dashboard of the stack. Every metric is emitted twice: with
 * the dimensions `service` and `dataset`, and with `service` alone, the sum over datasets that
 * alarms watch (an alarm cannot search dimension values).
 */
export const METRICS_NAMESPACE = 'sluice'

/** Dimension naming the dataset (the raw zone's first folder). */
export const DATASET_DIMENSION = 'dataset'

export const METRIC = {
  /** Files Load received transformed (or empty) and published. */
  filesLoaded: 'FilesLoaded',
  /** Files whose Transform failed after its retries (the workflow's RecordFailure). */
  filesFailed: 'FilesFailed',
  /** Failed files set aside in quarantine (also counted in FilesFailed). */
  filesQuarantined: 'FilesQuarantined',
  rowsIn: 'RowsIn',
  rowsLoaded: 'RowsLoaded',
  rowsRejected: 'RowsRejected',
  /** Values of loaded files written to `__string` variant columns (they fit neither their column's type nor a widening of it). */
  variantValues: 'VariantValues',
  /** Bytes of the raw files loaded (compressed size for gzip). */
  bytesIn: 'BytesIn',
  /** Wall time of one file's Transform. */
  transformSeconds: 'TransformSeconds',
  /** Files Plan put into this batch. */
  filesPlanned: 'FilesPlanned',
  /** Files waiting when Plan ran: this batch plus those left for later batches or runs (no dataset). */
  backlog: 'Backlog',
} as const

export type MetricName = (typeof METRIC)[keyof typeof METRIC]
