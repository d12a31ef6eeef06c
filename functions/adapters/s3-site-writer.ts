import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { TransientStorageError } from '../core/errors'
import type { SiteWriter } from '../site/site-step'

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
}

/**
 * Writes the site's files to its bucket with their content type and a Cache-Control that
 * CloudFront honours: pages a minute, so a regenerated site shows within one with no
 * invalidation; the chart library a day (its name changes with no release, but it is only
 * replaced by a deploy).
 */
export function s3SiteWriter(client: S3Client, bucket: string): SiteWriter {
  return {
    async write(path, content) {
      const extension = path.slice(path.lastIndexOf('.') + 1)
      const cacheControl = path.startsWith('assets/uPlot') ? 'public, max-age=86400' : 'public, max-age=60'
      try {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: path, Body: content, ContentType: CONTENT_TYPES[extension] ?? 'application/octet-stream', CacheControl: cacheControl }))
      } catch (error) {
        const e = error as Error & { $metadata?: { httpStatusCode?: number } }
        const transient = (e.$metadata?.httpStatusCode ?? 0) >= 500 || /Throttl|SlowDown|Timeout/.test(e.name)
        if (!transient) throw error
        throw new TransientStorageError(`site: writing s3://${bucket}/${path} failed: ${e.name}: ${e.message}`, { cause: error })
      }
    },
  }
}
