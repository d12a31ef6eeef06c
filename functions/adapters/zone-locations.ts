import type { ObjectStore } from '../core/lake/object-store'

/**
 * Table locations a zone's tables had before their lake was copied or moved, by the zone's root:
 * each former table location (ending in `/`) with the location the table has now. An Iceberg
 * table's metadata names its files by absolute location, so a local lake copied elsewhere reads
 * them under its own root (iceberg-files.ts registers them as it reads a table's metadata).
 */
const moved = new Map<string, Map<string, string>>()

/** Records that the table now at `current` was at `former` (both ending in `/`). */
export function registerMovedTable(store: ObjectStore, former: string, current: string): void {
  const root = store.location('')
  if (!moved.has(root)) moved.set(root, new Map())
  moved.get(root)!.set(former, current)
}

/** A location of this zone as it is now: one under a table's former location is moved to its current one. */
export function rebaseLocation(store: ObjectStore, location: string): string {
  const root = store.location('')
  if (location.startsWith(root)) return location
  for (const [former, current] of moved.get(root) ?? []) if (location.startsWith(former)) return `${current}${location.slice(former.length)}`
  return location
}

/** The key of a location inside a zone (`store.location(key)` read back). */
export function keyOfLocation(store: ObjectStore, location: string): string {
  const root = store.location('')
  const here = rebaseLocation(store, location)
  if (!here.startsWith(root)) throw new Error(`store: ${location} is outside the zone at ${root}`)
  return decodeURI(here.slice(root.length))
}
