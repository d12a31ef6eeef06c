import type { ObjectStore } from '../../functions/core/lake/object-store'

/** The calls of an object store that read or write it, counted per call. */
export type StoreCounts = Record<'list' | 'readText' | 'readVersioned' | 'read' | 'writeText' | 'head', number>

const zero = (): StoreCounts => ({ list: 0, readText: 0, readVersioned: 0, read: 0, writeText: 0, head: 0 })

/** The store with each `list`, `readText`, `readVersioned`, `read`, `writeText` and `head` call counted. */
export function countingStore(store: ObjectStore): { store: ObjectStore; counts: StoreCounts; reset(): void } {
  const counts = zero()
  const counted: ObjectStore = {
    ...store,
    location: (prefix) => store.location(prefix),
    list(prefix) {
      counts.list++
      return store.list(prefix)
    },
    head(key) {
      counts.head++
      return store.head(key)
    },
    read(key) {
      counts.read++
      return store.read(key)
    },
    readText(key) {
      counts.readText++
      return store.readText(key)
    },
    readVersioned(key) {
      counts.readVersioned++
      return store.readVersioned(key)
    },
    writeText(key, text, condition) {
      counts.writeText++
      return store.writeText(key, text, condition)
    },
  }
  return { store: counted, counts, reset: () => Object.assign(counts, zero()) }
}
