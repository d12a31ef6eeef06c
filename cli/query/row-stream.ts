/** A batch of result rows; its values are converted only when asked for. */
export interface RowBatch {
  size: number
  /** The rows, each a value per column in the columns' order (JSON-like values). */
  rows(): unknown[][]
}

/** The rows of a query as they arrive, batch by batch, with its column names in order. */
export interface RowStream {
  columns: string[]
  batches: AsyncIterable<RowBatch>
  /**
   * The number of rows of the whole result, counted without fetching them (undefined when the
   * query cannot be counted so); called once the rows wanted were taken from `batches`.
   */
  count?: () => Promise<number | undefined>
}

/** Every row of a stream as objects (for small results: tests, the quick start). */
export async function collectRows(stream: RowStream): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  const rows: Record<string, unknown>[] = []
  for await (const batch of stream.batches) {
    for (const values of batch.rows()) rows.push(Object.fromEntries(stream.columns.map((c, i) => [c, values[i]])))
  }
  return { columns: stream.columns, rows }
}
