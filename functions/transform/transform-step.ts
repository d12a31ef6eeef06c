import { parseContractText } from '../core/schema/contract'
import { contractKey, rangeStagingPrefix, stagedResultKey, stagingPrefix } from '../core/lake/lake-layout'
import { INGEST_DATE } from '../core/lake/catalog'
import { RejectThresholdError } from '../core/transform/reject-threshold-error'
import { transformCsv } from '../core/transform/transform-csv'
import { failedStats } from '../core/transform/file-outcome'
import { transformFileRange, type RangedSource } from '../core/transform/transform-file-range'
import type { LakeDeps } from '../core/lake/step-deps'
import type { TransformOptions } from '../core/transform/transform-types'
import type { RetractResult, TransformEvent, TransformResult } from '../core/lake/workflow-types'
import { rangedSource } from '../adapters/ranged-source'
import { stagingSink } from '../adapters/staging-sink'

/**
 * Streams one raw object through the engine into `_staging/<runId>/<fileId>/` and records
 * the full stats next to it. Returns keys and counts only. A file planned for retraction
 * passes through untouched.
 */
export async function transformStep(
  deps: Pick<LakeDeps, 'raw' | 'curated'>,
  event: TransformEvent,
  engine: Pick<TransformOptions, 'gzipLimits' | 'workers' | 'rangeRunner' | 'memoryBudgetMb'> = {},
): Promise<TransformResult | RetractResult> {
  const { file, runId } = event
  // A raw file that is gone has nothing to read: Load retracts its rows.
  if (file.retract) return { status: 'retract', file }
  const contract = event.contracts.includes(file.dataset) ? await readContract(deps, file.dataset) : undefined
  const raw = deps.raw
  const source = {
    open: () => raw.read(file.key),
    size: file.size,
    openRange: raw.readRange ? (start: number, end: number) => raw.readRange!(file.key, start, end) : undefined,
  }
  // Every row names its raw key and this run, unless the contract turns lineage off.
  const options = { sourceName: file.key, dataset: file.dataset, contract, tableColumns: event.tables[file.dataset], reservedColumns: [INGEST_DATE], lineage: { source: file.key, runId }, ...engine }
  if (file.range) return transformRangeStep(deps, event, rangedSource(raw, file), options)
  let stats
  try {
    stats = await transformCsv(source, stagingSink(deps.curated, stagingPrefix(runId, file.fileId)), options)
  } catch (error) {
    // Over its reject threshold, a file fails; its rejects are staged for Load to keep.
    if (error instanceof RejectThresholdError && error.rejectParts.length > 0) {
      await deps.curated.writeText(stagedResultKey(runId, file.fileId), JSON.stringify({ file, stats: failedStats(file.key, error) }))
    }
    throw error
  }
  await deps.curated.writeText(stagedResultKey(runId, file.fileId), JSON.stringify({ file, stats }))
  return {
    status: stats.outcome === 'empty' ? 'empty' : 'transformed',
    file,
    rowsIn: stats.rowsIn,
    rowsOut: stats.rowsOut,
    rowsRejected: stats.rowsRejected,
  }
}

/**
 * One byte range of a split file: its conversion(s) and parts are staged under
 * `range-<k>-<from>`; Load combines the ranges into one version. The counts returned are the
 * range's own, before Load checks that its start was a record boundary.
 */
async function transformRangeStep(
  deps: Pick<LakeDeps, 'curated'>,
  event: TransformEvent,
  source: RangedSource,
  options: TransformOptions,
): Promise<TransformResult> {
  const { file, runId } = event
  const staged = await transformFileRange(source, (k, from) => stagingSink(deps.curated, `${rangeStagingPrefix(runId, file.fileId, k, from)}/`), options, file.range!)
  for (const s of staged) {
    const prefix = rangeStagingPrefix(runId, file.fileId, s.index, 'whole' in s ? 'whole' : s.from)
    await deps.curated.writeText(`${prefix}.json`, JSON.stringify(s))
  }
  const own = staged[0]
  const counts = !own ? { rowsIn: 0, rowsOut: 0, rowsRejected: 0 } : 'whole' in own ? own.whole : { rowsIn: own.result?.rowsIn ?? 0, rowsRejected: own.result?.rejects.length ?? 0, rowsOut: (own.result?.rowsIn ?? 0) - (own.result?.rejects.length ?? 0) }
  return { status: 'transformed', file, rowsIn: counts.rowsIn, rowsOut: counts.rowsOut, rowsRejected: counts.rowsRejected }
}

async function readContract(deps: Pick<LakeDeps, 'raw'>, dataset: string) {
  const key = contractKey(dataset)
  const text = await deps.raw.readText(key)
  return text === undefined ? undefined : parseContractText(text, key)
}
