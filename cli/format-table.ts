export interface TableOptions {
  /** Fit the table in this many columns, cutting long cells with an ellipsis; none: no limit. */
  width?: number
}

const GAP = 2
const MIN_WIDTH = 4

/** Renders rows as an aligned text table; numbers align right. */
export function formatTable(columns: string[], rows: Record<string, unknown>[], options: TableOptions = {}): string {
  const cell = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v)).replace(/[\r\n\t]/g, ' ')
  const text = rows.map((r) => columns.map((c) => cell(r[c])))
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => r[c] === null || typeof r[c] === 'number' || /^-?\d+(\.\d+)?$/.test(String(r[c]))))
  const widths = fitWidths(columns.map((c, i) => Math.max(c.length, ...text.map((t) => t[i]!.length))), options.width)
  const line = (values: string[]) => values.map((v, i) => {
    const fitted = cut(v, widths[i]!)
    return numeric[i] ? fitted.padStart(widths[i]!) : fitted.padEnd(widths[i]!)
  }).join(' '.repeat(GAP)).trimEnd()
  return [line(columns), widths.map((w) => '-'.repeat(w)).join(' '.repeat(GAP)), ...text.map(line)].join('\n') + '\n'
}

/** The width of the terminal stdout is, or none when stdout is not a terminal (a pipe, a file). */
export function terminalWidth(out: { isTTY?: boolean; columns?: number } = process.stdout): number | undefined {
  return out.isTTY && out.columns ? out.columns : undefined
}

/** Narrows the widest columns first until the table fits; a column keeps at least MIN_WIDTH. */
function fitWidths(natural: number[], width: number | undefined): number[] {
  const widths = [...natural]
  if (width === undefined) return widths
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1)
  while (total() > width) {
    const widest = widths.indexOf(Math.max(...widths))
    if (widths[widest]! <= MIN_WIDTH) break
    const next = Math.max(0, ...widths.filter((_, i) => i !== widest))
    widths[widest] = Math.max(MIN_WIDTH, Math.min(widths[widest]! - 1, Math.max(next, widths[widest]! - (total() - width))))
  }
  return widths
}

const cut = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text)
