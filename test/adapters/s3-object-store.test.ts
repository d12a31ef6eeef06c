import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { mockClient } from 'aws-sdk-client-mock'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { s3Client } from '../../functions/adapters/aws-clients'
import { ObjectNotFoundError, s3ObjectStore } from '../../functions/adapters/s3-object-store'
import { TransientStorageError } from '../../functions/core/errors'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { S3rver, letS3rverPaginate, type S3rverServer } from '../support/s3rver'

const BUCKET = 'raw'
const MiB = 1024 * 1024
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

interface SentCommand {
  name: string
  input: Record<string, unknown>
}


/**
 * Records every command the client sends. s3rver 3.7 has no AbortMultipartUpload route (it
 * answers 405 MethodNotAllowed), so that one call is recorded and answered here instead.
 */
function recordCommands(client: S3Client): SentCommand[] {
  const sent: SentCommand[] = []
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ name: context.commandName!, input: args.input as Record<string, unknown> })
      if (context.commandName === 'AbortMultipartUploadCommand') {
        return { output: { $metadata: {} } } as Awaited<ReturnType<typeof next>>
      }
      return next(args)
    },
    { step: 'initialize', name: 'recordCommands' },
  )
  return sent
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

async function sha256Of(chunks: AsyncIterable<Uint8Array>): Promise<{ digest: string; chunks: number }> {
  const hash = createHash('sha256')
  let count = 0
  for await (const chunk of chunks) {
    hash.update(chunk)
    count += 1
  }
  return { digest: hash.digest('hex'), chunks: count }
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex')

describe('s3ObjectStore against s3rver', () => {
  let server: S3rverServer
  let directory: string
  let client: S3Client
  let store: ObjectStore
  let sent: SentCommand[]
  let undoDesMapping: () => void

  const keysInBucket = async (prefix: string) => {
    const out = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))
    return (out.Contents ?? []).map((o) => o.Key!)
  }
  const sentFor = (key: string) => sent.filter((c) => c.input.Key === key).map((c) => c.name)

  beforeAll(async () => {
    undoDesMapping = letS3rverPaginate()
    directory = await mkdtemp(join(tmpdir(), 'sluice-s3rver-'))
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: BUCKET }] })
    const { port } = await server.run()
    client = s3Client({ endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials: CREDENTIALS })
    sent = recordCommands(client)
    store = s3ObjectStore(client, BUCKET, { listPageSize: 7 })
  })

  afterAll(async () => {
    client?.destroy()
    await server?.close()
    if (directory) await rm(directory, { recursive: true, force: true })
    undoDesMapping?.()
  })

  it('reads back the text it wrote, as JSON when the key ends in .json', async () => {
    // Prepare
    const text = JSON.stringify({ run: 'r-1', files: ['a.csv', 'ü.csv'] })

    // Act
    await store.writeText('state/run.json', text)
    const back = await store.readText('state/run.json')
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'state/run.json' }))

    // Assess
    expect(back).toBe(text)
    expect(head.ContentType).toBe('application/json')
  })

  it('reads a byte range of an object with a ranged GET', async () => {
    // Prepare
    await store.writeText('ranges/data.csv', 'id,name\n1,ana\n2,bea\n')

    // Act
    const chunks: Buffer[] = []
    for await (const chunk of store.readRange!('ranges/data.csv', 8, 14)) chunks.push(Buffer.from(chunk))

    // Assess
    expect(Buffer.concat(chunks).toString()).toBe('1,ana\n')
    expect(sent.filter((c) => c.input.Key === 'ranges/data.csv' && c.name === 'GetObjectCommand').map((c) => c.input.Range)).toEqual(['bytes=8-13'])
  })

  it('reads a missing key as undefined text and heads it as undefined', async () => {
    // Act
    const text = await store.readText('state/missing.json')
    const info = await store.head('state/missing.json')

    // Assess
    expect(text).toBeUndefined()
    expect(info).toBeUndefined()
  })

  it('heads an object with its size and unquoted etag', async () => {
    // Prepare
    await store.writeText('head/a.txt', 'hello')

    // Act
    const info = await store.head('head/a.txt')

    // Assess
    expect(info).toEqual({ key: 'head/a.txt', size: 5, etag: md5('hello') })
  })

  it('fails to read a missing key with an error naming bucket and key', async () => {
    // Act
    const reading = collect(store.read('nowhere/x.csv'))

    // Assess
    await expect(reading).rejects.toThrow(ObjectNotFoundError)
    await expect(reading).rejects.toThrow('s3: read s3://raw/nowhere/x.csv failed: no such key')
  })

  it('uploads 20 MiB written in 1 MiB chunks as a 3-part multipart upload and streams the exact bytes back', async () => {
    // Prepare
    const chunks = Array.from({ length: 20 }, () => randomBytes(MiB))
    const expected = createHash('sha256')
    for (const chunk of chunks) expected.update(chunk)

    // Act
    const upload = await store.upload('big/data.parquet')
    for (const chunk of chunks) await upload.write(chunk)
    await upload.close()
    const info = await store.head('big/data.parquet')
    const back = await sha256Of(store.read('big/data.parquet'))

    // Assess
    expect(sentFor('big/data.parquet').slice(0, 5).sort()).toEqual([
      'CompleteMultipartUploadCommand',
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'UploadPartCommand',
    ])
    expect(sent.filter((c) => c.name === 'UploadPartCommand' && c.input.Key === 'big/data.parquet').map((c) => c.input.PartNumber).sort()).toEqual([1, 2, 3])
    expect(info?.size).toBe(20 * MiB)
    expect(back.digest).toBe(expected.digest('hex'))
    expect(back.chunks).toBeGreaterThan(1)
  })

  it('uploads a stream smaller than a part with a single PutObject', async () => {
    // Act
    const upload = await store.upload('small/one.bin')
    await upload.write(new TextEncoder().encode('tiny'))
    await upload.close()

    // Assess
    expect(sentFor('small/one.bin')).toEqual(['PutObjectCommand'])
    expect(await store.readText('small/one.bin')).toBe('tiny')
  })

  it('aborts the multipart upload and leaves no object when aborted after parts were sent', async () => {
    // Prepare
    const upload = await store.upload('aborted/data.parquet')
    for (let i = 0; i < 18; i++) await upload.write(randomBytes(MiB))

    // Act
    await upload.abort()

    // Assess
    const calls = sent.filter((c) => c.input.Key === 'aborted/data.parquet')
    const uploadIds = new Set(calls.filter((c) => c.name === 'UploadPartCommand').map((c) => c.input.UploadId))
    const aborts = calls.filter((c) => c.name === 'AbortMultipartUploadCommand')
    expect(uploadIds.size).toBe(1)
    expect(aborts.map((c) => c.input.UploadId)).toEqual([...uploadIds])
    expect(calls.map((c) => c.name)).not.toContain('CompleteMultipartUploadCommand')
    expect(await store.head('aborted/data.parquet')).toBeUndefined()
  })

  it('sends nothing and leaves nothing when aborted before a part was full', async () => {
    // Prepare
    const upload = await store.upload('aborted/small.parquet')
    await upload.write(randomBytes(1000))

    // Act
    await upload.abort()

    // Assess
    expect(sentFor('aborted/small.parquet')).toEqual([])
    expect(await store.head('aborted/small.parquet')).toBeUndefined()
  })

  it('lists only the keys under the prefix, in key order, across pages, with sizes and etags', async () => {
    // Prepare
    const keys = Array.from({ length: 23 }, (_, i) => `list/ingest_date=2024-01-${String(i + 1).padStart(2, '0')}/part-0.csv`)
    for (const key of [...keys].reverse()) await store.writeText(key, key)
    await store.writeText('listing/outside.csv', 'not me')
    await store.writeText('lis', 'not me either')
    const pagesBefore = sent.filter((c) => c.name === 'ListObjectsV2Command').length

    // Act
    const listed = await collect(store.list('list/'))

    // Assess
    expect(listed).toEqual(keys.map((key) => ({ key, size: key.length, etag: md5(key) })))
    expect(sent.filter((c) => c.name === 'ListObjectsV2Command').length - pagesBefore).toBe(4)
  })

  it('copies an object to a key with a partition, a space and non-ASCII letters', async () => {
    // Prepare
    await store.writeText('copy/ingest_date=2024-01-01/from file.csv', 'a,b\n1,2\n')

    // Act
    await store.copy('copy/ingest_date=2024-01-01/from file.csv', 'copy/to/ünï.csv')

    // Assess
    expect(await store.readText('copy/to/ünï.csv')).toBe('a,b\n1,2\n')
    expect(await store.readText('copy/ingest_date=2024-01-01/from file.csv')).toBe('a,b\n1,2\n')
  })

  it('deletes keys and ignores keys that do not exist', async () => {
    // Prepare
    await store.writeText('del/a.csv', 'a')
    await store.writeText('del/b.csv', 'b')
    await store.writeText('del/keep.csv', 'k')

    // Act
    await store.delete(['del/a.csv', 'del/b.csv', 'del/never-was.csv'])

    // Assess
    expect(await keysInBucket('del/')).toEqual(['del/keep.csv'])
  })

  it('gives the s3 URL of a prefix as its location', () => {
    // Act
    const location = store.location('curated/orders/')

    // Assess
    expect(location).toBe('s3://raw/curated/orders/')
  })
})

describe('s3ObjectStore requests and errors', () => {
  const client = s3Client({ region: 'eu-west-1', credentials: CREDENTIALS })
  const s3 = mockClient(client)
  const store = s3ObjectStore(client, BUCKET)
  const slowDown = () =>
    new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Please reduce your request rate.' })

  beforeEach(() => {
    s3.reset()
  })

  it('sends the copy source URL-encoded except for / and =', async () => {
    // Prepare
    s3.on(CopyObjectCommand).resolves({})

    // Act
    await store.copy('orders/ingest_date=2024-01-01/a+b c%.csv', 'curated/x.csv')

    // Assess
    expect(s3.commandCalls(CopyObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'raw',
      Key: 'curated/x.csv',
      CopySource: 'raw/orders/ingest_date=2024-01-01/a%2Bb%20c%25.csv',
    })
  })

  it('deletes 2500 keys in quiet batches of 1000, 1000 and 500, and sends nothing for no keys', async () => {
    // Prepare
    s3.on(DeleteObjectsCommand).resolves({})
    const keys = Array.from({ length: 2500 }, (_, i) => `k/${i}`)

    // Act
    await store.delete(keys)
    await store.delete([])

    // Assess
    const inputs = s3.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input)
    expect(inputs.map((input) => input.Delete?.Objects?.length)).toEqual([1000, 1000, 500])
    expect(inputs.every((input) => input.Bucket === 'raw' && input.Delete?.Quiet === true)).toBe(true)
    expect(inputs[2]!.Delete!.Objects![0]).toEqual({ Key: 'k/2000' })
  })

  it('fails a delete whose response lists per-key errors, naming the keys', async () => {
    // Prepare
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'k/1', Code: 'AccessDenied', Message: 'Access Denied' }] })

    // Act
    const deleting = store.delete(['k/1', 'k/2'])

    // Assess
    await expect(deleting).rejects.toThrow('s3: delete s3://raw failed for 1 key(s): k/1 (AccessDenied: Access Denied)')
    await expect(deleting).rejects.not.toBeInstanceOf(TransientStorageError)
  })

  it('turns SlowDown into a TransientStorageError naming the operation and object', async () => {
    // Prepare
    const original = slowDown()
    s3.on(PutObjectCommand).rejects(original)

    // Act
    const writing = store.writeText('state/run.json', '{}')

    // Assess
    await expect(writing).rejects.toBeInstanceOf(TransientStorageError)
    await expect(writing).rejects.toMatchObject({
      name: 'TransientStorageError',
      message: 's3: writeText s3://raw/state/run.json failed: SlowDown (HTTP 503): Please reduce your request rate.',
      cause: original,
    })
  })

  it.each([
    ['a 500', new S3ServiceException({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 } })],
    ['RequestTimeout', new S3ServiceException({ name: 'RequestTimeout', $fault: 'client', $metadata: { httpStatusCode: 400 } })],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['an error the SDK marks retryable', Object.assign(new Error('odd'), { $retryable: {} })],
  ])('treats %s as transient', async (_, error) => {
    // Prepare
    s3.on(HeadObjectCommand).rejects(error)

    // Act
    const heading = store.head('a.csv')

    // Assess
    await expect(heading).rejects.toThrow(TransientStorageError)
    await expect(heading).rejects.toThrow(/^s3: head s3:\/\/raw\/a\.csv failed: /)
  })

  it('rethrows other errors with their own name, a prefixed message and the original as cause', async () => {
    // Prepare
    const original = new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' })
    s3.on(GetObjectCommand).rejects(original)

    // Act
    const reading = store.readText('secret.json')

    // Assess
    await expect(reading).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 's3: readText s3://raw/secret.json failed: AccessDenied (HTTP 403): Access Denied',
      cause: original,
    })
    await expect(reading).rejects.not.toBeInstanceOf(TransientStorageError)
  })

  it('turns a connection lost while streaming a body into a TransientStorageError', async () => {
    // Prepare
    const body = new Readable({ read() {} })
    body.push(Buffer.from('a,b\n'))
    setImmediate(() => body.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })))
    s3.on(GetObjectCommand).resolves({ Body: body as never })

    // Act
    const reading = collect(store.read('raw/a.csv'))

    // Assess
    await expect(reading).rejects.toThrow(TransientStorageError)
    await expect(reading).rejects.toThrow('s3: read s3://raw/raw/a.csv failed: ECONNRESET: aborted')
  })

  it('lists through the paginator until there is no continuation token', async () => {
    // Prepare
    // The paginator mutates one input object between pages, so each request is copied as it is sent.
    const requests: Record<string, unknown>[] = []
    s3.on(ListObjectsV2Command).callsFake((input: Record<string, unknown>) => {
      requests.push({ ...input })
      return input.ContinuationToken === 't1'
        ? { Contents: [{ Key: 'p/b', ETag: '"e2-2"', Size: 2 }] }
        : { Contents: [{ Key: 'p/a', ETag: '"e1"', Size: 1 }], NextContinuationToken: 't1', IsTruncated: true }
    })

    // Act
    const listed = await collect(store.list('p/'))

    // Assess
    expect(listed).toEqual([
      { key: 'p/a', etag: 'e1', size: 1 },
      { key: 'p/b', etag: 'e2-2', size: 2 },
    ])
    expect(requests.map((r) => [r.Bucket, r.Prefix, r.ContinuationToken])).toEqual([
      ['raw', 'p/', undefined],
      ['raw', 'p/', 't1'],
    ])
  })

  it('holds writes back while parts are in flight instead of buffering the stream', async () => {
    // Prepare
    let release!: () => void
    const partsMayFinish = new Promise<void>((resolve) => (release = resolve))
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-1' })
    s3.on(UploadPartCommand).callsFake(async () => {
      await partsMayFinish
      return { ETag: '"part"' }
    })
    s3.on(AbortMultipartUploadCommand).resolves({})
    const upload = await store.upload('big.parquet')
    const blocked = (write: Promise<void>) =>
      Promise.race([write.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 200))])

    // Act
    let acceptedMiB = 0
    while (acceptedMiB < 64 && !(await blocked(upload.write(Buffer.alloc(MiB))))) acceptedMiB += 1
    release()
    await upload.abort()

    // Assess
    // Two 8 MiB parts in flight (queueSize 2), the start of the third, and what the stream holds.
    expect(acceptedMiB).toBeGreaterThanOrEqual(16)
    expect(acceptedMiB).toBeLessThanOrEqual(20)
    expect(s3.commandCalls(AbortMultipartUploadCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'raw', Key: 'big.parquet', UploadId: 'u-1' },
    ])
  })

  it('fails the next write with a TransientStorageError when a part upload is throttled', async () => {
    // Prepare
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u-2' })
    s3.on(UploadPartCommand).rejects(slowDown())
    s3.on(AbortMultipartUploadCommand).resolves({})
    const upload = await store.upload('big.parquet')

    // Act
    let failure: unknown
    for (let i = 0; i < 64 && failure === undefined; i++) await upload.write(Buffer.alloc(MiB)).catch((e: unknown) => (failure = e))

    // Assess
    expect(failure).toBeInstanceOf(TransientStorageError)
    expect((failure as Error).message).toBe('s3: upload s3://raw/big.parquet failed: SlowDown (HTTP 503): Please reduce your request rate.')
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1)
    await expect(upload.close()).rejects.toThrow(TransientStorageError)
  })
})
