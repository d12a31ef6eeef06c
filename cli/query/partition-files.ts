import { createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises'
import { once } from 'node:events'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ObjectInfo, ObjectStore } from '../../functions/core/lake/object-store'
import { localObjectStore } from '../../functions/adapters/local-object-store'

/**
 * Local Parquet paths for catalog locations. `file://` locations are read where they are;
 * `s3://bucket/key` locations are copied into `<cacheDir>/<bucket>/…` (by ETag, so a
 * repeated query downloads only what changed), since DuckDB reads no S3 here.
 * Called with a partition folder's location: the Parquet files in it.
 */
export interface PartitionFiles {
  (location: string): Promise<string[]>
  /** Local paths of these data files, in their order (an Iceberg snapshot's file list: no listing). */
  dataFiles(locations: string[]): Promise<string[]>
  /** A store whose keys the objects under this folder location are (`keyOfLocation`), to read Iceberg metadata. */
  storeOf(location: string): ObjectStore
}

/** How many S3 data files are checked and fetched at once. */
const FETCHES = 8

export function partitionFiles(buckets: Record<string, ObjectStore>, cacheDir: string): PartitionFiles {
  const inBucket = (location: string) => {
    const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(location)
    const store = m ? buckets[m[1]!] : undefined
    if (!m || !store) throw new Error(`query: no store for location ${location}`)
    return { bucket: m[1]!, key: m[2]!, store }
  }
  /** The local copy of an S3 object, fetched unless the copy of this ETag is there. */
  async function cached(bucket: string, store: ObjectStore, o: ObjectInfo): Promise<string> {
    const path = join(cacheDir, bucket, o.key)
    const marker = `${path}.${o.etag.replace(/[^A-Za-z0-9-]/g, '')}`
    if (!(await exists(marker))) {
      await mkdir(dirname(path), { recursive: true })
      const out = createWriteStream(`${path}.part`)
      for await (const chunk of store.read(o.key)) if (!out.write(chunk)) await once(out, 'drain')
      out.end()
      await once(out, 'finish')
      await rename(`${path}.part`, path)
      await writeFile(marker, '')
    }
    return path
  }
  const folder = async (location: string) => {
    if (location.startsWith('file:')) return parquetFilesIn(fileURLToPath(location))
    const { bucket, key, store } = inBucket(location)
    const paths: string[] = []
    for await (const o of store.list(key)) if (o.key.endsWith('.parquet')) paths.push(await cached(bucket, store, o))
    return paths
  }
  async function dataFile(location: string): Promise<string> {
    if (location.startsWith('file:')) return fileURLToPath(location)
    const { bucket, key, store } = inBucket(location)
    const o = await store.head(key)
    if (!o) throw new Error(`query: data file ${location} is missing`)
    return cached(bucket, store, o)
  }
  return Object.assign(folder, {
    async dataFiles(locations: string[]) {
      const paths: string[] = new Array(locations.length)
      let next = 0
      const worker = async () => {
        while (next < locations.length) {
          const i = next++
          paths[i] = await dataFile(locations[i]!)
        }
      }
      await Promise.all(Array.from({ length: Math.min(FETCHES, locations.length) }, worker))
      return paths
    },
    storeOf(location: string) {
      if (location.startsWith('file:')) return localObjectStore(fileURLToPath(location))
      return inBucket(location).store
    },
  })
}

async function parquetFilesIn(dir: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw e
  }
  return names.filter((n) => n.endsWith('.parquet')).sort().map((n) => join(dir, n))
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
