import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { workerRangeRunner } from '../../functions/adapters/range-workers'
import { transformCsv } from '../../functions/core/transform-csv'
import { transformCsvReference } from '../../functions/core/transform-csv-reference'
import type { TransformOptions } from '../../functions/core/transform-types'
import type { ConversionOutput } from '../bench-types'

/**
 * Converts with the sluice engine through the local file sink: part 0 is `out`, later parts
 * and rejects are written beside it. `workers` undefined is the default (chosen from the size).
 */
export function sluiceContender(options: Pick<TransformOptions, 'workers' | 'inference'> = {}) {
  return async (csv: string, out: string): Promise<ConversionOutput> => {
    const stats = await transformCsv(fileByteSource(csv), localFilePartSink({ out }), { sourceName: csv, rangeRunner: workerRangeRunner(), ...options })
    return { parquetBytes: stats.bytesOut, rowsOut: stats.rowsOut, rowsRejected: stats.rowsRejected, parts: stats.parts.length }
  }
}

/** The previous engine: csv-parse, string coercion and hyparquet-writer, in one thread. */
export async function convertWithSluiceV1(csv: string, out: string): Promise<ConversionOutput> {
  const stats = await transformCsvReference(fileByteSource(csv), localFilePartSink({ out }), { sourceName: csv })
  return { parquetBytes: stats.bytesOut, rowsOut: stats.rowsOut, rowsRejected: stats.rowsRejected, parts: stats.parts.length }
}
