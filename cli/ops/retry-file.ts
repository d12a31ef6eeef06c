import { datasetOfKey, fileId } from '../../functions/core/lake/lake-layout'
import { headKey, ledgerPrefix, parseLedgerKey, type LedgerRecord } from '../../functions/core/lake/ledger'
import { generationOf } from '../../functions/core/lake/generation'
import type { Catalog } from '../../functions/core/lake/catalog'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import type { QuarantineRecord } from '../../functions/core/lake/quarantine'
import { NotFoundError } from '../lake-checks'

/**
 * Lifts the quarantine of a raw file (every quarantined version of it), so that the next run
 * plans it again. Returns the records removed; fails when the file is not quarantined.
 */
export async function releaseQuarantine(curated: ObjectStore, key: string): Promise<QuarantineRecord[]> {
  const dataset = datasetOfKey(key)
  if (!dataset) throw new NotFoundError(`retry: ${key} is not a data file of the raw zone (<dataset>/…/<file>.csv)`)
  const id = fileId(key)
  const found: { key: string; record: QuarantineRecord }[] = []
  for await (const o of curated.list(`${ledgerPrefix(dataset)}${id}--`)) {
    if (parseLedgerKey(o.key)?.kind !== 'quarantined') continue
    const text = await curated.readText(o.key)
    if (text) found.push({ key: o.key, record: JSON.parse(text) as QuarantineRecord })
  }
  if (found.length === 0) throw new NotFoundError(`retry: ${key} is not quarantined (\`sluice status\` lists the quarantined files; \`sluice reprocess ${dataset}\` loads loaded files again under a changed contract)`)
  await curated.delete(found.map((f) => f.key))
  return found.map((f) => f.record)
}

/**
 * Whether the raw file's current version is loaded in its table as it is live (a retry then
 * skips it: only `sluice reprocess` loads it again, e.g. under a changed contract).
 */
export async function loadedAlready(deps: { raw: ObjectStore; curated: ObjectStore; catalog: Pick<Catalog, 'getTable'>; database: string }, key: string): Promise<boolean> {
  const dataset = datasetOfKey(key)
  const raw = await deps.raw.head(key)
  const text = dataset && raw ? await deps.curated.readText(headKey(dataset, fileId(key))) : undefined
  if (!dataset || !raw || !text) return false
  const head = JSON.parse(text) as LedgerRecord
  const live = generationOf(await deps.catalog.getTable(deps.database, dataset))
  return head.state === 'committed' && head.etag === raw.etag && (head.generation ?? '') === live
}
