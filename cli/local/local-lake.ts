import { join, resolve } from 'node:path'
import { localCatalog } from '../../functions/adapters/local-catalog'
import { localObjectStore } from '../../functions/adapters/local-object-store'
import type { LakeDeps } from '../../functions/core/lake/step-deps'

/** Default folder of the local lake, and the catalog database. */
export const DEFAULT_LAKE = './lake'
export const DEFAULT_DATABASE = 'sluice'

/**
 * The local lake: `<lake>/raw` and `<lake>/curated` as zones, `<lake>/catalog` as the catalog.
 * Raw files are versioned by content; `<lake>/.versions/raw.json` caches their hashes.
 */
export function localLake(lake: string, database = DEFAULT_DATABASE): LakeDeps & { root: string } {
  const root = resolve(lake)
  return {
    root,
    raw: localObjectStore(join(root, 'raw'), { versionCache: join(root, '.versions', 'raw.json') }),
    curated: localObjectStore(join(root, 'curated')),
    catalog: localCatalog(join(root, 'catalog')),
    database,
  }
}
