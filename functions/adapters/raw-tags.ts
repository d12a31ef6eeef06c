import { GetObjectTaggingCommand, HeadObjectCommand, PutObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3'
import { mergeTags } from '../core/lake/receipt'
import type { TagOutcome } from '../core/lake/object-store'
import { awsStorageError } from './aws-errors'

/**
 * Puts a receipt's tags on one version of a raw object, keeping the uploader's own tags.
 * Tags are a subresource of the object: putting them changes neither its bytes, its ETag nor
 * its Last-Modified, so the ledger's version check is unaffected, and the event S3 sends for
 * them (`Object Tags Added`) is not one the drop trigger listens to. The version is pinned by
 * the ETag (the object must still be the version the receipt is about) and, in a versioned
 * bucket, by its version id, so a newer upload never carries an older version's receipt.
 */
export async function tagRawVersion(client: S3Client, bucket: string, key: string, etag: string, tags: [string, string][]): Promise<TagOutcome> {
  const url = `s3://${bucket}/${key}`
  let versionId: string | undefined
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    if (unquote(head.ETag) !== etag) return 'changed'
    versionId = head.VersionId && head.VersionId !== 'null' ? head.VersionId : undefined
  } catch (error) {
    if (isNotFound(error)) return 'gone'
    throw awsStorageError(`s3: head ${url}`, error)
  }
  const version = versionId ? { VersionId: versionId } : {}
  try {
    const current = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key, ...version }))
    const existing = (current.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? ''] as [string, string])
    const TagSet = mergeTags(existing, tags).map(([Key, Value]) => ({ Key, Value }))
    await client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, ...version, Tagging: { TagSet } }))
    return 'tagged'
  } catch (error) {
    if (isNotFound(error)) return 'gone'
    throw awsStorageError(`s3: tag ${url}`, error)
  }
}

function isNotFound(error: unknown): boolean {
  const name = error instanceof Error ? error.name : undefined
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchVersion'
}

const unquote = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '')
