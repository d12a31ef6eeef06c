import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { copyFile, lstat, readdir, readFile, realpath, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import { createHash, randomBytes } from 'node:crypto'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { WriteConflictError } from '../core/errors'
import type { ObjectInfo, ObjectStore, ObjectUpload, VersionedText, WriteCondition } from '../core/lake/object-store'
import { fileWriter } from './file-writer'
import { retryMissingDir, withFileLock } from './local-lock'
import { contentVersions } from './local-versions'

/** The etag of a small text object: its MD5, as S3 gives for a single-part upload. */
const contentTag = (text: string) => createHash('md5').update(text).digest('hex')

export interface LocalStoreOptions {
  /**
   * Version objects by their content's MD5, as S3 does a single-part upload, caching the hashes
   * in this file (see local-versions.ts); the raw zone's files are versioned so. Without it, an
   * object's etag is its size and mtime, which is enough for objects sluice writes itself.
   */
  versionCache?: string
}

/**
 * A local folder as an object store. Writes go to a temporary file that is renamed into
 * place, so a key is either absent or complete, as in S3. The etag of a listed object is its
 * content's MD5 with `versionCache`, else size and mtime; a conditional write compares the content's MD5 under a lock on the key, so
 * compare-and-swap holds between processes as it does on S3. A symbolic link is no object: a
 * listing skips links, and `head` does not follow one (a link may point out of the zone).
 */
export function localObjectStore(root: string, options: LocalStoreOptions = {}): ObjectStore {
  const base = resolve(root)
  const versions = options.versionCache ? contentVersions(options.versionCache) : undefined
  const pathOf = (key: string) => {
    const path = resolve(base, key)
    if (path !== base && !path.startsWith(base + sep)) throw new Error(`store: key ${key} leaves ${base}`)
    return path
  }
  const info = async (key: string): Promise<ObjectInfo | undefined> => {
    try {
      const path = pathOf(key)
      const s = await lstat(path)
      if (!s.isFile()) return undefined
      return { key, size: s.size, etag: versions ? await versions.versionOf(key, path) : `${s.size}-${Math.round(s.mtimeMs)}` }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw e
    }
  }
  let realBase: Promise<string> | undefined
  /** Whether no folder on the way to `key` is a link (its real folder is where its key says). */
  const unlinked = async (key: string) => {
    const folder = dirname(pathOf(key))
    try {
      return (await realpath(folder)) === join(await (realBase ??= realpath(base)), relative(base, folder))
    } catch {
      return false
    }
  }
  const head = async (key: string) => {
    const found = await info(key)
    await versions?.save()
    return found && (await unlinked(key)) ? found : undefined
  }
  async function readVersioned(key: string): Promise<VersionedText | undefined> {
    try {
      const text = await readFile(pathOf(key), 'utf8')
      return { text, etag: contentTag(text) }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw e
    }
  }
  const temp = (path: string) => `${path}.tmp-${randomBytes(6).toString('hex')}`
  return {
    location: (prefix) => pathToFileURL(pathOf(prefix)).href + (prefix === '' || prefix.endsWith('/') ? '/' : ''),
    async *list(prefix) {
      // Only the folder the prefix names is walked: a listing costs what it finds, not the zone.
      const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1)
      const keys = (await walk(pathOf(folder), folder, prefix)).map((p) => relative(base, p).split(sep).join('/'))
      for (const key of keys.filter((k) => k.startsWith(prefix) && !/\.tmp-[0-9a-f]{12}$/.test(k)).sort()) {
        const found = await info(key)
        if (found) yield found
      }
      await versions?.save()
    },
    head,
    read: (key) => createReadStream(pathOf(key), { highWaterMark: 1 << 20 }),
    // createReadStream's `end` is inclusive; an empty range is an empty stream.
    readRange: (key, start, end) => createReadStream(pathOf(key), { start, end: Math.max(start, end) - 1, highWaterMark: 1 << 20 }),
    async readText(key) {
      return (await readVersioned(key))?.text
    },
    readVersioned,
    async writeText(key, text, condition) {
      const path = pathOf(key)
      const put = () =>
        // The folder is made only when the write finds it missing (retryMissingDir).
        retryMissingDir(path, async () => {
          const tmp = temp(path)
          await writeFile(tmp, text)
          await rename(tmp, path)
        })
      if (!condition) return put()
      await withFileLock(path, async () => {
        checkCondition(key, await readVersioned(key), condition)
        await put()
      })
    },
    async upload(key): Promise<ObjectUpload> {
      const path = pathOf(key)
      const tmp = temp(path)
      const writer = await retryMissingDir(path, async () => {
        const stream = createWriteStream(tmp)
        await once(stream, 'open')
        return fileWriter(stream)
      })
      return {
        write: (chunk) => writer.write(chunk),
        async close() {
          await writer.end()
          await retryMissingDir(path, () => rename(tmp, path))
        },
        async abort() {
          await writer.destroy()
          await rm(tmp, { force: true })
        },
      }
    },
    async copy(from, to) {
      const target = pathOf(to)
      await retryMissingDir(target, async () => {
        const tmp = temp(target)
        await copyFile(pathOf(from), tmp)
        await rename(tmp, target)
      })
    },
    async delete(keys) {
      for (const key of keys) {
        const path = pathOf(key)
        await rm(path, { force: true })
        await pruneEmptyDirs(dirname(path), base)
      }
    },
  }
}

/**
 * The files under `dir` (whose key prefix is `key`) whose keys may start with `prefix`: a
 * folder is entered only when its keys can, as S3 lists a prefix without reading the rest.
 */
async function walk(dir: string, key: string, prefix: string): Promise<string[]> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return []
    throw e
  }
  const files: string[] = []
  for (const entry of entries) {
    const name = `${key}${entry.name}`
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      const folder = `${name}/`
      if (folder.startsWith(prefix) || prefix.startsWith(folder)) {
        for (const file of await walk(path, folder, prefix)) files.push(file)
      }
    } else if (entry.isFile() && name.startsWith(prefix)) files.push(path)
  }
  return files
}

/** Removes now-empty folders up to (not including) the root, as S3 has no empty prefixes. */
async function pruneEmptyDirs(dir: string, root: string): Promise<void> {
  for (let d = dir; d !== root && d.startsWith(root); d = dirname(d)) {
    try {
      await rmdir(d)
    } catch {
      return
    }
  }
}

function checkCondition(key: string, current: VersionedText | undefined, condition: WriteCondition): void {
  if ('ifNoneMatch' in condition) {
    if (current) throw new WriteConflictError(`store: ${key} exists already (If-None-Match: *)`)
  } else if (!current || current.etag !== condition.ifMatch) {
    throw new WriteConflictError(`store: ${key} changed since it was read (If-Match: ${condition.ifMatch})`)
  }
}
