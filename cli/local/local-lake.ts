import { join, resolve } from 'node:path'
import { localCatalog } from '../../functions/adapters/local-catalog'
import { tableFormatCatalog } from '../../functions/adapters/table-format-catalog'
import type { TableFormatName } from '../../functions/core/table-format/table-format'
import { localObjectStore } from '../../functions/adapters/local-object-store'
import { flagEnv, intEnv } from '../../functions/adapters/env-config'
import type { LakeDeps } from '../../functions/core/lake/step-deps'

/** Default folder of the local lake, and the catalog database. */
export const DEFAULT_LAKE = './lake'
export const DEFAULT_DATABASE = 'sluice'

/**
 * The local lake: `<lake>/raw` and `<lake>/curated` as zones, `<lake>/catalog` as the catalog.
 * SLUICE_SITE_RECORD_TEXT=true is the lake's opt-in to record text on its status site, for the
 * datasets whose contracts opt in too (as sluice:siteRecordText on AWS).
 * Raw files are versioned by content; `<lake>/.versions/raw.json` caches their hashes.
 */
export function localLake(lake: string, database = DEFAULT_DATABASE): LakeDeps & { root: string } {
  const root = resolve(lake)
  const raw = localObjectStore(join(root, 'raw'), { versionCache: join(root, '.versions', 'raw.json') })
  const curated = localObjectStore(join(root, 'curated'))
  return {
    root,
    raw,
    curated,
    catalog: tableFormatCatalog(localCatalog(join(root, 'catalog')), curated, { raw, lakeDefault: tableFormatEnv() }),
    database,
    siteRecordText: flagEnv('SLUICE_SITE_RECORD_TEXT', false),
    snapshotRetentionMs: intEnv('SLUICE_SNAPSHOT_RETENTION_HOURS', 24) * 3_600_000,
  }
}

/** The lake's default table format for new tables: SLUICE_TABLE_FORMAT, else hive. */
function tableFormatEnv(): TableFormatName {
  const value = process.env.SLUICE_TABLE_FORMAT
  return value === 'iceberg' ? 'iceberg' : 'hive'
}
