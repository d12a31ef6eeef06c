import { glueCatalog } from '../../functions/adapters/glue-catalog'
import { s3ObjectStore } from '../../functions/adapters/s3-object-store'
import { lakeStatus, type DatasetStatus } from '../ops/lake-status'
import type { OpsClients } from './aws-clients'
import { OpsError, explainAwsError } from './ops-errors'
import type { StackInfo } from './stack-info'

/** `sluice status` over the deployed lake: the raw and curated buckets and the Glue database. */
export async function awsLakeStatus(clients: OpsClients, stack: StackInfo): Promise<DatasetStatus[]> {
  if (!stack.rawBucket) throw new OpsError('aws: the stack has no output RawBucketName; pass --raw-bucket <bucket>')
  try {
    return await lakeStatus({
      raw: s3ObjectStore(clients.s3, stack.rawBucket),
      curated: s3ObjectStore(clients.s3, stack.curatedBucket),
      catalog: glueCatalog(clients.glue),
      database: stack.database,
    })
  } catch (e) {
    throw explainAwsError(e, 'reading the status of the lake')
  }
}
