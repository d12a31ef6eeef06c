import { GlueClient } from '@aws-sdk/client-glue'
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { SFNClient } from '@aws-sdk/client-sfn'

/*
 * The one place AWS clients are created. Entry points read their config once and call these
 * once at module load; adapters receive a client and never build their own.
 */

/**
 * How every client retries a throttle, a 5xx or a timeout before the adapter reports it as
 * TransientStorageError (and the workflow's retrier takes over): adaptive mode also slows the
 * client's own request rate once the service throttles it. Between its eight attempts the SDK
 * waits a doubling delay in full jitter, longer after a throttle, at most 20 s each.
 */
export const SDK_RETRY = { maxAttempts: 8, retryMode: 'adaptive' } as const

/** Used with a custom endpoint (s3rver, MinIO, LocalStack) when no region is given. */
const LOCAL_ENDPOINT_REGION = 'us-east-1'

export interface S3ClientOptions {
  /** A non-AWS endpoint such as `http://127.0.0.1:4568`. */
  endpoint?: string
  /** Bucket in the path instead of the host name; most local S3 servers need it. */
  forcePathStyle?: boolean
  region?: string
  credentials?: S3ClientConfig['credentials']
}

export interface GlueClientOptions {
  region?: string
  endpoint?: string
}

/** An S3 client. Whatever is not given comes from the SDK's default region and credential chains. */
export function s3Client(options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    ...SDK_RETRY,
    ...endpointAndRegion(options),
    ...(options.forcePathStyle !== undefined ? { forcePathStyle: options.forcePathStyle } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  })
}

/** A Glue client. Whatever is not given comes from the SDK's default region and credential chains. */
export function glueClient(options: GlueClientOptions = {}): GlueClient {
  return new GlueClient({ ...SDK_RETRY, ...endpointAndRegion(options) })
}

/** A Step Functions client, from the SDK's default region and credential chains. */
export function sfnClient(options: { region?: string } = {}): SFNClient {
  return new SFNClient({ ...SDK_RETRY, ...(options.region ? { region: options.region } : {}) })
}

/** Keys are left out rather than set to undefined, so the SDK's defaults apply. */
function endpointAndRegion(options: { region?: string; endpoint?: string }): { region?: string; endpoint?: string } {
  const region = options.region ?? (options.endpoint ? LOCAL_ENDPOINT_REGION : undefined)
  return {
    ...(region ? { region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  }
}
