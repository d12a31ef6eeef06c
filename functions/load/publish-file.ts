import { INGEST_DATE } from '../core/catalog'
import { curatedPartKey, rejectsTable } from '../core/lake-layout'
import { committedKey, intentKey, ledgerPrefix, parseLedgerKey, type LedgerRecord, type PublishIntent } from '../core/ledger'
import type { ObjectStore } from '../core/object-store'
import type { PlannedFile } from '../core/plan-files'
import type { PartInfo, TransformStats } from '../core/transform-types'

/** One file's staged output on its way to the curated zone. */
export interface StagedFile {
  file: PlannedFile
  stats: TransformStats
}

/** Where a staged file's parts go. */
export function finalKeys(staged: StagedFile, ingestDate: string): { data: string[]; rejects: string[] } {
  const { dataset, fileId } = staged.file
  return {
    data: staged.stats.parts.map((p) => curatedPartKey(dataset, partitionOf(p, ingestDate), fileId, p.index)),
    rejects: staged.stats.rejectParts.map((p) => curatedPartKey(rejectsTable(dataset), { [INGEST_DATE]: ingestDate }, fileId, p.index)),
  }
}

/** The partition values of a data part, ingest date first. */
export function partitionOf(part: PartInfo, ingestDate: string): Record<string, string> {
  return { [INGEST_DATE]: ingestDate, ...part.partition }
}

/**
 * Publishes a staged file: records the intent, copies the parts to their final keys (which
 * are deterministic, so a repeat overwrites), and removes what earlier versions or an
 * interrupted publish left that the new version does not. Rerunnable at any point.
 */
export async function publishFile(curated: ObjectStore, staged: StagedFile, ingestDate: string, runId: string): Promise<string[]> {
  const { dataset, fileId, key, etag } = staged.file
  const keys = finalKeys(staged, ingestDate)
  const outputs = [...keys.data, ...keys.rejects]
  const previous = await previousOutputs(curated, dataset, fileId)
  const stale = previous.filter((k) => !outputs.includes(k))
  const intent: PublishIntent = { key, etag, runId, outputs, stale }
  await curated.writeText(intentKey(dataset, fileId), JSON.stringify(intent))
  const sources = [...staged.stats.parts, ...staged.stats.rejectParts].map((p) => p.key)
  for (let i = 0; i < sources.length; i++) await curated.copy(sources[i], outputs[i])
  await curated.delete(stale)
  return outputs
}

/** Makes the published version the committed one and drops older records and the intent. */
export async function commitFile(curated: ObjectStore, staged: StagedFile, outputs: string[], runId: string, committedAt: string): Promise<void> {
  const { dataset, fileId, key, etag } = staged.file
  const record: LedgerRecord = {
    key, dataset, fileId, etag, runId, committedAt, outputs,
    rowsIn: staged.stats.rowsIn, rowsOut: staged.stats.rowsOut, rowsRejected: staged.stats.rowsRejected,
  }
  const current = committedKey(dataset, fileId, etag)
  await curated.writeText(current, JSON.stringify(record))
  const older = (await ledgerEntries(curated, dataset, fileId)).filter((k) => k !== current)
  await curated.delete(older)
}

async function ledgerEntries(curated: ObjectStore, dataset: string, fileId: string): Promise<string[]> {
  const keys: string[] = []
  for await (const o of curated.list(`${ledgerPrefix(dataset)}${fileId}`)) {
    if (parseLedgerKey(o.key)?.fileId === fileId) keys.push(o.key)
  }
  return keys
}

/** Every curated key an earlier version or an interrupted publish of this file may have left. */
async function previousOutputs(curated: ObjectStore, dataset: string, fileId: string): Promise<string[]> {
  const outputs = new Set<string>()
  for (const key of await ledgerEntries(curated, dataset, fileId)) {
    const text = await curated.readText(key)
    if (!text) continue
    const record = JSON.parse(text) as Partial<LedgerRecord & PublishIntent>
    for (const k of [...(record.outputs ?? []), ...(record.stale ?? [])]) outputs.add(k)
  }
  return [...outputs]
}
