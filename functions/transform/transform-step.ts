import { parseContractText } from '../core/contract'
import { contractKey, stagedResultKey, stagingPrefix } from '../core/lake-layout'
import { INGEST_DATE } from '../core/catalog'
import { transformCsv } from '../core/transform-csv'
import type { LakeDeps } from '../core/step-deps'
import type { TransformOptions } from '../core/transform-types'
import type { RetractResult, TransformEvent, TransformResult } from '../core/workflow-types'
import { stagingSink } from '../adapters/staging-sink'

/**
 * Streams one raw object through the engine into `_staging/<runId>/<fileId>/` and records
 * the full stats next to it. Returns keys and counts only. A file planned for retraction
 * passes through untouched.
 */
export async function transformStep(
  deps: Pick<LakeDeps, 'raw' | 'curated'>,
  event: TransformEvent,
  engine: Pick<TransformOptions, 'gzipLimits' | 'workers' | 'rangeRunner'> = {},
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
  const stats = await transformCsv(source, stagingSink(deps.curated, stagingPrefix(runId, file.fileId)), {
    sourceName: file.key,
    contract,
    tableColumns: event.tables[file.dataset],
    reservedColumns: [INGEST_DATE],
    ...engine,
  })
  await deps.curated.writeText(stagedResultKey(runId, file.fileId), JSON.stringify({ file, stats }))
  return {
    status: stats.outcome === 'empty' ? 'empty' : 'transformed',
    file,
    rowsIn: stats.rowsIn,
    rowsOut: stats.rowsOut,
    rowsRejected: stats.rowsRejected,
  }
}

async function readContract(deps: Pick<LakeDeps, 'raw'>, dataset: string) {
  const key = contractKey(dataset)
  const text = await deps.raw.readText(key)
  return text === undefined ? undefined : parseContractText(text, key)
}
