import type { ObjectStore } from '../core/lake/object-store'

/** The key of a location inside a zone (`store.location(key)` read back). */
export function keyOfLocation(store: ObjectStore, location: string): string {
  const root = store.location('')
  if (!location.startsWith(root)) throw new Error(`store: ${location} is outside the zone at ${root}`)
  return decodeURI(location.slice(root.length))
}
