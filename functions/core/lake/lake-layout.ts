import { createHash } from 'node:crypto'
import { normalizeColumnName } from '../schema/column-names'

/**
 * The key layout of the lake, identical in a local folder and in S3.
 *
 * Raw zone:      <dataset>/<any sub-path>/<file>.csv|.csv.gz|.csv.zst   (a file at the root: dataset = its stem)
 *                _contracts/<dataset>.json                       (optional contract)
 * Curated zone:  <dataset>/ingest_date=YYYY-MM-DD/<file id>-<publish id>-<n>.parquet
 *                <dataset>__rejects/ingest_date=YYYY-MM-DD/<file id>-<publish id>-<n>.parquet
 *                <table>/compacted/<compaction id>/ingest_date=…/   (a compacted partition; see compaction-layout.ts)
 *                _ledger/<dataset>/<file id>.json (and see ledger.ts)   _runs/<run id>.json   _staging/<run id>/…
 * Any key with a path segment starting with `_` or `.` is never data.
 */

const DATA_FILE = /\.(csv|tsv|txt)(\.gz|\.zst)?$/i

/** Whether a raw key names a compressed file (gzip or zstd), which is read whole, never in ranges. */
export const isCompressedKey = (key: string) => /\.(gz|zst)$/i.test(key)

/** The dataset a raw key belongs to, or undefined when the key is not a data file. */
export function datasetOfKey(key: string): string | undefined {
  const segments = key.split('/')
  if (segments.some((s) => s.startsWith('_') || s.startsWith('.') || s === '')) return undefined
  const file = segments[segments.length - 1]
  if (!DATA_FILE.test(file)) return undefined
  const name = segments.length > 1 ? segments[0] : file.replace(DATA_FILE, '')
  return datasetName(name)
}

/** Table name for a dataset folder or file stem: Athena-safe like a column name. */
export function datasetName(raw: string): string | undefined {
  return normalizeColumnName(raw) || undefined
}

/** Stable id of a raw key: the same file keeps its output names across versions and runs. */
export function fileId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 20)
}

export const contractKey = (dataset: string) => `_contracts/${dataset}.json`
/** Rejects table of a dataset: `__` never occurs in a dataset name, so the two cannot collide. */
export const rejectsTable = (dataset: string) => `${dataset}__rejects`
export const runReportKey = (runId: string) => `_runs/${runId}.json`
/** One loop's batch: its items, shared fields and Map run results (`loop` is the files reported before it). */
export const batchPrefix = (runId: string, loop: number) => `_batches/${runId}/${String(loop).padStart(7, '0')}/`
/**
 * File versions that failed earlier in a chain of executions (a run and the successors it handed
 * its backlog to): the successor `runId` does not plan them again, so that a chain ends. Beside
 * the run reports, which HandOff may write and Plan read; not `.json`, so no reader of the
 * reports takes it for one.
 */
export const carriedFailuresKey = (runId: string) => `_runs/${runId}.carried-failures`
export const stagingPrefix = (runId: string, id: string) => `_staging/${runId}/${id}/`
export const stagedResultKey = (runId: string, id: string) => `_staging/${runId}/${id}.json`
/** One conversion of a split file's range: `<prefix>.json` records it, its parts go under `<prefix>/`. */
export const rangeStagingPrefix = (runId: string, id: string, index: number, from: number | 'whole') => `${stagingPrefix(runId, id)}range-${index}-${from}`
/** Matches the record of a range conversion under a file's staging prefix. */
export const RANGE_RECORD = /\/range-\d+-(?:\d+|whole)\.json$/

/** Curated key of one published part. */
export function curatedPartKey(table: string, partition: Record<string, string>, id: string, index: number): string {
  return `${partitionPrefix(table, partition)}${id}-${String(index).padStart(5, '0')}.parquet`
}

/** `k1=v1`, `k2=v2`, … in partition key order, values encoded for a path. */
export function partitionSegments(partition: Record<string, string>): string[] {
  return Object.entries(partition).map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
}

/** `<table>/k1=v1/k2=v2/` in partition key order. */
export function partitionPrefix(table: string, partition: Record<string, string>): string {
  return `${table}/${partitionSegments(partition).map((s) => `${s}/`).join('')}`
}
