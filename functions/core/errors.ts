/**
 * Named errors. Their `name` is the contract with the workflow: the ASL `Retry`/`Catch`
 * blocks match on it, so renaming one is a breaking change.
 * Messages start with the domain and carry the offending value and location.
 */

/** Base class: sets `name` from the subclass and keeps the original error as `cause`. */
export class SluiceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** The contract JSON itself is malformed (unknown type, bad format string, ...). */
export class ContractInvalidError extends SluiceError {}

/** The file cannot satisfy its contract as a whole (e.g. a required column is missing). */
export class ContractViolationError extends SluiceError {}

/** The input is not text (NUL bytes, a known binary signature) or its compression is corrupt. */
export class BinaryInputError extends SluiceError {}

/**
 * A gzip input decompresses to more bytes, or at a higher ratio, than the configured limit
 * allows: a decompression bomb, or a file too large for one worker. Fails that file only.
 */
export class DecompressionLimitError extends SluiceError {}

/** The input cannot be decoded in its declared or detected encoding. */
export class EncodingError extends SluiceError {}

/** The CSV is unusable as a whole (e.g. no header row when one is required). */
export class CsvFormatError extends SluiceError {}

/** A storage call failed in a way worth retrying (throttling, timeouts, 5xx). */
export class TransientStorageError extends SluiceError {}

/** The workflow was started with input it does not understand. */
export class InvalidInputError extends SluiceError {}

/**
 * A conditional write lost a race: the object or table changed since it was read (S3 412 or
 * 409, Glue ConcurrentModificationException, or the local equivalents). The caller re-reads,
 * reconciles and tries again.
 */
export class WriteConflictError extends SluiceError {}
