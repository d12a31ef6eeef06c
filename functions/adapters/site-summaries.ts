import { parquetReadObjects } from 'hyparquet'
import { ContractInvalidError, WriteConflictError } from '../core/errors'
import { contractKey } from '../core/lake/lake-layout'
import type { ObjectStore } from '../core/lake/object-store'
import { parseContractText } from '../core/schema/contract'
import { recordTextShown, withoutRecordText } from '../core/site/record-text'
import type { RejectSample } from '../core/site/site-summary'
import { columnStatsOfFooter, type PartColumnStats } from '../core/parquet/part-stats'

/** The most of a part's end kept while it streams by: its footer is far smaller. */
const TAIL_BYTES = 4 * 1024 * 1024

/** How many times a compare-and-swap of a summary is tried before the race is reported. */
const MAX_ATTEMPTS = 50

/** A JSON object of the curated zone, or undefined when there is none. */
export async function readJson<T>(store: Pick<ObjectStore, 'readText'>, key: string): Promise<T | undefined> {
  const text = await store.readText(key)
  return text ? (JSON.parse(text) as T) : undefined
}

/**
 * Replaces a JSON object with `change` of what it holds, by compare-and-swap: a write that
 * lost to another is made again on what that one wrote, so no update is lost. Returns what was
 * written.
 */
export async function updateJson<T>(store: Pick<ObjectStore, 'readVersioned' | 'writeText'>, key: string, change: (previous: T | undefined) => T): Promise<T> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const read = await store.readVersioned(key)
    const next = change(read ? (JSON.parse(read.text) as T) : undefined)
    try {
      await store.writeText(key, JSON.stringify(next), read ? { ifMatch: read.etag } : { ifNoneMatch: '*' })
      return next
    } catch (error) {
      if (!(error instanceof WriteConflictError)) throw error
    }
  }
  throw new WriteConflictError(`site: update of ${key} lost ${MAX_ATTEMPTS} races in a row`)
}

const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined)

/** The first `limit` rows of a rejects part (its rows are in line order), as samples. */
export async function rejectSamples(store: Pick<ObjectStore, 'read'>, key: string, limit?: number): Promise<RejectSample[]> {
  const chunks: Uint8Array[] = []
  for await (const chunk of store.read(key)) chunks.push(chunk)
  const bytes = Buffer.concat(chunks)
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  const rows = (await parquetReadObjects({ file, ...(limit !== undefined ? { rowEnd: limit } : {}) })) as Record<string, unknown>[]
  return rows.map((r) => {
    const column = text(r['column'])
    return { source: String(r['source'] ?? ''), line: Number(r['line']), record: String(r['record'] ?? ''), errorCode: String(r['error_code'] ?? ''), errorMessage: String(r['error_message'] ?? ''), ...(column ? { column } : {}) }
  })
}

/**
 * Whether a dataset's rejects may show their record text on the site: the deployment allows it
 * and the dataset's contract, read from the raw zone now, says so. Without the deployment's
 * opt-in the contract is not read. A contract gone or no longer valid shows none.
 */
export async function showsRecordText(raw: Pick<ObjectStore, 'readText'>, deployment: boolean | undefined, dataset: string): Promise<boolean> {
  if (deployment !== true) return false
  const key = contractKey(dataset)
  const text = await raw.readText(key)
  if (text === undefined) return false
  try {
    return recordTextShown(deployment, parseContractText(text, key))
  } catch (error) {
    if (error instanceof ContractInvalidError) return false
    throw error
  }
}

/** The samples as the site may keep them: whole when record text is shown, without it otherwise. */
export const siteSamples = (samples: RejectSample[], recordText: boolean): RejectSample[] => (recordText ? samples : samples.map(withoutRecordText))

/**
 * A stored data part's size and column statistics, for a rebuild of the summaries (Load has
 * them from the writer instead). The part streams by; only its last bytes are kept, for the footer.
 */
export async function partMeasure(store: Pick<ObjectStore, 'read'>, key: string): Promise<{ bytes: number; columns: PartColumnStats }> {
  let bytes = 0
  let tail = new Uint8Array(0)
  for await (const chunk of store.read(key)) {
    bytes += chunk.length
    const joined = new Uint8Array(Math.min(TAIL_BYTES, tail.length + chunk.length))
    const fromChunk = Math.min(chunk.length, joined.length)
    joined.set(tail.subarray(tail.length - (joined.length - fromChunk)), 0)
    joined.set(chunk.subarray(chunk.length - fromChunk), joined.length - fromChunk)
    tail = joined
  }
  return { bytes, columns: columnStatsOfFooter(tail) }
}
