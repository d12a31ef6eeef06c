import type { Catalog } from '../../functions/core/lake/catalog'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import type { LakeDeps } from '../../functions/core/lake/step-deps'

/**
 * The lake failing at its `after`th change (a write, copy, delete or upload to the curated zone,
 * or a partition move in the catalog) as a crash there would; `changes()` counts them, so a
 * first pass with no limit tells how many steps a crash can interrupt.
 */
export function dying(deps: LakeDeps, after: number): { deps: LakeDeps; changes: () => number } {
  let n = 0
  const change = () => {
    if (n++ >= after) throw new Error(`crash after ${after} change(s)`)
  }
  const curated: ObjectStore = {
    ...deps.curated,
    writeText: async (...a) => (change(), deps.curated.writeText(...a)),
    copy: async (...a) => (change(), deps.curated.copy(...a)),
    delete: async (...a) => (change(), deps.curated.delete(...a)),
    upload: async (...a) => (change(), deps.curated.upload(...a)),
  }
  const catalog: Catalog = { ...deps.catalog, movePartition: async (...a) => (change(), deps.catalog.movePartition(...a)) }
  return { deps: { ...deps, curated, catalog }, changes: () => n }
}
