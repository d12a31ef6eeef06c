import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { lock } from 'proper-lockfile'

/**
 * Runs `critical` while holding an exclusive lock on `path` (a `<path>.lock` folder, created
 * atomically by mkdir). Another process holding it makes this wait; a lock left by a
 * process that died is taken over once it is stale (its holder refreshes it while alive).
 */
export async function withFileLock<T>(path: string, critical: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true })
  const release = await retryMissingDir(path, () =>
    lock(path, { realpath: false, stale: 10_000, update: 2_000, retries: { retries: 400, factor: 1.2, minTimeout: 5, maxTimeout: 100, randomize: true } }),
  )
  try {
    return await critical()
  } finally {
    await release().catch(() => undefined)
  }
}

/**
 * Runs `write` and, when it fails because another writer pruned the now-empty folder between
 * our mkdir and our write, makes the folder again and retries. Empty folders are removed as
 * S3 has no empty prefixes, so this race is normal with several writers.
 */
export async function retryMissingDir<T>(path: string, write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write()
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 20) throw e
      await mkdir(dirname(path), { recursive: true })
    }
  }
}
