import { fileByteSource, localFilePartSink } from '../../functions/adapters/local-file'
import { transformCsv } from '../../functions/core/transform-csv'
import type { ConversionOutput } from '../bench-types'

/**
 * Converts with the sluice engine and its defaults (inferred types, no contract) through the
 * local file sink: part 0 is `out`, later parts and rejects are written beside it.
 */
export async function convertWithSluice(csv: string, out: string): Promise<ConversionOutput> {
  return convert(csv, out, 'sample')
}

/** The same with a full inference pass before writing: the alternative to sampling. */
export async function convertWithSluicePrepass(csv: string, out: string): Promise<ConversionOutput> {
  return convert(csv, out, 'prepass')
}

async function convert(csv: string, out: string, inference: 'sample' | 'prepass'): Promise<ConversionOutput> {
  const stats = await transformCsv(fileByteSource(csv), localFilePartSink({ out }), { sourceName: csv, inference })
  return {
    parquetBytes: stats.bytesOut,
    rowsOut: stats.rowsOut,
    rowsRejected: stats.rowsRejected,
    parts: stats.parts.length,
  }
}
