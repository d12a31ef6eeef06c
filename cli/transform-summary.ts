import type { TransformStats } from '../functions/core/transform/transform-types'

const n = (x: number) => x.toLocaleString('en-US')
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e5 ? 3 : 1)} MB`
const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' }

/** Human-readable report of one transform, for the terminal. */
export function formatTransformSummary(stats: TransformStats): string {
  if (stats.outcome === 'empty') return `${stats.source}: empty file, nothing written\n`
  const lines = [
    `${stats.source} → ${stats.parts.map((p) => p.key).join(', ')}`,
    `  rows      ${n(stats.rowsIn)} in, ${n(stats.rowsOut)} out, ${n(stats.rowsRejected)} rejected` +
      (stats.blankLines > 0 ? ` (${n(stats.blankLines)} blank lines skipped)` : ''),
    `  bytes     ${mb(stats.bytesIn)} in, ${mb(stats.bytesOut)} Parquet` + (stats.rejectBytesOut > 0 ? ` + ${mb(stats.rejectBytesOut)} rejects` : ''),
    `  input     ${stats.compression === 'gzip' ? 'gzip, ' : ''}${stats.encoding}${stats.bom ? ' with BOM' : ''}, ` +
      `${DELIMITER_NAMES[stats.dialect.delimiter] ?? JSON.stringify(stats.dialect.delimiter)}-delimited, ${stats.dialect.lineBreak} line breaks`,
    `  time      ${stats.seconds.toFixed(2)} s`,
    '  columns',
    ...stats.columns.map((c) => {
      const renamed = c.original !== c.name ? `  (from "${c.original}")` : ''
      return `    ${c.name.padEnd(24)} ${(c.type + (c.nullable ? '' : ' not null')).padEnd(20)} ${c.source}${renamed}`
    }),
  ]
  if (stats.rowsRejected > 0) {
    lines.push(
      `  rejects   ${stats.rejectParts.map((p) => p.key).join(', ')}: ` +
        Object.entries(stats.rejectCodes).map(([code, count]) => `${code} ${n(count)}`).join(', '),
    )
  }
  for (const w of stats.warnings) lines.push(`  warning   ${w}`)
  return `${lines.join('\n')}\n`
}
