import { datasetOfKey, fileId } from '../../functions/core/lake/lake-layout'
import { ledgerPrefix, parseLedgerKey } from '../../functions/core/lake/ledger'
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
  if (found.length === 0) throw new NotFoundError(`retry: ${key} is not quarantined (\`sluice status\` lists the quarantined files)`)
  await curated.delete(found.map((f) => f.key))
  return found.map((f) => f.record)
}
