import { combineFileRanges, type ConvertFrom } from '../core/transform/combine-file-ranges'
import { TransientStorageError } from '../core/errors'
import { RANGE_RECORD, rangeStagingPrefix, stagedResultKey, stagingPrefix } from '../core/lake/lake-layout'
import type { ObjectStore } from '../core/lake/object-store'
import type { PlannedFile } from '../core/lake/plan-files'
import { convertRangeFrom, type StagedRange } from '../core/transform/transform-file-range'
import { rangedSource } from '../adapters/ranged-source'
import type { LoadEvent } from '../core/lake/workflow-types'
import { stagingSink } from '../adapters/staging-sink'
import type { StagedFile } from './publish-file'

type Result = LoadEvent['results'][number]

/** The curated zone, and the raw zone to convert a range no Transform converted from its true start. */
export interface FoldDeps {
  curated: ObjectStore
  raw: Pick<ObjectStore, 'read' | 'readRange'>
}

/**
 * Turns the results of a split file's ranges into one result for the file, so that the rest
 * of Load commits it as any other file: one version, one ledger head, every range's parts.
 * If any range failed, or the ranges do not make a whole (a kept range failed, needs a wider
 * type, or the whole file is above the reject threshold), the file fails whole and nothing of
 * it is committed. Returns the results with one entry per file, and the file ids of split
 * files that failed (their staging is to be removed).
 */
export async function foldRanges(deps: FoldDeps, runId: string, results: Result[]): Promise<{ results: Result[]; failedIds: string[] }> {
  const groups = new Map<string, Result[]>()
  const folded: (Result | string)[] = []
  for (const r of results) {
    if (!r.file.range) {
      folded.push(r)
      continue
    }
    const id = `${r.file.fileId}\n${r.file.etag}`
    if (!groups.has(id)) {
      groups.set(id, [])
      folded.push(id)
    }
    groups.get(id)!.push(r)
  }
  const failedIds: string[] = []
  const out: Result[] = []
  for (const entry of folded) {
    if (typeof entry !== 'string') {
      out.push(entry)
      continue
    }
    const group = groups.get(entry)!.sort((a, b) => a.file.range!.index - b.file.range!.index)
    const result = await foldFile(deps, runId, group)
    if (result.status === 'failed') failedIds.push(result.file.fileId)
    out.push(result)
  }
  return { results: out, failedIds }
}

async function foldFile(deps: FoldDeps, runId: string, group: Result[]): Promise<Result> {
  const { curated } = deps
  const { range, ...file } = group[0].file
  const count = range!.count
  const failed = group.find((r) => r.status === 'failed')
  if (failed && failed.status === 'failed') {
    return { status: 'failed', file, error: failed.error, cause: `range ${failed.file.range!.index + 1} of ${count} failed, so the file is not loaded: ${failed.cause}` }
  }
  const staged = await readRanges(curated, runId, file)
  try {
    const source = rangedSource(deps.raw, file)
    const redo: ConvertFrom = (head, r, from) => convertRangeFrom(source, stagingSink(curated, `${rangeStagingPrefix(runId, file.fileId, r.index, from)}/`), head, r, from)
    const stats = await combineFileRanges(staged, count, stagingSink(curated, `${stagingPrefix(runId, file.fileId)}file-`), redo)
    const record: StagedFile = { file, stats }
    await curated.writeText(stagedResultKey(runId, file.fileId), JSON.stringify(record))
    return { status: stats.outcome === 'empty' ? 'empty' : 'transformed', file, rowsIn: stats.rowsIn, rowsOut: stats.rowsOut, rowsRejected: stats.rowsRejected }
  } catch (e) {
    if (e instanceof TransientStorageError) throw e
    const error = e as Error
    return { status: 'failed', file, error: error.name, cause: error.message }
  }
}

/** Every conversion recorded for the file's ranges in this run. */
async function readRanges(curated: ObjectStore, runId: string, file: PlannedFile): Promise<StagedRange[]> {
  const staged: StagedRange[] = []
  for await (const o of curated.list(stagingPrefix(runId, file.fileId))) {
    if (!RANGE_RECORD.test(o.key)) continue
    const text = await curated.readText(o.key)
    if (text) staged.push(JSON.parse(text) as StagedRange)
  }
  // As a single file's staged result: gone means an earlier attempt of this Load finished it.
  if (staged.length === 0) throw new Error(`load: the staged ranges of ${file.key} are missing from ${stagingPrefix(runId, file.fileId)}`)
  return staged
}
