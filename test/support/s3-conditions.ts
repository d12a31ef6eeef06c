import { once } from 'node:events'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { createRequire } from 'node:module'
import { Readable } from 'node:stream'
import { delay, type Latency } from './latency'

/*
 * AWS S3 conditional writes and deletes, added in front of s3rver 3.7 (which ignores
 * If-Match / If-None-Match on writes). The layer is a Koa middleware put first in s3rver's
 * chain. Every write, delete and read of a key holds that key's lock from the precondition
 * check until the store is done, so a check-then-write race inside the server cannot let two
 * conditional creates both succeed, and a read never sees a half-written object.
 * The semantics and their sources are in docs/aws-semantics.md.
 */

const require = createRequire(import.meta.url)

interface S3ErrorInstance extends Error {
  status: number
  expose: boolean
}
type S3ErrorConstructor = new (code: string, message: string, detail?: Record<string, string>) => S3ErrorInstance
/** s3rver's own error class: its error handler renders instances as S3's XML error body. */
const S3Error = require('s3rver/lib/models/error') as S3ErrorConstructor

/** The parts of s3rver's FilesystemStore used here. */
interface FilesystemStore {
  getMetadata(bucket: string, key: string): Promise<{ etag: string }>
  getBucket(bucket: string): Promise<unknown>
  existsObject(bucket: string, key: string): Promise<boolean>
  deleteObject(bucket: string, key: string): Promise<void>
}

/** The parts of a Koa context used here. */
interface KoaContext {
  method: string
  path: string
  query: Record<string, string | string[] | undefined>
  headers: IncomingHttpHeaders
  req: IncomingMessage
  body: unknown
  status: number
  type: string
  store: FilesystemStore
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>

/** A Koa app such as S3rver, before `run()`: its middleware list is read when it starts listening. */
export interface KoaApp {
  middleware: Middleware[]
}

export type S3Operation =
  | 'ListBuckets'
  | 'ListObjects'
  | 'HeadBucket'
  | 'CreateBucket'
  | 'DeleteBucket'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'Other'

/** One request as the layer sees it; passed to latency functions, hooks and fault filters. */
export interface S3Request {
  operation: S3Operation
  method: string
  bucket: string
  /** Decoded object key; undefined for bucket and service requests. */
  key?: string
  headers: IncomingHttpHeaders
  /** 1-based arrival number of this request among all requests. */
  seq: number
  /** Set once answered: the HTTP status, and the S3 error code when it failed. */
  status?: number
  error?: string
}

/** An error the server answers instead of handling a request. */
export interface S3Fault {
  /** S3 error code, e.g. `ConditionalRequestConflict`, `SlowDown`, `InternalError`. */
  code: string
  /** HTTP status; defaults to the one S3 uses for `code` (500 if unknown here). */
  status?: number
  message?: string
}

export interface FaultOptions<Request> {
  /** Fail the nth matching request after this call (1-based, default 1). */
  nth?: number
  /** How many consecutive matching requests fail from the nth on (default 1). */
  times?: number
  /** Only requests for which this holds count and fail. */
  when?: (request: Request) => boolean
}

export interface S3ConditionsOptions {
  /** Delay before each request is handled (before any lock is taken). */
  latency?: Latency<S3Request>
}

/** Inspection and fault hooks of the conditional layer. */
export interface S3Controls {
  /** Requests that arrived, of one operation or of all. */
  calls(operation?: S3Operation): number
  /** Every request that arrived, in arrival order. */
  readonly requests: readonly S3Request[]
  /** Answer matching requests of `operation` with `fault` instead of handling them. */
  fail(operation: S3Operation, fault: S3Fault, options?: FaultOptions<S3Request>): void
  /**
   * Runs `hook` for each request of `operation` ('*' for all) after its latency, before any
   * lock or check: a test can hold a request there to force an interleaving. Returns the undo.
   */
  beforeRequest(operation: S3Operation | '*', hook: (request: S3Request) => void | Promise<void>): () => void
  /** Replaces the latency from now on. */
  setLatency(latency: Latency<S3Request> | undefined): void
}

/** Statuses S3 answers for the codes this layer may produce or inject. */
const STATUS: Record<string, number> = {
  PreconditionFailed: 412,
  ConditionalRequestConflict: 409,
  NoSuchKey: 404,
  NoSuchBucket: 404,
  AccessDenied: 403,
  SlowDown: 503,
  ServiceUnavailable: 503,
  InternalError: 500,
  NotImplemented: 501,
  InvalidArgument: 400,
  MalformedXML: 400,
}
const PRECONDITION_MESSAGE = 'At least one of the pre-conditions you specified did not hold'

function s3Error(code: string, message: string, detail?: Record<string, string>, status?: number): S3ErrorInstance {
  const error = new S3Error(code, message, detail)
  error.status = status ?? STATUS[code] ?? 500
  error.expose = error.status < 500
  return error
}

/**
 * Installs the conditional layer on an s3rver instance that has not started yet, and returns
 * its controls. `startS3rver` does this for you.
 */
export function enforceConditionalWrites(app: KoaApp, options: S3ConditionsOptions = {}): S3Controls {
  let latency = options.latency
  const locks = new KeyedLocks()
  const requests: S3Request[] = []
  const faults: { operation: S3Operation; fault: S3Fault; first: number; last: number; seen: number; when?: (r: S3Request) => boolean }[] = []
  const hooks: { operation: S3Operation | '*'; hook: (request: S3Request) => void | Promise<void> }[] = []

  const middleware: Middleware = async (ctx, next) => {
    const request: S3Request = { ...classify(ctx), headers: ctx.headers, seq: requests.length + 1 }
    requests.push(request)
    try {
      await handle(ctx, next, request)
      request.status = ctx.status
    } catch (error) {
      const e = error as Partial<S3ErrorInstance> & { code?: string }
      request.status = e.status ?? 500
      request.error = e.code ?? 'InternalError'
      throw error
    }
  }

  async function handle(ctx: KoaContext, next: () => Promise<void>, request: S3Request): Promise<void> {
    await delay(latency, request)
    for (const { operation, hook } of [...hooks]) {
      if (operation === '*' || operation === request.operation) await hook(request)
    }
    const fault = takeFault(request)
    if (fault) {
      await drain(ctx.req)
      throw s3Error(fault.code, fault.message ?? `Injected ${fault.code}`, undefined, fault.status)
    }

    const { bucket, key } = request
    switch (request.operation) {
      case 'PutObject':
      case 'CompleteMultipartUpload':
        return withLock([lockName(bucket, key!)], async () => {
          await checkWrite(ctx, bucket, key!)
          await next()
        })
      case 'CopyObject': {
        const source = copySource(ctx.headers['x-amz-copy-source'])
        const names = [lockName(bucket, key!), ...(source ? [lockName(source.bucket, source.key)] : [])]
        return withLock(names, async () => {
          await checkWrite(ctx, bucket, key!)
          await next()
        })
      }
      case 'DeleteObject':
        return withLock([lockName(bucket, key!)], async () => {
          const ifMatch = header(ctx.headers['if-match'])
          if (ifMatch !== undefined) checkDelete(ifMatch, await currentEtag(ctx.store, bucket, key!), key!)
          await next()
        })
      case 'DeleteObjects':
        return deleteObjects(ctx, bucket)
      case 'GetObject':
      case 'HeadObject':
        return withLock([lockName(bucket, key!)], async () => {
          await next()
          // Read the whole object while the lock is held, so a write cannot tear it.
          if (ctx.body instanceof Readable) ctx.body = await collect(ctx.body)
        })
      default:
        return next()
    }
  }

  async function withLock(names: string[], body: () => Promise<void>): Promise<void> {
    const release = await locks.acquire(names)
    try {
      await body()
    } finally {
      release()
    }
  }

  function takeFault(request: S3Request): S3Fault | undefined {
    for (const entry of faults) {
      if (entry.operation !== request.operation || (entry.when && !entry.when(request))) continue
      entry.seen += 1
      if (entry.seen >= entry.first && entry.seen <= entry.last) return entry.fault
    }
    return undefined
  }

  /** If-None-Match and If-Match on PutObject, CopyObject (destination) and CompleteMultipartUpload. */
  async function checkWrite(ctx: KoaContext, bucket: string, key: string): Promise<void> {
    const ifNoneMatch = header(ctx.headers['if-none-match'])
    const ifMatch = header(ctx.headers['if-match'])
    if (ifNoneMatch === undefined && ifMatch === undefined) return
    const etag = await currentEtag(ctx.store, bucket, key)
    let error: S3ErrorInstance | undefined
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch.trim() !== '*') {
        error = s3Error('NotImplemented', 'This test server accepts only * in If-None-Match on writes, as S3 documents', { Header: 'If-None-Match' })
      } else if (etag !== undefined) {
        error = s3Error('PreconditionFailed', PRECONDITION_MESSAGE, { Condition: 'If-None-Match' })
      }
    }
    if (!error && ifMatch !== undefined) {
      if (etag === undefined) error = s3Error('NoSuchKey', 'The specified key does not exist.', { Key: key })
      else if (!etagMatches(ifMatch, etag)) error = s3Error('PreconditionFailed', PRECONDITION_MESSAGE, { Condition: 'If-Match' })
    }
    if (error) {
      await drain(ctx.req)
      throw error
    }
  }

  async function deleteObjects(ctx: KoaContext, bucket: string): Promise<void> {
    if (!(await ctx.store.getBucket(bucket))) {
      await drain(ctx.req)
      throw s3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket })
    }
    const xml = (await collect(ctx.req)).toString('utf8')
    const objects = [...xml.matchAll(/<Object>([\s\S]*?)<\/Object>/g)].map((m) => ({
      key: xmlText(m[1]!, 'Key'),
      etag: xmlText(m[1]!, 'ETag'),
    }))
    if (objects.length === 0 || objects.some((o) => o.key === undefined)) {
      throw s3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.')
    }
    const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(xml)
    const results: string[] = []
    for (const object of objects) {
      const key = object.key!
      await withLock([lockName(bucket, key)], async () => {
        try {
          if (object.etag !== undefined) checkDelete(object.etag, await currentEtag(ctx.store, bucket, key), key)
        } catch (error) {
          const e = error as S3ErrorInstance & { code: string }
          results.push(`<Error><Key>${escapeXml(key)}</Key><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error>`)
          return
        }
        if (await ctx.store.existsObject(bucket, key)) await ctx.store.deleteObject(bucket, key)
        if (!quiet) results.push(`<Deleted><Key>${escapeXml(key)}</Key></Deleted>`)
      })
    }
    ctx.status = 200
    ctx.type = 'application/xml'
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${results.join('')}</DeleteResult>`
  }

  app.middleware.unshift(middleware)

  return {
    calls: (operation) => (operation ? requests.filter((r) => r.operation === operation).length : requests.length),
    requests,
    fail(operation, fault, { nth = 1, times = 1, when } = {}) {
      faults.push({ operation, fault, first: nth, last: nth + times - 1, seen: 0, ...(when ? { when } : {}) })
    },
    beforeRequest(operation, hook) {
      const entry = { operation, hook }
      hooks.push(entry)
      return () => {
        const at = hooks.indexOf(entry)
        if (at >= 0) hooks.splice(at, 1)
      }
    },
    setLatency(next) {
      latency = next
    },
  }
}

/** If-Match on DeleteObject, or the ETag element of one object in DeleteObjects. */
function checkDelete(ifMatch: string, etag: string | undefined, key: string): void {
  if (etag === undefined) throw s3Error('NoSuchKey', 'The specified key does not exist.', { Key: key })
  if (!etagMatches(ifMatch, etag)) throw s3Error('PreconditionFailed', PRECONDITION_MESSAGE, { Condition: 'If-Match' })
}

function classify(ctx: KoaContext): { operation: S3Operation; method: string; bucket: string; key?: string } {
  const [, bucket = '', ...rest] = ctx.path.split('/')
  const rawKey = rest.join('/')
  const key = rawKey ? decodeURIComponent(rawKey) : undefined
  const q = ctx.query
  const method = ctx.method.toUpperCase()
  const base = { method, bucket: decodeURIComponent(bucket), ...(key !== undefined ? { key } : {}) }
  const subresource = ['acl', 'tagging', 'cors', 'website', 'policy', 'versioning', 'lifecycle', 'location'].some((name) => name in q)
  let operation: S3Operation = 'Other'
  if (!bucket) operation = method === 'GET' ? 'ListBuckets' : 'Other'
  else if (key === undefined) {
    if (method === 'POST' && 'delete' in q) operation = 'DeleteObjects'
    else if (subresource) operation = 'Other'
    else if (method === 'GET') operation = 'ListObjects'
    else if (method === 'HEAD') operation = 'HeadBucket'
    else if (method === 'PUT') operation = 'CreateBucket'
    else if (method === 'DELETE') operation = 'DeleteBucket'
  } else if (subresource) operation = 'Other'
  else if (method === 'PUT') {
    const copy = ctx.headers['x-amz-copy-source'] !== undefined
    if ('uploadId' in q) operation = copy ? 'UploadPartCopy' : 'UploadPart'
    else operation = copy ? 'CopyObject' : 'PutObject'
  } else if (method === 'POST') {
    if ('uploads' in q) operation = 'CreateMultipartUpload'
    else if ('uploadId' in q) operation = 'CompleteMultipartUpload'
  } else if (method === 'DELETE') operation = 'uploadId' in q ? 'AbortMultipartUpload' : 'DeleteObject'
  else if (method === 'GET') operation = 'GetObject'
  else if (method === 'HEAD') operation = 'HeadObject'
  return { operation, ...base }
}

function copySource(value: string | string[] | undefined): { bucket: string; key: string } | undefined {
  const raw = header(value)
  if (!raw) return undefined
  const path = decodeURIComponent(raw.split('?')[0]!).replace(/^\//, '')
  const slash = path.indexOf('/')
  return slash < 0 ? undefined : { bucket: path.slice(0, slash), key: path.slice(slash + 1) }
}

async function currentEtag(store: FilesystemStore, bucket: string, key: string): Promise<string | undefined> {
  try {
    return (await store.getMetadata(bucket, key)).etag
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** If-Match value against a stored ETag: `*` matches any, quotes and W/ are ignored; lists allowed. */
function etagMatches(ifMatch: string, etag: string): boolean {
  const bare = (tag: string) => tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')
  return ifMatch.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag))
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value
}

function lockName(bucket: string, key: string): string {
  return `${bucket}/${key}`
}

function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)
  return match ? unescapeXml(match[1]!) : undefined
}

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => {
    const lower = entity.toLowerCase()
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16))
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10))
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[lower]!
  })
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
}

async function collect(stream: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk))
  return Buffer.concat(chunks)
}

/** Reads and discards a request body, so an early error answer does not reset the connection. */
async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded || req.complete) return
  req.resume()
  await once(req, 'end')
}

/** One FIFO lock per name; several names are taken in sorted order, so two requests cannot deadlock. */
class KeyedLocks {
  private readonly tails = new Map<string, Promise<void>>()

  async acquire(names: string[]): Promise<() => void> {
    const releases: (() => void)[] = []
    for (const name of [...new Set(names)].sort()) releases.push(await this.one(name))
    return () => {
      for (const release of releases.reverse()) release()
    }
  }

  private async one(name: string): Promise<() => void> {
    const previous = this.tails.get(name) ?? Promise.resolve()
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = previous.then(() => held)
    this.tails.set(name, tail)
    await previous
    return () => {
      release()
      if (this.tails.get(name) === tail) this.tails.delete(name)
    }
  }
}
