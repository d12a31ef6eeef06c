import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { workerRangeRunner } from '../../functions/adapters/range-workers'
import { transformCsv } from '../../functions/core/transform/transform-csv'
import { transformCsvReference } from '../../test/oracle/transform-csv-reference'
import type { TransformOptions } from '../../functions/core/transform/transform-types'
import { randomUUID } from 'node:crypto'
import { basename } from 'node:path'
import { BENCH_MEMORY_BUDGET_MB, type ConversionOutput } from '../bench-types'

/**
 * What the Transform Lambda adds to every row (functions/transform/transform-step.ts): the raw
 * key and the run, as the two lineage columns. A run id is an execution name, a UUID.
 */
const lineage = (csv: string) => ({ source: `raw/bench/${basename(csv)}`, runId: randomUUID() })

/**
 * Converts with the sluice engine through the local file sink: part 0 is `out`, later parts
 * and rejects are written beside it. `workers` undefined is the default (chosen from the size).
 * Rows carry the lineage columns, as in production.
 */
export function sluiceContender(options: Pick<TransformOptions, 'workers' | 'inference'> = {}) {
  return async (csv: string, out: string): Promise<ConversionOutput> => {
    const stats = await transformCsv(fileByteSource(csv), localFilePartSink({ out }), {
      sourceName: csv,
      lineage: lineage(csv),
      memoryBudgetMb: BENCH_MEMORY_BUDGET_MB,
      rangeRunner: workerRangeRunner(),
      ...options,
    })
    return { parquetBytes: stats.bytesOut, rowsOut: stats.rowsOut, rowsRejected: stats.rowsRejected, parts: stats.parts.length }
  }
}

/** The previous engine: csv-parse, string coercion and hyparquet-writer, in one thread. */
export async function convertWithSluiceV1(csv: string, out: string): Promise<ConversionOutput> {
  const stats = await transformCsvReference(fileByteSource(csv), localFilePartSink({ out }), { sourceName: csv, lineage: lineage(csv) })
  return { parquetBytes: stats.bytesOut, rowsOut: stats.rowsOut, rowsRejected: stats.rowsRejected, parts: stats.parts.length }
}
