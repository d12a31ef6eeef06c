import type { Catalog } from '../../functions/core/lake/catalog'
import { generationOf } from '../../functions/core/lake/generation'
import { datasetOfKey, fileId } from '../../functions/core/lake/lake-layout'
import { parseLedgerKey, versionId, type LedgerRecord } from '../../functions/core/lake/ledger'
import type { ObjectInfo, ObjectStore } from '../../functions/core/lake/object-store'
import type { QuarantineRecord } from '../../functions/core/lake/quarantine'
import { readRunReports } from './run-history'

/** A file that needs attention, with why. */
export interface FileIssue {
  key: string
  reason: string
  /** The run that last reported it, and when it started. */
  runId?: string
  at?: string
}

/** What `sluice status` says of one dataset. */
export interface DatasetStatus {
  dataset: string
  /** Whether the catalog has its table. */
  table: boolean
  /** The live generation (empty for a table never reprocessed). */
  generation: string
  /** When its last file was committed (ISO), if ever. */
  lastLoad: string | null
  /** Rows of its committed files (as their loads counted them), and how many files. */
  rows: number
  files: number
  /** Raw versions not committed yet, nor failed or quarantined: the next run loads them. */
  pending: FileIssue[]
  /** Raw versions whose last run failed them (a transient failure, retried by the next run). */
  failed: FileIssue[]
  /** Raw versions set aside until they change or `sluice retry`. */
  quarantined: FileIssue[]
}

/**
 * The state of each dataset of the lake, from the raw listing, the ledger, the catalog and the
 * run reports: the same on a local lake and on S3.
 */
export async function lakeStatus(deps: { raw: ObjectStore; curated: ObjectStore; catalog: Pick<Catalog, 'getTable'>; database: string }): Promise<DatasetStatus[]> {
  const raw = new Map<string, ObjectInfo>()
  for await (const o of deps.raw.list('')) if (datasetOfKey(o.key)) raw.set(o.key, o)
  const heads: LedgerRecord[] = []
  const committed = new Map<string, string>()
  const quarantines: QuarantineRecord[] = []
  for await (const o of deps.curated.list('_ledger/')) {
    if (o.key.includes('/_rebuild/')) continue
    const entry = parseLedgerKey(o.key)
    if (entry?.kind === 'head' || entry?.kind === 'quarantined') {
      const text = await deps.curated.readText(o.key)
      if (!text) continue
      if (entry.kind === 'head') heads.push(JSON.parse(text) as LedgerRecord)
      else quarantines.push(JSON.parse(text) as QuarantineRecord)
    }
    if (entry?.kind === 'committed') committed.set(`${entry.fileId}--${entry.version}`, entry.generation ?? '')
  }
  const datasets = new Set([...[...raw.keys()].map((k) => datasetOfKey(k)!), ...heads.map((h) => h.dataset)])
  const tables = new Map(await Promise.all([...datasets].map(async (d) => [d, await deps.catalog.getTable(deps.database, d)] as const)))
  const quarantined = new Map(quarantines.filter((q) => raw.get(q.key)?.etag === q.etag).map((q) => [q.key, q]))
  const lastFailure = await lastFailures(deps.curated, raw)

  const result: DatasetStatus[] = []
  for (const dataset of [...datasets].sort()) {
    const table = tables.get(dataset)
    const generation = generationOf(table)
    const live = heads.filter((h) => h.dataset === dataset && h.state === 'committed')
    const status: DatasetStatus = {
      dataset, table: table !== undefined, generation,
      lastLoad: live.reduce<string | null>((latest, h) => (latest === null || h.committedAt > latest ? h.committedAt : latest), null),
      rows: live.reduce((n, h) => n + h.rowsOut, 0), files: live.length, pending: [], failed: [], quarantined: [],
    }
    for (const [key, object] of [...raw].filter(([k]) => datasetOfKey(k) === dataset)) {
      const inLedger = committed.get(`${fileId(key)}--${versionId(object.etag)}`)
      const q = quarantined.get(key)
      // A reprocess quarantines a version that stays loaded in the table, as its receipt says.
      if (inLedger === generation && !q) continue
      const failure = lastFailure.get(key)
      if (q) status.quarantined.push({ key, reason: inLedger === generation ? `${q.reason} (its earlier load stays in the table)` : q.reason, runId: q.runId, at: q.quarantinedAt })
      else if (failure) status.failed.push(failure)
      else status.pending.push({ key, reason: inLedger !== undefined ? 'loaded into a table generation swapped out since' : live.some((h) => h.key === key) ? 'changed since it was loaded' : 'new' })
    }
    result.push(status)
  }
  return result
}

/** The newest report of each raw file's current version, where it is a failure. */
async function lastFailures(curated: ObjectStore, raw: Map<string, ObjectInfo>): Promise<Map<string, FileIssue>> {
  const seen = new Set<string>()
  const failed = new Map<string, FileIssue>()
  for (const report of await readRunReports(curated)) {
    for (const f of report.files) {
      if (seen.has(f.key) || raw.get(f.key)?.etag !== f.etag) continue
      seen.add(f.key)
      if (f.outcome === 'failed') failed.set(f.key, { key: f.key, reason: f.reason ?? 'unknown error', runId: report.runId, at: report.startedAt })
    }
  }
  return failed
}
