import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * Content versions of local files: the MD5 of the bytes, as S3 gives a single-part object's
 * ETag, so that a rewrite is a new version whatever its size and mtime say (a same-size rewrite
 * with the old mtime restored, `cp -p`, `touch -r`).
 *
 * Hashing reads the whole file, so each hash is cached in one JSON file under the file's stat
 * stamp: size, mtime, ctime and inode, all in nanoseconds. The ctime cannot be set back by a
 * writer (restoring the mtime moves it), so a stamp that matches means the bytes are the ones
 * hashed. As git does for its index, a stamp younger than `RACY_MS` is not cached: a write in
 * the same clock tick as the hash could leave the stamp unchanged. A lost or stale cache costs
 * one more hash per file, never a wrong version.
 */
export interface ContentVersions {
  /** The MD5 (hex) of the file at `path`; `key` names it in the cache. */
  versionOf(key: string, path: string): Promise<string>
  /** Writes the cache when it learned new hashes. */
  save(): Promise<void>
}

/** How recent a change must be for its stamp to be trusted only after another look. */
const RACY_MS = 2_000

type Entries = Record<string, { stamp: string; md5: string }>

export function contentVersions(cacheFile: string, now: () => number = Date.now): ContentVersions {
  let entries: Promise<Entries> | undefined
  let dirty = false
  const load = () =>
    (entries ??= readFile(cacheFile, 'utf8').then(
      (text) => JSON.parse(text) as Entries,
      () => ({}) as Entries,
    ))
  return {
    async versionOf(key, path) {
      const cache = await load()
      const before = await stampOf(path)
      const cached = cache[key]
      if (cached && cached.stamp === before.stamp) return cached.md5
      const md5 = await hashFile(path)
      const after = await stampOf(path)
      // Cached only when the file held still while it was hashed, and not just now.
      if (after.stamp === before.stamp && now() - after.changedMs > RACY_MS) {
        cache[key] = { stamp: before.stamp, md5 }
        dirty = true
      }
      return md5
    },
    async save() {
      if (!dirty) return
      dirty = false
      const text = JSON.stringify(await load())
      await mkdir(dirname(cacheFile), { recursive: true })
      const tmp = `${cacheFile}.tmp-${randomBytes(6).toString('hex')}`
      await writeFile(tmp, text)
      await rename(tmp, cacheFile)
    },
  }
}

async function stampOf(path: string): Promise<{ stamp: string; changedMs: number }> {
  const s = await stat(path, { bigint: true })
  const changed = s.ctimeNs > s.mtimeNs ? s.ctimeNs : s.mtimeNs
  return { stamp: `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}`, changedMs: Number(changed / 1_000_000n) }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('md5')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
