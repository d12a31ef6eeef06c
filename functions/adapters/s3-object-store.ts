import { PassThrough } from 'node:stream'
import { once } from 'node:events'
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { SluiceError, TransientStorageError, WriteConflictError } from '../core/errors'
import type { ObjectInfo, ObjectStore, ObjectUpload, WriteCondition } from '../core/lake/object-store'
import { awsStorageError, isTransientAwsError } from './aws-errors'
import { tagRawVersion } from './raw-tags'

/** `read` of a key that does not exist. */
export class ObjectNotFoundError extends SluiceError {}

/** Multipart part size; with QUEUE_SIZE parts in flight an upload holds about 3 parts in memory. */
const PART_SIZE = 8 * 1024 * 1024
const QUEUE_SIZE = 2
/** DeleteObjects takes at most this many keys per call. */
const DELETE_BATCH = 1000

export interface S3ObjectStoreOptions {
  /** Keys per ListObjectsV2 page (S3's maximum and default is 1000). */
  listPageSize?: number
}

/**
 * The lake zone in `bucket`, through `client`. Failures worth retrying throw
 * TransientStorageError; see aws-errors.ts for how the others are reported.
 */
export function s3ObjectStore(client: S3Client, bucket: string, options: S3ObjectStoreOptions = {}): ObjectStore {
  const url = (key: string) => `s3://${bucket}/${key}`
  const failed = (operation: string, key: string, error: unknown) => awsStorageError(`s3: ${operation} ${url(key)}`, error)

  const readVersioned = async (key: string) => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      return { text: (await out.Body?.transformToString('utf-8')) ?? '', etag: unquote(out.ETag) }
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw failed('readText', key, error)
    }
  }

  return {
    location: (prefix) => url(prefix),

    async *list(prefix) {
      const pages = paginateListObjectsV2(
        { client, ...(options.listPageSize ? { pageSize: options.listPageSize } : {}) },
        { Bucket: bucket, Prefix: prefix },
      )
      try {
        for await (const page of pages) {
          for (const object of page.Contents ?? []) {
            yield { key: object.Key!, etag: unquote(object.ETag), size: object.Size ?? 0 } satisfies ObjectInfo
          }
        }
      } catch (error) {
        throw failed('list', prefix, error)
      }
    },

    putTags: (key, etag, tags) => tagRawVersion(client, bucket, key, etag, tags),

    async head(key) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
        return { key, etag: unquote(out.ETag), size: out.ContentLength ?? 0 }
      } catch (error) {
        if (isNotFound(error)) return undefined
        throw failed('head', key, error)
      }
    },

    async *read(key) {
      let body: AsyncIterable<Uint8Array>
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
        if (!out.Body) return
        // In Node the SDK's Body is the HTTP response stream itself.
        body = out.Body as unknown as AsyncIterable<Uint8Array>
      } catch (error) {
        if (isNotFound(error)) throw new ObjectNotFoundError(`s3: read ${url(key)} failed: no such key`, { cause: error })
        throw failed('read', key, error)
      }
      try {
        yield* body
      } catch (error) {
        throw failed('read', key, error)
      }
    },

    async *readRange(key, start, end) {
      if (end <= start) return
      let body: AsyncIterable<Uint8Array>
      try {
        // HTTP ranges are inclusive.
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}` }))
        if (!out.Body) return
        body = out.Body as unknown as AsyncIterable<Uint8Array>
      } catch (error) {
        if (isNotFound(error)) throw new ObjectNotFoundError(`s3: read ${url(key)} failed: no such key`, { cause: error })
        throw failed('read', key, error)
      }
      try {
        yield* body
      } catch (error) {
        throw failed('read', key, error)
      }
    },

    async readText(key) {
      return (await readVersioned(key))?.text
    },

    readVersioned,

    async writeText(key, text, condition) {
      const contentType = key.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8'
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: contentType, ...conditionHeaders(condition) }))
      } catch (error) {
        if (condition && isConflict(error)) {
          throw new WriteConflictError(`s3: writeText ${url(key)} lost a race (${describeCondition(condition)}): ${(error as Error).name}`, { cause: error })
        }
        throw failed('writeText', key, error)
      }
    },

    async upload(key) {
      return streamingUpload(client, bucket, key, (error) => failed('upload', key, error))
    },

    async copy(from, to) {
      try {
        await client.send(new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: copySource(bucket, from) }))
      } catch (error) {
        throw failed(`copy ${url(from)} to`, to, error)
      }
    },

    async delete(keys) {
      for (let start = 0; start < keys.length; start += DELETE_BATCH) {
        const batch = keys.slice(start, start + DELETE_BATCH)
        let errors
        try {
          const out = await client.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
          )
          errors = out.Errors ?? []
        } catch (error) {
          throw failed('delete', batch[0]!, error)
        }
        if (errors.length > 0) {
          const listed = errors.map((e) => `${e.Key} (${e.Code}: ${e.Message})`).join(', ')
          const message = `s3: delete s3://${bucket} failed for ${errors.length} key(s): ${listed}`
          // Per-key SlowDown or InternalError are worth retrying, as whole-call ones are.
          const transient = errors.every((e) => isTransientAwsError({ name: e.Code }))
          throw transient ? new TransientStorageError(message) : new SluiceError(message)
        }
      }
    },
  }
}

/**
 * A multipart upload fed through a PassThrough. `write` waits while the stream is full, so at
 * most about QUEUE_SIZE + 1 parts are buffered. A failure surfaces in the next `write`/`close`,
 * after Upload has aborted the multipart upload. Once `close()` was called, `abort()` only waits
 * for it: the object is then either complete or was never created.
 */
function streamingUpload(client: S3Client, bucket: string, key: string, failed: (error: unknown) => Error): ObjectUpload {
  const stream = new PassThrough()
  // Errors reach the caller through done(); this keeps a late one from being "unhandled".
  stream.on('error', () => undefined)
  const upload = new Upload({ client, params: { Bucket: bucket, Key: key, Body: stream }, partSize: PART_SIZE, queueSize: QUEUE_SIZE })
  const abortReason = new SluiceError(`s3: upload s3://${bucket}/${key} aborted`)
  let failure: unknown
  let closing = false
  // Upload starts reading the stream now; done settles (never rejects) when it is finished.
  const done = upload.done().then(
    () => undefined,
    (error: unknown) => {
      failure = error
      stream.destroy()
    },
  )
  const ensureHealthy = () => {
    if (failure !== undefined) throw failed(failure)
  }
  return {
    async write(chunk) {
      ensureHealthy()
      if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), done])
      ensureHealthy()
    },
    async close() {
      ensureHealthy()
      closing = true
      stream.end()
      await done
      ensureHealthy()
    },
    async abort() {
      if (closing || failure !== undefined) {
        await done
        return
      }
      // Upload.abort() would settle done() at once, before AbortMultipartUpload is sent. Failing
      // the body instead makes Upload send AbortMultipartUpload (if it had started one) and only
      // then reject, so when this returns nothing is left at the key.
      stream.destroy(abortReason)
      await done
      if (failure !== abortReason) throw failed(failure)
    },
  }
}

/**
 * S3 answers a failed condition with 412 PreconditionFailed, a conditional write racing
 * another on the same key with 409 ConditionalRequestConflict, and If-Match on a key that is
 * gone with 404 NoSuchKey: each means "re-read and try again".
 */
function isConflict(error: unknown): boolean {
  const name = error instanceof Error ? error.name : undefined
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || name === 'NoSuchKey' || status === 412 || status === 409
}

function conditionHeaders(condition: WriteCondition | undefined): { IfNoneMatch?: string; IfMatch?: string } {
  if (!condition) return {}
  return 'ifNoneMatch' in condition ? { IfNoneMatch: '*' } : { IfMatch: `"${condition.ifMatch}"` }
}

function describeCondition(condition: WriteCondition): string {
  return 'ifNoneMatch' in condition ? 'If-None-Match: *' : `If-Match: ${condition.ifMatch}`
}

function isNotFound(error: unknown): boolean {
  const name = error instanceof Error ? error.name : undefined
  return name === 'NoSuchKey' || name === 'NotFound'
}

function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '')
}

/**
 * `bucket/key` URL-encoded segment by segment, as x-amz-copy-source requires. `=` (every Hive
 * partition path has one) is a legal path character that S3 takes literally, so it stays as is;
 * local S3 servers such as s3rver decode this header with decodeURI, which leaves `%3D` alone.
 */
function copySource(bucket: string, key: string): string {
  return [bucket, ...key.split('/')].map((segment) => encodeURIComponent(segment).replaceAll('%3D', '=')).join('/')
}
