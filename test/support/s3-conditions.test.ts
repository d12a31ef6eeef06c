import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { seededLatency } from './latency'
import { startS3rver, type LocalS3 } from './s3rver'

const BUCKET = 'lake'
let s3: LocalS3
let n = 0
/** A key no other test uses. */
const freshKey = () => `t/${++n}/ledger.json`

beforeAll(async () => {
  s3 = await startS3rver([BUCKET])
})
afterAll(async () => {
  await s3?.stop()
})
beforeEach(() => {
  s3.controls.setLatency(undefined)
})

async function put(key: string, body: string, conditions: { IfNoneMatch?: string; IfMatch?: string } = {}) {
  return s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ...conditions }))
}
async function read(key: string): Promise<string | undefined> {
  try {
    const out = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
    return await out.Body!.transformToString()
  } catch (error) {
    if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return undefined
    throw error
  }
}
async function etagOf(key: string): Promise<string> {
  return (await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ETag!
}
/** The error a promise rejects with, as name and HTTP status. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise
  } catch (error) {
    const e = error as S3ServiceException
    return { name: e.name, status: e.$metadata?.httpStatusCode }
  }
  throw new Error('expected the request to fail')
}
const PRECONDITION_FAILED = { name: 'PreconditionFailed', status: 412 }
const NO_SUCH_KEY = { name: 'NoSuchKey', status: 404 }

describe('PutObject with If-None-Match: *', () => {
  it('creates a missing key and refuses an existing one with 412 PreconditionFailed, keeping the first body', async () => {
    // Prepare
    const key = freshKey()

    // Act
    await put(key, 'first', { IfNoneMatch: '*' })
    const second = await failure(put(key, 'second', { IfNoneMatch: '*' }))

    // Assess
    expect(second).toEqual(PRECONDITION_FAILED)
    expect(await read(key)).toBe('first')
  })

  it('lets exactly one of 16 concurrent creates of one key win, under random latency', async () => {
    // Prepare
    const key = freshKey()
    s3.controls.setLatency(seededLatency({ seed: 7, maxMs: 15 }))

    // Act
    const results = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => put(key, `writer ${i}`, { IfNoneMatch: '*' })))

    // Assess
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []))
    expect(won).toHaveLength(1)
    const lost = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as S3ServiceException)
    expect(new Set(lost.map((e) => `${e.name} ${e.$metadata.httpStatusCode}`))).toEqual(new Set(['PreconditionFailed 412']))
    expect(await read(key)).toBe(`writer ${won[0]}`)
    const answers = s3.controls.requests.filter((r) => r.operation === 'PutObject' && r.key === key).map((r) => `${r.status} ${r.error ?? ''}`)
    expect(answers.sort()).toEqual(['200 ', ...Array<string>(15).fill('412 PreconditionFailed')])
  })

  it('never lets a read see a half-written object while writers overwrite it', async () => {
    // Prepare
    const key = freshKey()
    const payloads = Array.from({ length: 6 }, (_, i) => String.fromCharCode(97 + i).repeat(512 * 1024))
    await put(key, payloads[0]!)
    s3.controls.setLatency(seededLatency({ seed: 3, maxMs: 8 }))

    // Act
    const reads: (string | undefined)[] = []
    await Promise.all([
      ...payloads.map((payload) => put(key, payload)),
      ...Array.from({ length: 12 }, async () => {
        reads.push(await read(key))
      }),
    ])

    // Assess
    expect(reads.every((text) => text !== undefined && payloads.includes(text))).toBe(true)
  })

  it('treats unconditional writes as usual: they overwrite', async () => {
    // Prepare
    const key = freshKey()
    await put(key, 'one')

    // Act
    await put(key, 'two')

    // Assess
    expect(await read(key)).toBe('two')
  })
})

describe('PutObject with If-Match', () => {
  it('replaces the object when the ETag is current, with or without quotes', async () => {
    // Prepare
    const key = freshKey()
    await put(key, 'v1')
    const etag = await etagOf(key)

    // Act
    const out = await put(key, 'v2', { IfMatch: etag })
    await put(key, 'v3', { IfMatch: out.ETag!.replace(/"/g, '') })

    // Assess
    expect(await read(key)).toBe('v3')
  })

  it('refuses a stale ETag with 412 and a missing key with 404 NoSuchKey', async () => {
    // Prepare
    const key = freshKey()
    await put(key, 'v1')
    const stale = await etagOf(key)
    await put(key, 'v2')

    // Act
    const onStale = await failure(put(key, 'v3', { IfMatch: stale }))
    const onMissing = await failure(put(freshKey(), 'x', { IfMatch: stale }))

    // Assess
    expect(onStale).toEqual(PRECONDITION_FAILED)
    expect(onMissing).toEqual(NO_SUCH_KEY)
    expect(await read(key)).toBe('v2')
  })

  it('makes read-modify-write loops lose no update: 12 concurrent increments give 12', async () => {
    // Prepare
    const key = freshKey()
    await put(key, '0')
    s3.controls.setLatency(seededLatency({ seed: 11, maxMs: 10 }))
    let retries = 0
    const increment = async () => {
      for (;;) {
        const out = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
        const value = Number(await out.Body!.transformToString())
        try {
          await put(key, String(value + 1), { IfMatch: out.ETag! })
          return
        } catch (error) {
          if ((error as Error).name !== 'PreconditionFailed') throw error
          retries += 1
        }
      }
    }

    // Act
    await Promise.all(Array.from({ length: 12 }, increment))

    // Assess
    expect(await read(key)).toBe('12')
    expect(retries).toBeGreaterThan(0)
  })
})

describe('CopyObject destination conditions', () => {
  it('refuses to copy onto an existing key with If-None-Match: * and checks If-Match against the destination', async () => {
    // Prepare
    const source = freshKey()
    const target = freshKey()
    await put(source, 'source')
    await put(target, 'target')
    const targetEtag = await etagOf(target)
    const copy = (conditions: { IfNoneMatch?: string; IfMatch?: string }) =>
      s3.client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: target, CopySource: `${BUCKET}/${source}`, ...conditions }))

    // Act
    const noneMatch = await failure(copy({ IfNoneMatch: '*' }))
    const staleMatch = await failure(copy({ IfMatch: '"0123456789abcdef0123456789abcdef"' }))
    await copy({ IfMatch: targetEtag })

    // Assess
    expect(noneMatch).toEqual(PRECONDITION_FAILED)
    expect(staleMatch).toEqual(PRECONDITION_FAILED)
    expect(await read(target)).toBe('source')
  })
})

describe('CompleteMultipartUpload with If-None-Match: *', () => {
  async function multipart(key: string, body: string, conditions: { IfNoneMatch?: string; IfMatch?: string }) {
    const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }))
    const part = await s3.client.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: body }))
    return s3.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] },
        ...conditions,
      }),
    )
  }

  it('completes onto a missing key and refuses an existing one with 412', async () => {
    // Prepare
    const key = freshKey()

    // Act
    await multipart(key, 'first upload', { IfNoneMatch: '*' })
    const second = await failure(multipart(key, 'second upload', { IfNoneMatch: '*' }))

    // Assess
    expect(second).toEqual(PRECONDITION_FAILED)
    expect(await read(key)).toBe('first upload')
  })
})

describe('conditional DeleteObject and DeleteObjects', () => {
  it('deletes with the current ETag, refuses a stale one with 412 and a missing key with 404', async () => {
    // Prepare
    const key = freshKey()
    await put(key, 'v1')
    const stale = await etagOf(key)
    await put(key, 'v2')
    const current = await etagOf(key)
    const del = (k: string, IfMatch: string) => s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: k, IfMatch }))

    // Act
    const onStale = await failure(del(key, stale))
    const kept = await read(key)
    await del(key, current)
    const onMissing = await failure(del(key, current))

    // Assess
    expect(onStale).toEqual(PRECONDITION_FAILED)
    expect(kept).toBe('v2')
    expect(await read(key)).toBeUndefined()
    expect(onMissing).toEqual(NO_SUCH_KEY)
  })

  it('reports a per-key PreconditionFailed in DeleteObjects for a stale ETag and deletes the others', async () => {
    // Prepare
    const [a, b, c] = [freshKey(), freshKey(), freshKey()]
    await Promise.all([put(a, 'a'), put(b, 'b'), put(c, 'c')])
    const etagA = await etagOf(a)

    // Act
    const out = await s3.client.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: [{ Key: a, ETag: etagA }, { Key: b, ETag: '"ffffffffffffffffffffffffffffffff"' }, { Key: c }], Quiet: true },
      }),
    )

    // Assess
    expect(out.Errors).toEqual([expect.objectContaining({ Key: b, Code: 'PreconditionFailed' })])
    expect(out.Deleted ?? []).toEqual([])
    expect([await read(a), await read(b), await read(c)]).toEqual([undefined, 'b', undefined])
  })
})

describe('controls', () => {
  it('injects a fault into the nth matching request and counts requests per operation', async () => {
    // Prepare
    const key = freshKey()
    const before = s3.controls.calls('PutObject')
    s3.controls.fail('PutObject', { code: 'ConditionalRequestConflict' }, { nth: 2, when: (r) => r.key === key })

    // Act
    await put(key, 'one', { IfNoneMatch: '*' })
    const second = await failure(put(key, 'two'))
    await put(key, 'three')

    // Assess
    expect(second).toEqual({ name: 'ConditionalRequestConflict', status: 409 })
    expect(s3.controls.calls('PutObject') - before).toBe(3)
    expect(await read(key)).toBe('three')
  })

  it('holds a request in beforeRequest so a test can force which of two creators wins', async () => {
    // Prepare
    const key = freshKey()
    let releaseFirst!: () => void
    const held = new Promise<void>((resolve) => {
      releaseFirst = resolve
    })
    let seen = 0
    const undo = s3.controls.beforeRequest('PutObject', async (request) => {
      if (request.key === key && ++seen === 1) await held
    })

    // Act
    const first = failure(put(key, 'first', { IfNoneMatch: '*' }))
    while (seen < 1) await new Promise((resolve) => setImmediate(resolve))
    await put(key, 'second', { IfNoneMatch: '*' })
    releaseFirst()
    undo()

    // Assess
    expect(await first).toEqual(PRECONDITION_FAILED)
    expect(await read(key)).toBe('second')
  })
})
