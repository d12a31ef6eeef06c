/** One stored object. `etag` identifies its content version (S3 ETag; locally the raw zone's content MD5). */
export interface ObjectInfo {
  key: string
  etag: string
  size: number
}

/** A small text object and the tag of its current content, for compare-and-swap. */
export interface VersionedText {
  text: string
  etag: string
}

/**
 * The condition of a compare-and-swap write: create only when the key is absent
 * (`If-None-Match: *`), or replace only the content read with this etag (`If-Match`).
 */
export type WriteCondition = { ifNoneMatch: '*' } | { ifMatch: string }

/** How tagging a version of an object ended: tagged, or the key holds another version or none. */
export type TagOutcome = 'tagged' | 'changed' | 'gone'

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
  /** The text with the etag a conditional write compares with; undefined when there is none. */
  readVersioned(key: string): Promise<VersionedText | undefined>
  /** Writes the text; with a condition, throws WriteConflictError when it does not hold. */
  writeText(key: string, text: string, condition?: WriteCondition): Promise<void>
  upload(key: string): Promise<ObjectUpload>
  copy(from: string, to: string): Promise<void>
  /** Deletes the keys; missing keys are not an error. */
  delete(keys: string[]): Promise<void>
  /**
   * Puts these tags on the object while it is the version `etag`, leaving tags of other
   * owners; without changing its content or etag. Optional: a local folder keeps no tags.
   */
  putTags?(key: string, etag: string, tags: [string, string][]): Promise<TagOutcome>
}
