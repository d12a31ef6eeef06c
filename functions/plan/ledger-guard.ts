import { SluiceError } from '../core/errors'
import type { TableInput } from '../core/lake/catalog'
import { generationOf, tableBase } from '../core/lake/generation'
import { ledgerPrefix } from '../core/lake/ledger'
import type { ObjectStore } from '../core/lake/object-store'
import type { LedgerScan } from './ledger-index'

/** A dataset's table holds rows, but its ledger is gone: loading its files again would double them. */
export class LedgerLostError extends SluiceError {}

/**
 * Refuses a sweep when a dataset it would load has a table but nothing under `_ledger/<dataset>/`
 * (the ledger was deleted by hand): every file would be planned as new and loaded beside the
 * parts already there. A table with no Parquet part (its first files were all superseded or failed) holds no row,
 * and is no such case.
 * Costs no request unless it finds one; a dataset is then listed again,
 * as its first commit by another execution may have landed since the scan.
 */
export async function assertLedgerKept(curated: ObjectStore, live: Map<string, TableInput | undefined>, scan: LedgerScan): Promise<void> {
  if (!scan.datasets) return
  const kept = new Set(scan.datasets)
  const lost: string[] = []
  for (const [dataset, table] of live) {
    if (!table || kept.has(dataset)) continue
    const again = curated.list(ledgerPrefix(dataset))[Symbol.asyncIterator]()
    const empty = (await again.next()).done
    await again.return?.()
    if (empty && (await holdsParts(curated, table))) lost.push(dataset)
  }
  if (lost.length === 0) return
  const names = lost.sort().join(', ')
  throw new LedgerLostError(
    `ledger: the ledger of ${names} is empty (was _ledger/ deleted?), but ${lost.length === 1 ? 'its table holds' : 'their tables hold'} loaded rows; ` +
      `loading the files again would double them. Run \`sluice doctor\` to see the parts no ledger owns, and \`sluice doctor --fix\` to remove them`,
  )
}

/** Whether any Parquet part sits under the table's folder; stops at the first one. */
async function holdsParts(curated: ObjectStore, table: TableInput): Promise<boolean> {
  for await (const o of curated.list(`${tableBase(table.Name, generationOf(table))}/`)) if (o.key.endsWith('.parquet')) return true
  return false
}
