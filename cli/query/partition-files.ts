import { createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, stat } from 'node:fs/promises'
import { once } from 'node:events'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ObjectStore } from '../../functions/core/lake/object-store'

/**
 * Local Parquet paths for a catalog location. `file://` locations are read where they are;
 * `s3://bucket/prefix` locations are copied into `<cacheDir>/<bucket>/…` (by ETag, so a
 * repeated query downloads only what changed), since DuckDB reads no S3 here.
 */
export type PartitionFiles = (location: string) => Promise<string[]>

export function partitionFiles(buckets: Record<string, ObjectStore>, cacheDir: string): PartitionFiles {
  return async (location) => {
    if (location.startsWith('file:')) return parquetFilesIn(fileURLToPath(location))
    const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(location)
    const store = m ? buckets[m[1]] : undefined
    if (!m || !store) throw new Error(`query: no store for location ${location}`)
    const paths: string[] = []
    for await (const o of store.list(m[2])) {
      if (!o.key.endsWith('.parquet')) continue
      const path = join(cacheDir, m[1], o.key)
      const marker = `${path}.${o.etag.replace(/[^A-Za-z0-9-]/g, '')}`
      if (!(await exists(marker))) {
        await mkdir(dirname(path), { recursive: true })
        const out = createWriteStream(`${path}.part`)
        for await (const chunk of store.read(o.key)) if (!out.write(chunk)) await once(out, 'drain')
        out.end()
        await once(out, 'finish')
        await rename(`${path}.part`, path)
        await (await import('node:fs/promises')).writeFile(marker, '')
      }
      paths.push(path)
    }
    return paths
  }
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
