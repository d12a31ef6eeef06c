import { partitionSegments } from '../core/lake-layout'
import type { ObjectStore, ObjectUpload } from '../core/object-store'
import type { PartSink } from '../core/transform-types'

/**
 * A PartSink that uploads parts under a prefix of a store (`<prefix>data-<n>.parquet`,
 * `<prefix>rejects-<n>.parquet`). `discard()` aborts open uploads and deletes finished ones.
 */
export function stagingSink(store: ObjectStore, prefix: string): PartSink {
  const open = new Map<string, ObjectUpload>()
  const done = new Set<string>()
  return {
    async openPart(kind, index, partition) {
      const tag = partition ? `-${partitionSegments(partition).join('-')}` : ''
      const key = `${prefix}${kind}${tag}-${String(index).padStart(5, '0')}.parquet`
      const upload = await store.upload(key)
      open.set(key, upload)
      return {
        write: (chunk) => upload.write(chunk),
        async close() {
          await upload.close()
          open.delete(key)
          done.add(key)
          return key
        },
      }
    },
    async discard() {
      await Promise.all([...open.values()].map((u) => u.abort()))
      open.clear()
      await store.delete([...done])
      done.clear()
    },
  }
}
