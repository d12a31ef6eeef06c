import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { S3rver, writeObjectsSafely, type S3rverStore } from '../support/s3rver'

const require = createRequire(import.meta.url)
const S3Object = require('s3rver/lib/models/object') as new (bucket: string, key: string, content: Buffer, metadata: object) => Parameters<S3rverStore['putObject']>[0]

type Store = S3rverStore & { putBucket(name: string): Promise<void>; deleteObject(bucket: string, key: string): Promise<void> }

/**
 * The S3 emulator the concurrency suites trust: s3rver removes a folder that a DELETE empties,
 * and its own PUT then failed to open the new key's file with an error no request caught (an
 * uncaught exception of the test process). On S3 keys have no folders: the PUT must land.
 */
describe('the local S3 server, when a PUT meets a DELETE that empties its folder', () => {
  let directory: string
  let store: Store

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'sluice-s3rver-folders-'))
    store = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [] }).store as Store
    writeObjectsSafely(store)
    await store.putBucket('curated')
  })

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true })
  })

  it('stores every object put while the last other key of its folder is deleted', async () => {
    // Act: each round the folder holds one key, deleted while another is put beside it.
    const landed: string[] = []
    for (let i = 0; i < 3000; i++) {
      await store.putObject(new S3Object('curated', `p/q/old-${i}`, Buffer.from('old'), {}))
      await Promise.all([store.deleteObject('curated', `p/q/old-${i}`).catch(() => undefined), store.putObject(new S3Object('curated', `p/q/new-${i}`, Buffer.from(`new ${i}`), {}))])
      landed.push(await readFile(store.getResourcePath('curated', `p/q/new-${i}`, 'object'), 'utf8'))
      await store.deleteObject('curated', `p/q/new-${i}`)
    }

    // Assess
    expect(landed).toEqual(Array.from({ length: 3000 }, (_, i) => `new ${i}`))
  })
})
