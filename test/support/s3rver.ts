import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { s3Client } from '../../functions/adapters/aws-clients'
import { enforceConditionalWrites, type KoaApp, type S3Controls, type S3ConditionsOptions } from './s3-conditions'

const require = createRequire(import.meta.url)

/** The part of s3rver's API used here; the package ships no type definitions. */
export interface S3rverServer extends KoaApp {
  run(): Promise<AddressInfo>
  close(): Promise<void>
  store: S3rverStore
}

/** The part of s3rver's filesystem store that writeObjectsSafely replaces. */
export interface S3rverStore {
  getResourcePath(bucket: string, key: string, resource: string): string
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>
  putObject(object: { bucket: string; key: string; metadata: unknown; content: Buffer | AsyncIterable<Uint8Array> }): Promise<{ size: number; md5: string }>
}
type S3rverConstructor = new (options: {
  port: number
  address: string
  silent: boolean
  directory: string
  configureBuckets: { name: string }[]
}) => S3rverServer
export const S3rver = require('s3rver') as S3rverConstructor

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

/** A running s3rver with a client for it. */
export interface LocalS3 {
  endpoint: string
  client: S3Client
  /** Call counts, injected faults, hooks and latency of the conditional-write layer. */
  controls: S3Controls
  stop(): Promise<void>
}

/**
 * Starts s3rver on a free port of 127.0.0.1 with the given buckets, in a temporary folder,
 * and an S3 client for it. `stop()` closes both and removes the folder.
 *
 * The server enforces S3's conditional writes and deletes (If-None-Match: *, If-Match) with
 * S3's status and error codes, atomically per key; see s3-conditions.ts. `options.latency`
 * delays each request.
 */
export async function startS3rver(buckets: string[], options: S3ConditionsOptions = {}): Promise<LocalS3> {
  const undoDesMapping = letS3rverPaginate()
  const directory = await mkdtemp(join(tmpdir(), 'sluice-s3rver-'))
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) })
  writeObjectsSafely(server.store)
  const controls = enforceConditionalWrites(server, options)
  const { port } = await server.run()
  const endpoint = `http://127.0.0.1:${port}`
  const client = s3Client({ endpoint, forcePathStyle: true, credentials: CREDENTIALS })
  answerAbortMultipartUpload(client)
  return {
    endpoint,
    client,
    controls,
    async stop() {
      client.destroy()
      await server.close()
      await rm(directory, { recursive: true, force: true })
      undoDesMapping()
    },
  }
}

/**
 * s3rver 3.7's putObject opens the object's file with no error listener. A DELETE that empties a
 * folder removes it (s3rver cleans up emptied folders), so a PUT of another key in that folder
 * between its mkdir and its open fails to open with ENOENT, and that error is thrown as an
 * uncaught exception rather than failing the request (a PUT beside a concurrent DELETE, as
 * in-flight markers come and go). This writes the object the same way (its bytes, then its md5
 * and metadata files), making the folder again and retrying when it was removed meanwhile.
 */
export function writeObjectsSafely(store: S3rverStore): void {
  store.putObject = async function (object) {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object')
    let content: Buffer
    if (Buffer.isBuffer(object.content)) content = object.content
    else {
      const chunks: Uint8Array[] = []
      for await (const chunk of object.content) chunks.push(chunk)
      content = Buffer.concat(chunks)
    }
    const md5 = createHash('md5').update(content).digest('hex')
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(objectPath), { recursive: true })
        await writeFile(objectPath, content)
        await store.putMetadata(object.bucket, object.key, object.metadata, md5)
        return { size: content.length, md5 }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 10) throw error
      }
    }
  }
}

/**
 * s3rver 3.7 encrypts ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 only
 * has in its legacy provider: without `--openssl-legacy-provider` every truncated listing is a
 * 500. Three-key DES-EDE with K1 = K2 = K3 is single DES, so this maps one onto the other and
 * the tokens stay byte-identical. Returns the undo.
 */
export function letS3rverPaginate(): () => void {
  const crypto = require('node:crypto') as typeof import('node:crypto')
  const { createCipheriv, createDecipheriv } = crypto
  try {
    createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8))
    return () => undefined
  } catch {
    // DES unavailable: map it below.
  }
  const triple = (key: unknown) => Buffer.concat([key as Buffer, key as Buffer, key as Buffer])
  crypto.createCipheriv = ((algorithm: string, key: Buffer, iv: Buffer) =>
    algorithm === 'des' ? createCipheriv('des-ede3-cbc', triple(key), iv) : createCipheriv(algorithm, key, iv)) as typeof createCipheriv
  crypto.createDecipheriv = ((algorithm: string, key: Buffer, iv: Buffer) =>
    algorithm === 'des' ? createDecipheriv('des-ede3-cbc', triple(key), iv) : createDecipheriv(algorithm, key, iv)) as typeof createDecipheriv
  return () => {
    crypto.createCipheriv = createCipheriv
    crypto.createDecipheriv = createDecipheriv
  }
}

/** s3rver 3.7 has no AbortMultipartUpload route (it answers 405), so the client answers it itself. */
function answerAbortMultipartUpload(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'AbortMultipartUploadCommand') {
        return { output: { $metadata: {} } } as Awaited<ReturnType<typeof next>>
      }
      return next(args)
    },
    { step: 'initialize', name: 'answerAbortMultipartUpload' },
  )
}
