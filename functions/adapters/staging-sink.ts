import { partitionSegments } from '../core/lake/lake-layout'
import type { ObjectStore, ObjectUpload } from '../core/lake/object-store'
import type { PartSink } from '../core/parquet/part-sink'

/**
 * A PartSink that uploads parts under a prefix of a store (`<prefix>data-<n>.parquet`,
 * `<prefix>rejects-<n>.parquet`). `discard()` aborts open uploads and deletes finished ones (`discard('data')`: the data parts only).
 */
export function stagingSink(store: ObjectStore, prefix: string): PartSink {
  const open = new Map<string, ObjectUpload>()
  const done = new Set<string>()
  const isData = (key: string) => key.startsWith(`${prefix}data`)
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
    async discard(only) {
      const dropped = (key: string) => only === undefined || isData(key)
      await Promise.all([...open].filter(([key]) => dropped(key)).map(([key, u]) => (open.delete(key), u.abort())))
      const gone = [...done].filter(dropped)
      await store.delete(gone)
      for (const key of gone) done.delete(key)
    },
  }
}
