import { TransientStorageError } from '../core/errors'
import type { ObjectStore } from '../core/lake/object-store'
import type { BatchContext, FailedResult, FileResult, RetractResult, TransformBatchEvent, TransformEvent, TransformResult } from '../core/lake/workflow-types'

/** Longest failure cause a result keeps: a batch's output stays far under the 256 KiB payload limit. */
export const MAX_CAUSE_CHARS = 1000

/** Converts one file of a batch (transformStep, or a wrapped one). */
export type ConvertFile = (event: TransformEvent) => Promise<TransformResult | RetractResult>

/**
 * Converts the files of one ItemBatcher batch in turn, returning one small result per file.
 * A file that fails for a reason a retry cannot change is returned as failed, so that it never
 * fails its batch-mates; a transient error (TransientStorageError) is thrown, and the workflow
 * retries the whole batch: each file's staging keys are named by the run and the file, so a
 * file converted again overwrites what its first attempt staged. `retried` says which errors
 * are transient.
 */
export async function transformBatch(
  curated: Pick<ObjectStore, 'readText'>,
  event: TransformBatchEvent,
  convert: ConvertFile,
  retried: (error: Error) => boolean = (error) => error instanceof TransientStorageError,
): Promise<FileResult[]> {
  const context = await readContext(curated, event.BatchInput.context)
  const results: FileResult[] = []
  for (const file of event.Items) {
    try {
      results.push(await convert({ runId: event.BatchInput.runId, file, contracts: context.contracts, tables: context.tables }))
    } catch (e) {
      if (!(e instanceof Error) || retried(e)) throw e
      results.push(failedResult(file, e))
    }
  }
  return results
}

/** A failed file's result: the error's name, and its message cut to MAX_CAUSE_CHARS. */
export function failedResult(file: FailedResult['file'], error: Error): FailedResult {
  const cause = error.message.length > MAX_CAUSE_CHARS ? `${error.message.slice(0, MAX_CAUSE_CHARS - 1)}…` : error.message
  return { status: 'failed', file, error: error.name, cause }
}

async function readContext(curated: Pick<ObjectStore, 'readText'>, key: string): Promise<BatchContext> {
  const text = await curated.readText(key)
  if (text === undefined) throw new Error(`transform: the batch's shared fields are missing from ${key}`)
  return JSON.parse(text) as BatchContext
}
