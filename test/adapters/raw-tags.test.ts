import { GetObjectTaggingCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { s3ObjectStore } from '../../functions/adapters/s3-object-store'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { startS3rver, type LocalS3 } from '../support/s3rver'

async function put(store: ObjectStore, key: string, text: string): Promise<string> {
  await store.writeText(key, text)
  return (await store.head(key))!.etag
}

describe('receipt tags on raw objects in S3', () => {
  let s3: LocalS3
  let raw: ObjectStore
  const tagsOf = async (key: string) => (await s3.client.send(new GetObjectTaggingCommand({ Bucket: 'raw', Key: key }))).TagSet?.map((t) => [t.Key, t.Value])

  beforeAll(async () => {
    s3 = await startS3rver(['raw'])
    raw = s3ObjectStore(s3.client, 'raw')
  })

  afterAll(async () => {
    await s3?.stop()
  })

  it("tags the version it was given, keeping the uploader's tags and the object's etag", async () => {
    // Prepare
    const etag = await put(raw, 'orders/a.csv', 'id\n1\n')
    await s3.client.send(new PutObjectTaggingCommand({ Bucket: 'raw', Key: 'orders/a.csv', Tagging: { TagSet: [{ Key: 'owner', Value: 'ann' }, { Key: 'sluice-status', Value: 'failed' }] } }))

    // Act
    const outcome = await raw.putTags!('orders/a.csv', etag, [['sluice-status', 'loaded'], ['sluice-rows-loaded', '1']])

    // Assess
    expect(outcome).toBe('tagged')
    expect(await tagsOf('orders/a.csv')).toEqual([['owner', 'ann'], ['sluice-status', 'loaded'], ['sluice-rows-loaded', '1']])
    expect((await raw.head('orders/a.csv'))?.etag).toBe(etag)
    expect(await raw.readText('orders/a.csv')).toBe('id\n1\n')
  })

  it('leaves a file alone that changed or went since its version was settled', async () => {
    // Prepare
    const old = await put(raw, 'orders/b.csv', 'id\n1\n')
    await put(raw, 'orders/b.csv', 'id\n1\n2\n')

    // Act
    const changed = await raw.putTags!('orders/b.csv', old, [['sluice-status', 'loaded']])
    const gone = await raw.putTags!('orders/none.csv', old, [['sluice-status', 'loaded']])

    // Assess
    expect(changed).toBe('changed')
    expect(gone).toBe('gone')
    expect(await tagsOf('orders/b.csv')).toEqual([])
  })
})
