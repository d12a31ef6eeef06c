import { lstat, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { SluiceError } from '../functions/core/errors'
import { datasetOfKey, fileId } from '../functions/core/lake/lake-layout'
import { headKey, type LedgerRecord } from '../functions/core/lake/ledger'
import type { ObjectStore } from '../functions/core/lake/object-store'

/** A command named something that is not there: a lake folder, a raw key, a table. */
export class NotFoundError extends SluiceError {}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}

/**
 * Fails unless `root` is a lake folder: one holding `raw/` or `curated/`. A mistyped `--lake`
 * would otherwise read as an empty lake and succeed.
 */
export async function assertLakeFolder(root: string): Promise<void> {
  if (!(await isFolder(root))) {
    throw new NotFoundError(`lake: no folder ${root}; a lake is a folder with raw/<dataset>/ holding CSV files (npm start seeds ./lake)`)
  }
  if (!(await isFolder(join(root, 'raw'))) && !(await isFolder(join(root, 'curated')))) {
    throw new NotFoundError(`lake: ${root} holds neither raw/ nor curated/; is --lake the lake folder?`)
  }
}

/** Edit distance between two keys (Levenshtein), for suggesting what a typo meant. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

const folderOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1)

/**
 * The `count` candidates closest to `wanted`: those in the same folder first (a typo in a file
 * name keeps its dataset), then by edit distance, ties in key order.
 */
export function nearestKeys(wanted: string, candidates: string[], count = 3): string[] {
  const folder = folderOf(wanted)
  return candidates
    .map((key, i) => ({ key, i, other: folderOf(key) === folder ? 0 : 1, d: editDistance(wanted, key) }))
    .sort((x, y) => x.other - y.other || x.d - y.d || x.i - y.i)
    .slice(0, count)
    .map((x) => x.key)
}

/** Data keys of the raw zone: every key whose segments start with neither `_` nor `.`. */
async function dataKeys(raw: ObjectStore): Promise<string[]> {
  const keys: string[] = []
  for await (const o of raw.list('')) if (!o.key.split('/').some((s) => s.startsWith('_') || s.startsWith('.'))) keys.push(o.key)
  return keys
}

/**
 * Fails unless the raw zone holds `key`, or the ledger has it loaded (a deleted file, whose run
 * retracts its rows), naming the nearest keys that do exist.
 */
export async function assertRawKey(raw: ObjectStore, curated: ObjectStore, key: string, where = raw.location('')): Promise<void> {
  if (await raw.head(key)) return
  const dataset = datasetOfKey(key)
  const head = dataset ? await curated.readText(headKey(dataset, fileId(key))) : undefined
  if (head && (JSON.parse(head) as LedgerRecord).state === 'committed') return
  const near = nearestKeys(key, await dataKeys(raw))
  const hint = near.length > 0 ? `; nearest: ${near.join(', ')}` : '; the raw zone holds no data files'
  throw new NotFoundError(`run: no raw key ${key} in ${where}${hint}`)
}

/**
 * Fails when `key`, or a folder on its way inside `rawDir`, is a symbolic link: a sweep skips
 * links (they may point out of the raw zone), so a key names only regular files inside raw/.
 */
export async function assertNoLink(rawDir: string, key: string): Promise<void> {
  const segments = key.split('/')
  for (let i = 1; i <= segments.length; i++) {
    const path = join(rawDir, ...segments.slice(0, i))
    let link: boolean
    try {
      link = (await lstat(path)).isSymbolicLink()
    } catch {
      return
    }
    if (link) {
      const what = i === segments.length ? `${key} is a symbolic link` : `${segments.slice(0, i).join('/')}/ in ${key} is a symbolic link`
      throw new LinkedKeyError(`run: ${what}; sluice loads only regular files inside ${rawDir}, as a sweep does: copy the file there instead`)
    }
  }
}

/** A raw key that is, or passes through, a symbolic link. */
export class LinkedKeyError extends SluiceError {}
