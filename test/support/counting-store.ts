import type { Catalog } from '../../functions/core/lake/catalog'
import type { ObjectStore } from '../../functions/core/lake/object-store'

/**
 * Requests made through a store or catalog, by the name of the call. An object store's `list`
 * counts one request per 1,000 keys it returns (a ListObjectsV2 page), at least one.
 */
export type RequestCounts = Record<string, number>
export type StoreCounts = RequestCounts

export interface Counted<T> {
  store: T
  counts: RequestCounts
  /** Total of every call. */
  total(): number
  reset(): void
}

function counter(): { counts: RequestCounts; add(name: string, n?: number): void; total(): number; reset(): void } {
  const counts: RequestCounts = {}
  return {
    counts,
    add: (name, n = 1) => void (counts[name] = (counts[name] ?? 0) + n),
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    reset: () => {
      for (const k of Object.keys(counts)) delete counts[k]
    },
  }
}

/** An object store that counts the requests made through it, as S3 would bill them. */
export function countingStore(inner: ObjectStore): Counted<ObjectStore> {
  const c = counter()
  const store: ObjectStore = {
    location: (prefix) => inner.location(prefix),
    async *list(prefix) {
      let n = 0
      for await (const o of inner.list(prefix)) {
        if (n % 1000 === 0) c.add('list')
        n++
        yield o
      }
      if (n === 0) c.add('list')
    },
    head: (key) => (c.add('head'), inner.head(key)),
    read: (key) => (c.add('read'), inner.read(key)),
    ...(inner.readRange ? { readRange: (key: string, start: number, end: number) => (c.add('readRange'), inner.readRange!(key, start, end)) } : {}),
    readText: (key) => (c.add('readText'), inner.readText(key)),
    readVersioned: (key) => (c.add('readVersioned'), inner.readVersioned(key)),
    writeText: (key, text, condition) => (c.add('writeText'), inner.writeText(key, text, condition)),
    upload: (key) => (c.add('upload'), inner.upload(key)),
    copy: (from, to) => (c.add('copy'), inner.copy(from, to)),
    // DeleteObjects takes up to 1,000 keys a request.
    delete: (keys) => (keys.length > 0 && c.add('delete', Math.ceil(keys.length / 1000)), inner.delete(keys)),
    ...(inner.putTags ? { putTags: (key: string, etag: string, tags: [string, string][]) => (c.add('putTags'), inner.putTags!(key, etag, tags)) } : {}),
  }
  return { store, counts: c.counts, total: c.total, reset: c.reset }
}

/** A catalog that counts the calls made through it, one per Glue request it stands for. */
export function countingCatalog(inner: Catalog): Counted<Catalog> {
  const c = counter()
  const wrap = <K extends keyof Catalog>(name: K) =>
    ((...args: unknown[]) => {
      c.add(name)
      return (inner[name] as (...a: unknown[]) => unknown)(...args)
    }) as Catalog[K]
  const store: Catalog = {
    ensureDatabase: wrap('ensureDatabase'),
    getTable: wrap('getTable'),
    readTable: wrap('readTable'),
    createTable: wrap('createTable'),
    updateTable: wrap('updateTable'),
    addPartitions: wrap('addPartitions'),
    replaceTable: wrap('replaceTable'),
    movePartition: wrap('movePartition'),
    deleteTable: wrap('deleteTable'),
    listTables: wrap('listTables'),
    listPartitions: wrap('listPartitions'),
  }
  return { store, counts: c.counts, total: c.total, reset: c.reset }
}
