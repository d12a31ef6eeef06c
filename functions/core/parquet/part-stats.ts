import { parquetMetadata } from 'hyparquet'

/** A value of a column statistic, as JSON holds it: timestamps and dates as ISO text. */
export type StatValue = number | string | boolean

/**
 * What a column's chunk statistics say of a part (or of many parts merged): its nulls, and its
 * smallest and largest value. Text columns carry no min and max: their values are raw data,
 * which may be personal, and the status site shows these.
 */
export interface ColumnStats {
  nulls: number
  min?: StatValue
  max?: StatValue
}

/** Statistics by column name. */
export type PartColumnStats = Record<string, ColumnStats>

function statValue(value: unknown): StatValue | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString()
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'boolean') return value
  return undefined
}

/** -1, 0 or 1: numbers by value, anything else (ISO dates and timestamps) as text. */
export function compareStat(a: StatValue, b: StatValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  const [x, y] = [String(a), String(b)]
  return x < y ? -1 : x > y ? 1 : 0
}

const least = (a: StatValue | undefined, b: StatValue | undefined) => (a === undefined ? b : b === undefined ? a : compareStat(a, b) <= 0 ? a : b)
const most = (a: StatValue | undefined, b: StatValue | undefined) => (a === undefined ? b : b === undefined ? a : compareStat(a, b) >= 0 ? a : b)

/** Two statistics of a column as one: nulls added, the least min and the largest max. */
export function mergeColumnStats(a: ColumnStats | undefined, b: ColumnStats): ColumnStats {
  if (!a) return b
  const min = least(a.min, b.min)
  const max = most(a.max, b.max)
  return { nulls: a.nulls + b.nulls, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) }
}

/** Statistics of several parts (or files) as one, column by column. */
export function mergePartColumnStats(all: (PartColumnStats | undefined)[]): PartColumnStats | undefined {
  let merged: PartColumnStats | undefined
  for (const stats of all) {
    if (!stats) continue
    merged ??= {}
    for (const [name, s] of Object.entries(stats)) merged[name] = mergeColumnStats(merged[name], s)
  }
  return merged
}

/**
 * The column statistics of a part, read from its footer as the writer just wrote it: `tail`
 * holds the part's last bytes, the footer and its length and magic included. No part is read
 * back; the footer is in the writer's hands.
 */
export function columnStatsOfFooter(tail: Uint8Array): PartColumnStats {
  const metadata = parquetMetadata(tail)
  const stats: PartColumnStats = {}
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data
      if (!meta) continue
      const name = meta.path_in_schema.join('.')
      const s = meta.statistics
      const text = meta.type === 'BYTE_ARRAY'
      const min = text ? undefined : statValue(s?.min_value ?? s?.min)
      const max = text ? undefined : statValue(s?.max_value ?? s?.max)
      stats[name] = mergeColumnStats(stats[name], { nulls: Number(s?.null_count ?? 0n), ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) })
    }
  }
  return stats
}
