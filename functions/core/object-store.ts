/** One stored object. `etag` identifies its content version (S3 ETag, or size+mtime locally). */
export interface ObjectInfo {
  key: string
  etag: string
  size: number
}

/** A streaming upload; `close()` completes it. */
export interface ObjectUpload {
  write(chunk: Uint8Array): Promise<void>
  close(): Promise<void>
  /** Gives up the upload; nothing is left at the key. */
  abort(): Promise<void>
}

/**
 * A zone of the lake (raw or curated): a local folder or an S3 bucket. Keys use `/`.
 * Implementations throw TransientStorageError for failures worth retrying.
 */
export interface ObjectStore {
  /** Where a key prefix lives, as a catalog location: `s3://bucket/prefix` or `file:///…/prefix`. */
  location(prefix: string): string
  /** Every object under `prefix` (recursively), in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>
  head(key: string): Promise<ObjectInfo | undefined>
  /** The object's bytes as a stream. */
  read(key: string): AsyncIterable<Uint8Array>
  /** Bytes `[start, end)` of the object (a ranged GET on S3). Optional to implement. */
  readRange?(key: string, start: number, end: number): AsyncIterable<Uint8Array>
  /** A small text object, or undefined when there is none. */
  readText(key: string): Promise<string | undefined>
  writeText(key: string, text: string): Promise<void>
  upload(key: string): Promise<ObjectUpload>
  copy(from: string, to: string): Promise<void>
  /** Deletes the keys; missing keys are not an error. */
  delete(keys: string[]): Promise<void>
}
