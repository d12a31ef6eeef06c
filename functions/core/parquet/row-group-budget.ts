/**
 * Row-group size from a memory budget. One worker's memory grows with the CSV text behind
 * the row group it is building: the column builders hold it decoded, the encoder's working
 * arrays and the encoded group come on top, about 2.4× in all (measured with `npm run bench`;
 * 3× leaves room). What does not grow with the row group (Node itself, the engine's code, the
 * read-ahead and the scanner's batches) was 75-80 MB of peak RSS. So with `budget` MB and
 * `workers` threads a group holds about (budget − 80 MB) ÷ workers ÷ 3 of CSV text, kept
 * between 1 MiB (smaller groups cost size and speed) and 64 MiB (larger ones gain nothing:
 * a group also closes at 4 M cells). Each worker thread beyond the calling one costs its own
 * Node isolate and a second copy of the engine's code, whatever its row group: an idle worker
 * that had loaded the engine held 21 MB on Node 20 and 32 MB on Node 22. Before that was set
 * aside, 2 threads under the default budget of 128 MB peaked at 173-177 MB on the bench's
 * 3 M-row orders file (Node 22), and at 151-156 MB after.
 */
export const ROW_GROUP_MEMORY = {
  /** Peak RSS, in MB, that does not depend on the row group. */
  baseMb: 80,
  /** And for each worker thread beyond the calling one. */
  workerMb: 30,
  /** Peak memory per byte of CSV text in the row group being built. */
  factor: 3,
  minBytes: 1024 * 1024,
  maxBytes: 64 * 1024 * 1024,
}

/** Memory budget, in MB, when neither the Lambda's size nor a flag gives one. */
export const DEFAULT_MEMORY_BUDGET_MB = 128

/** CSV bytes per row group for a memory budget (MB) shared by `workers` threads. */
export function rowGroupBytesFor(budgetMb: number, workers: number): number {
  const threads = Math.max(1, workers)
  const forGroups = budgetMb - ROW_GROUP_MEMORY.baseMb - (threads - 1) * ROW_GROUP_MEMORY.workerMb
  const perWorker = (forGroups * 1024 * 1024) / threads / ROW_GROUP_MEMORY.factor
  return Math.floor(Math.min(ROW_GROUP_MEMORY.maxBytes, Math.max(ROW_GROUP_MEMORY.minBytes, perWorker)))
}
