import { fileId } from '../core/lake/lake-layout'
import type { ObjectStore } from '../core/lake/object-store'
import { receiptKey, receiptOf, receiptTags, type Receipt } from '../core/lake/receipt'
import type { FileReport } from '../core/lake/run-report'

/** What writing receipts needs: the curated zone for the JSON, the raw zone to check and tag. */
export interface ReceiptDeps {
  curated: Pick<ObjectStore, 'writeText'>
  raw: Pick<ObjectStore, 'head' | 'putTags'>
}

/**
 * Writes the receipt of each file a Load settled, and tags its raw object. Only while the raw
 * zone still holds the version the report is about (none, for a retraction): a file changed
 * meanwhile gets its receipt from the run that loads the new version, so an older outcome
 * never overwrites a newer one's receipt (bar a change landing between this check and the
 * write, which the next load of that file corrects). A file reported as built into a
 * generation not yet live gets its receipt when the generation is swapped in.
 */
export async function writeReceipts(deps: ReceiptDeps, runId: string, reports: FileReport[], now: Date): Promise<Receipt[]> {
  const written: Receipt[] = []
  for (const report of reports) {
    if (report.note?.startsWith('rebuilt into generation')) continue
    const receipt = receiptOf(report, runId, now)
    if (!receipt) continue
    const raw = await deps.raw.head(receipt.key)
    if (receipt.status === 'retracted' ? raw !== undefined : raw?.etag !== receipt.etag) continue
    await deps.curated.writeText(receiptKey(receipt.dataset, fileId(receipt.key)), `${JSON.stringify(receipt, null, 2)}\n`)
    if (receipt.status !== 'retracted' && deps.raw.putTags) await deps.raw.putTags(receipt.key, receipt.etag, receiptTags(receipt))
    written.push(receipt)
  }
  return written
}
