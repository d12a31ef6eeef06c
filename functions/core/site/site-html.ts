import type { StatValue } from '../parquet/part-stats'

/** The HTML pieces every page is built of: escaping, numbers, tables, ages, filters, snippets. */

export const escape = (text: unknown) =>
  String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
export const num = (n: number) => n.toLocaleString('en-US')
export const when = (iso?: string) => (iso ? escape(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')) : '—')
/** JSON inside a `<script type="application/json">`: `<` escaped so no text closes the element. */
export const jsonData = (id: string, data: unknown) => `<script type="application/json" id="${id}">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`

const UNITS = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB']

/** A size in decimal units (`2.5 MB`), the exact count in its title. */
export function bytesText(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  const shown = unit === 0 ? num(value) : value.toFixed(value < 10 ? 1 : 0)
  return `<span title="${escape(num(bytes))} bytes">${shown} ${UNITS[unit]}</span>`
}

/** A statistic's value: timestamps as `when` gives them, numbers grouped. */
export function statText(value: StatValue | undefined): string {
  if (value === undefined) return '—'
  if (typeof value === 'number') return num(value)
  if (typeof value === 'boolean') return String(value)
  return /^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/.test(value) ? escape(value.slice(0, 10)) : when(value)
}

export interface TableOptions {
  /** Names the scrolling region for assistive technology. */
  label: string
  /** Indexes of the right-aligned, numeric columns. */
  numeric?: number[]
  id?: string
}

/**
 * A table inside its own scrolling region: a wide table scrolls there, never the page. The
 * region can take the focus, so a keyboard scrolls it too.
 */
export function table(headers: string[], rows: string[][], options: TableOptions): string {
  if (rows.length === 0) return '<p class="empty">None.</p>'
  const numeric = options.numeric ?? []
  const cell = (tag: string, i: number, c: string) => `<${tag}${tag === 'th' ? ' scope="col"' : ''}${numeric.includes(i) ? ' class="num"' : ''}>${c}</${tag}>`
  return `<div class="table-scroll" role="region" aria-label="${escape(options.label)}" tabindex="0"><table${options.id ? ` id="${escape(options.id)}"` : ''}><thead><tr>${headers.map((h, i) => cell('th', i, escape(h))).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => cell('td', i, c)).join('')}</tr>`)
    .join('')}</tbody></table></div>`
}

/**
 * A last load: its time, which the page's script turns into an age (`3 h ago`) on view, and a
 * stale flag that the script shows once the age passes the threshold. Without the script the
 * time stays, and the flag as it was when the site was generated.
 */
export function freshness(lastLoad: string | undefined, stale: boolean, staleAfterHours: number): string {
  if (!lastLoad) return '<span class="freshness never">never loaded</span>'
  return `<span class="freshness" data-stale-after-hours="${staleAfterHours}"><time datetime="${escape(lastLoad)}" title="${when(lastLoad)}">${when(lastLoad)}</time> <span class="badge stale"${stale ? '' : ' hidden'}>stale</span></span>`
}

/** A search box that filters the rows of the table `tableId` as one types (the page's script shows it). */
export function filterBox(tableId: string, label: string): string {
  const id = `filter-${tableId}`
  return `<div class="filter" hidden><label for="${escape(id)}">${escape(label)}</label> <input type="search" id="${escape(id)}" data-filter="${escape(tableId)}" autocomplete="off" spellcheck="false"> <span class="filter-count" aria-live="polite"></span></div>`
}

/** A code snippet with a copy button (the page's script shows it). */
export function snippet(id: string, code: string): string {
  return `<div class="snippet"><pre><code id="${escape(id)}">${escape(code)}</code></pre><button type="button" class="copy" data-copy="${escape(id)}" hidden>Copy</button></div>`
}

export const statusBadge = (status: string, text = status) => `<span class="badge ${escape(status)}">${escape(text)}</span>`
