import { randomUUID } from 'node:crypto'
import type { Catalog } from '../core/lake/catalog'
import type { ObjectStore } from '../core/lake/object-store'
import { retiredKey, tableOfKey, type RetiredParts } from '../core/table-format/iceberg/lake-tables'
import type { TableFormatCatalog } from '../adapters/table-format-catalog'

/** What disposing of parts needs: the zone, and the catalog that knows each table's format. */
export interface DisposeDeps {
  curated: ObjectStore
  catalog?: Catalog
  database?: string
}

/**
 * Disposes of parts that left the ledger (a replaced or retracted version's). A Hive table's are
 * deleted at once, as its readers list folders. An Iceberg table's stay, since a retained
 * snapshot may still hold them (a reader or `--as-of` reads them): they are recorded as retired,
 * and expiry deletes them once the retention has passed and no retained snapshot has them.
 */
export async function disposeParts(deps: DisposeDeps, keys: string[], now: Date): Promise<void> {
  if (keys.length === 0) return
  const routing = deps.catalog && 'real' in deps.catalog ? (deps.catalog as TableFormatCatalog) : undefined
  if (!routing || deps.database === undefined) return deps.curated.delete(keys)
  const byTable = new Map<string, string[]>()
  for (const key of keys) byTable.set(tableOfKey(key), [...(byTable.get(tableOfKey(key)) ?? []), key])
  for (const [table, parts] of byTable) {
    if ((await routing.formatOf(deps.database, table)) !== 'iceberg') {
      await deps.curated.delete(parts)
      continue
    }
    const retired: RetiredParts = { retiredAt: now.toISOString(), keys: parts }
    await deps.curated.writeText(retiredKey(table, now, randomUUID().slice(0, 8)), JSON.stringify(retired))
  }
}
