import { datasetOfKey } from '../core/lake/lake-layout'
import type { ObjectInfo, ObjectStore } from '../core/lake/object-store'
import { scanLedger, type LedgerScan } from './ledger-index'

/**
 * What a sweep found when it listed the raw zone and the ledger: written by the execution's
 * first Plan, and read by its later ones, so that a sweep lists once whatever number of batches
 * it runs. A file changed since is planned at the version listed (Load's commit then finds it
 * superseded, and the drop of the new version or the next sweep loads it); one committed by
 * another execution meanwhile is reported skipped by Load.
 */
export interface SweepManifest {
  objects: ObjectInfo[]
  ledger: LedgerScan
}

/** Under the execution's batches, which the curated zone's lifecycle expires. */
export const sweepManifestKey = (runId: string) => `_batches/${runId}/sweep.json`

/**
 * The sweep's listing: read back when an earlier Plan of the execution wrote it (`fresh`
 * false), else listed now (of one dataset with `scope`) and written.
 */
export async function sweepListing(
  raw: ObjectStore, curated: ObjectStore, runId: string, now: Date, scope?: string,
): Promise<SweepManifest & { fresh: boolean }> {
  const key = sweepManifestKey(runId)
  const text = await curated.readText(key)
  if (text) return { ...(JSON.parse(text) as SweepManifest), fresh: false }
  const objects: ObjectInfo[] = []
  for await (const o of raw.list('')) if (scope === undefined || datasetOfKey(o.key) === scope) objects.push(o)
  const manifest: SweepManifest = { objects, ledger: await scanLedger(curated, now, scope) }
  await curated.writeText(key, JSON.stringify(manifest))
  return { ...manifest, fresh: true }
}
