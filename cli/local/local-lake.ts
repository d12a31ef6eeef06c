import { join, resolve } from 'node:path'
import { localCatalog } from '../../functions/adapters/local-catalog'
import { tableFormatCatalog } from '../../functions/adapters/table-format-catalog'
import { localObjectStore } from '../../functions/adapters/local-object-store'
import { flagEnv, intEnv, tableFormatEnv } from '../../functions/adapters/env-config'
import type { LakeDeps } from '../../functions/core/lake/step-deps'
import type { TableFormatName } from '../../functions/core/table-format/table-format-setting'

/** Default folder of the local lake, and the catalog database. */
export const DEFAULT_LAKE = './lake'
export const DEFAULT_DATABASE = 'sluice'

/**
 * The local lake: `<lake>/raw` and `<lake>/curated` as zones, `<lake>/catalog` as the catalog.
 * SLUICE_SITE_RECORD_TEXT=true is the lake's opt-in to record text on its status site, for the
 * datasets whose contracts opt in too (as sluice:siteRecordText on AWS). `tableFormat` is the
 * format its new tables are created in (as sluice:tableFormat on AWS): SLUICE_TABLE_FORMAT
 * when not given; when neither is, the format of the lake's tables (a new lake's are Iceberg).
 * Raw files are versioned by content; `<lake>/.versions/raw.json` caches their hashes.
 */
export function localLake(lake: string, database = DEFAULT_DATABASE, tableFormat: TableFormatName | undefined = tableFormatEnv()): LakeDeps & { root: string } {
  const root = resolve(lake)
  const raw = localObjectStore(join(root, 'raw'), { versionCache: join(root, '.versions', 'raw.json') })
  const curated = localObjectStore(join(root, 'curated'))
  return {
    root,
    raw,
    curated,
    catalog: tableFormatCatalog(localCatalog(join(root, 'catalog')), curated, { raw, lakeDefault: tableFormat }),
    database,
    siteRecordText: flagEnv('SLUICE_SITE_RECORD_TEXT', false),
    snapshotRetentionMs: intEnv('SLUICE_SNAPSHOT_RETENTION_HOURS', 24) * 3_600_000,
    ...(tableFormat ? { tableFormat } : {}),
  }
}
