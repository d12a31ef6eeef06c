import { readJson, rejectSamples, showsRecordText, siteSamples, updateJson } from '../adapters/site-summaries'
import { fileId } from '../core/lake/lake-layout'
import { headKey, type LedgerRecord } from '../core/lake/ledger'
import type { FileReport, RunReport } from '../core/lake/run-report'
import { emptyHistory, recordRun, runRow, RUN_HISTORY_KEY, type RunHistory } from '../core/site/run-history'
import {
  batchWarnings,
  datasetTotals,
  emptySummary,
  mergeFileEntry,
  mergeShard,
  mergeSummary,
  shardKey,
  shardOf,
  shardTotals,
  summaryKey,
  type DatasetSummary,
  type FileEntry,
  type FileShard,
  type FileUpdate,
  type RejectSample,
  type ShardTotals,
} from '../core/site/site-summary'
import { mergePartColumnStats } from '../core/parquet/part-stats'
import type { TransformStats } from '../core/transform/transform-types'
import type { LoadDeps } from './load-step'
import type { StagedFile } from './publish-file'

/** Rejects parts of a file read for samples, and rows read of each: the first lines are enough. */
const SAMPLE_PARTS = 2
const SAMPLE_ROWS = 50

/**
 * Brings the status site's summaries (site-summary.ts) up to date with a batch: the shards of
 * its files, the summaries of its datasets, and the run's row in the run history, each by
 * compare-and-swap. Each file's entry takes the ledger head as it is now, so a retried Load or a
 * commit won by another execution gives the same entry. Rejects samples come from the batch's
 * own rejects parts, a few rows each; their record text is kept only where the deployment and
 * the dataset's contract both opt in, and is removed from the summary's samples otherwise.
 */
export async function updateSummaries(deps: LoadDeps, report: RunReport, batch: FileReport[], staged: StagedFile[]): Promise<void> {
  // A file built into a generation not yet live changes nothing a reader sees until the swap.
  const settled = batch.filter((r) => !r.note?.startsWith('rebuilt into generation'))
  const touched = new Map<string, DatasetSummary>()
  for (const dataset of [...new Set(settled.map((r) => r.dataset))].sort()) {
    const reports = settled.filter((r) => r.dataset === dataset)
    const updates: FileUpdate[] = await Promise.all(
      reports.map(async (r) => {
        const head = await readJson<LedgerRecord>(deps.curated, headKey(dataset, fileId(r.key)))
        const stats = staged.find((s) => s.file.key === r.key && s.file.etag === head?.etag)?.stats
        return { report: r, runId: report.runId, at: report.startedAt, batchAt: report.updatedAt, ...(head ? { head } : {}), ...(stats ? measuredVersion(stats) : {}) }
      }),
    )
    const entries: FileEntry[] = []
    const shards: Record<string, ShardTotals> = {}
    for (const shard of [...new Set(updates.map((u) => shardOf(fileId(u.report.key))))].sort()) {
      const mine = updates.filter((u) => shardOf(fileId(u.report.key)) === shard)
      const written = await updateJson<FileShard>(deps.curated, shardKey(dataset, shard), (previous) =>
        mergeShard(previous, mine.map((u) => mergeFileEntry(previous?.files[u.report.key], u))),
      )
      entries.push(...mine.map((u) => written.files[u.report.key]!))
      shards[shard] = shardTotals(written)
    }
    const samples: RejectSample[] = []
    // The batch's rejects parts are still staged (Load removes them last); published ones may be compacted already.
    for (const u of updates.filter((x) => x.rejectCodes && (x.report.outcome === 'loaded' || x.report.outcome === 'empty'))) {
      const parts = staged.find((s) => s.file.key === u.report.key)!.stats.rejectParts.slice(0, SAMPLE_PARTS)
      for (const part of parts) samples.push(...(await rejectSamples(deps.curated, part.key, SAMPLE_ROWS)))
    }
    const warnings = batchWarnings(reports, report.runId, report.startedAt)
    const recordText = await showsRecordText(deps.raw, deps.siteRecordText, dataset)
    touched.set(
      dataset,
      await updateJson<DatasetSummary>(deps.curated, summaryKey(dataset), (previous) => {
        const merged = mergeSummary(previous ?? emptySummary(dataset), { entries, shards, samples: siteSamples(samples, recordText), warnings })
        return { ...merged, samples: siteSamples(merged.samples, recordText) }
      }),
    )
  }
  const rows = Object.fromEntries([...touched].map(([dataset, summary]) => [dataset, datasetTotals(summary).rows]))
  await updateJson<RunHistory>(deps.curated, RUN_HISTORY_KEY, (previous) => recordRun(previous ?? emptyHistory(), runRow(report, rows)))
}

/** What Load has in hand of a version it staged: its rejects by code, and its data parts' bytes and column statistics. */
function measuredVersion(stats: TransformStats): Pick<FileUpdate, 'rejectCodes' | 'bytes' | 'columns'> {
  const columns = mergePartColumnStats(stats.parts.map((p) => p.columns))
  return { rejectCodes: stats.rejectCodes, bytes: stats.parts.reduce((n, p) => n + p.bytes, 0), ...(columns ? { columns } : {}) }
}
