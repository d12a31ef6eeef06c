import { Command } from 'commander'
import { datasetOfKey, fileId } from '../functions/core/lake/lake-layout'
import type { ObjectStore } from '../functions/core/lake/object-store'
import { receiptKey, type Receipt } from '../functions/core/lake/receipt'
import { assertLakeFolder, nearestKeys, NotFoundError } from './lake-checks'
import { lakeFromFlags, withLakeOptions, type LakeFlags } from './lake-options'
import { outputFormat, withOutputOption, type OutputFlags } from './output/output-format'
import { UsageError } from './usage-error'

/** `sluice receipt <key>`: what became of a raw file, as its last load recorded it. */
export function receiptCommand(): Command {
  return withOutputOption(withLakeOptions(
    new Command('receipt')
      .description('Print the receipt of a raw file: its status (loaded, empty, failed, quarantined or retracted), the run, its rows loaded and rejected, why it failed, its warnings, and the queries for its rows and rejects. Load writes it next to the file\'s ledger entry (and, on S3, tags the raw object with the same status and counts).')
      .argument('<key>', 'the raw key, e.g. orders/orders-2024-06.csv'),
  ), ['table', 'json'], 'the receipt')
    .addHelpText('after', `
Exit status: 0 when the file has a receipt; 1 when it has none (not processed yet, or no such
key); 2 for a usage error.

Examples:
  npx sluice receipt orders/orders-2024-06.csv
  npx sluice receipt orders/orders-2024-06.csv --output json`)
    .action(async (key: string, flags: LakeFlags & OutputFlags) => {
      const json = outputFormat(flags) === 'json'
      const dataset = datasetOfKey(key)
      if (!dataset) throw new UsageError(`${key} is not a raw data key; one looks like <dataset>/<file>.csv (or .tsv, .txt, with .gz or .zst)`)
      const { deps, root } = await lakeFromFlags(flags)
      if (!flags.s3Endpoint) await assertLakeFolder(root)
      const text = await deps.curated.readText(receiptKey(dataset, fileId(key)))
      if (!text) throw await noReceipt(deps.raw, key)
      const receipt = JSON.parse(text) as Receipt
      process.stdout.write(json ? `${JSON.stringify(receipt)}\n` : formatReceipt(receipt))
    })
}

async function noReceipt(raw: ObjectStore, key: string): Promise<NotFoundError> {
  if (await raw.head(key)) return new NotFoundError(`receipt: ${key} has no receipt yet: no run has processed it (\`sluice run\` does)`)
  const keys: string[] = []
  for await (const o of raw.list('')) if (datasetOfKey(o.key)) keys.push(o.key)
  const near = nearestKeys(key, keys)
  return new NotFoundError(`receipt: no raw key ${key} and no receipt of it${near.length > 0 ? `; nearest: ${near.join(', ')}` : ''}`)
}

/** The receipt for a terminal. */
export function formatReceipt(r: Receipt): string {
  const lines = [`${r.key}: ${r.status} by run ${r.runId} at ${r.at}`]
  if (r.etag) lines.push(`  version   ${r.etag}`)
  lines.push(`  rows      ${r.rowsIn} in, ${r.rowsLoaded} loaded, ${r.rowsRejected} rejected${r.rowsRetracted !== undefined ? `, ${r.rowsRetracted} retracted` : ''}`)
  if (r.reason) lines.push(`  reason    ${r.reason}`)
  if (r.note) lines.push(`  note      ${r.note}`)
  for (const w of r.warnings) lines.push(`  warning   ${w}`)
  if (r.queries?.rows) lines.push(`  rows:     sluice query "${r.queries.rows}"`)
  if (r.queries?.rejects) lines.push(`  rejects:  sluice query "${r.queries.rejects}"`)
  return `${lines.join('\n')}\n`
}
