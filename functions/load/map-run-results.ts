import type { ObjectStore } from '../core/lake/object-store'
import type { PlannedFile } from '../core/lake/plan-files'
import type { FileResult, LoadRequest, TransformBatchEvent } from '../core/lake/workflow-types'

/** `manifest.json` of a Distributed Map's ResultWriter: the result files, by child execution status. */
export interface ResultWriterManifest {
  DestinationBucket: string
  MapRunArn: string
  ResultFiles: Partial<Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string; Size: number }[]>>
}

/**
 * One child execution in a result file (`SUCCEEDED_<n>.json`, `FAILED_<n>.json`,
 * `PENDING_<n>.json`): its input and, when it succeeded, its output, as JSON text.
 */
export interface ChildExecutionRecord {
  ExecutionArn: string
  Name: string
  StateMachineArn: string
  MapRunArn: string
  Status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING' | 'RUNNING'
  StartDate: string
  StopDate?: string
  Input: string
  InputDetails: { Included: boolean }
  Output?: string
  OutputDetails?: { Included: boolean }
  Error?: string
  Cause?: string
  RedriveCount: number
  RedriveStatus: string
  RedriveStatusReason?: string
}

/**
 * The result of every item of a loop's batch, read from the curated zone: the items from the
 * batch's manifest, and their results from the Map run's ResultWriter files. A child execution
 * that failed as a whole (timed out, retries exhausted) fails each file of its batch with its
 * error; an item with no result at all (the Map run failed, or never ran it) fails with the
 * Map's error.
 */
export async function mapRunResults(curated: Pick<ObjectStore, 'readText'>, request: Pick<LoadRequest, 'batch' | 'mapRun'>): Promise<FileResult[]> {
  if (request.batch.files === 0) return []
  const items = await readJson<PlannedFile[]>(curated, request.batch.key, 'the batch manifest')
  const found = new Map<string, FileResult>()
  const { mapRun } = request
  if ('ResultWriterDetails' in mapRun) {
    const manifest = await readJson<ResultWriterManifest>(curated, mapRun.ResultWriterDetails.Key, 'the Map run\'s result manifest')
    for (const status of ['SUCCEEDED', 'FAILED'] as const) {
      for (const file of manifest.ResultFiles[status] ?? []) {
        for (const record of await readJson<ChildExecutionRecord[]>(curated, file.Key, 'a Map run result file')) {
          for (const result of childResults(record)) found.set(itemId(result.file), result)
        }
      }
    }
  }
  const missing = 'ResultWriterDetails' in mapRun
    ? { error: 'States.MapRunIncomplete', cause: `the Map run ${mapRun.MapRunArn} gave no result for this file` }
    : { error: mapRun.Error, cause: mapRun.Cause }
  return items.map((file) => found.get(itemId(file)) ?? { status: 'failed', file, ...missing })
}

/** The file results of one child execution: its output, or each of its files failed with its error. */
function childResults(record: ChildExecutionRecord): FileResult[] {
  if (record.Status === 'SUCCEEDED' && record.Output !== undefined) return JSON.parse(record.Output) as FileResult[]
  const { Items } = JSON.parse(record.Input) as TransformBatchEvent
  const error = record.Error ?? `States.${record.Status}`
  return Items.map((file) => ({ status: 'failed', file, error, cause: record.Cause ?? `the child execution ${record.Name} ended ${record.Status}` }))
}

/** Identifies an item of a batch: a file version, or one byte range of it. */
const itemId = (f: PlannedFile) => `${f.fileId}\n${f.etag}\n${f.range?.index ?? ''}\n${f.retract ? 'retract' : ''}`

async function readJson<T>(curated: Pick<ObjectStore, 'readText'>, key: string, what: string): Promise<T> {
  const text = await curated.readText(key)
  if (text === undefined) throw new Error(`load: ${what} is missing from ${key}`)
  return JSON.parse(text) as T
}
