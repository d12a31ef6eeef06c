/** Renders rows as an aligned text table; numbers align right. */
export function formatTable(columns: string[], rows: Record<string, unknown>[]): string {
  const cell = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v))
  const text = rows.map((r) => columns.map((c) => cell(r[c])))
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => r[c] === null || typeof r[c] === 'number' || /^-?\d+(\.\d+)?$/.test(String(r[c]))))
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((t) => t[i].length)))
  const line = (values: string[]) => values.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd()
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n') + '\n'
}
