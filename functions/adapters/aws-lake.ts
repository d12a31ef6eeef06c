import type { LakeDeps } from '../core/step-deps'
import { glueClient, s3Client } from './aws-clients'
import type { LakeConfig } from './env-config'
import { glueCatalog } from './glue-catalog'
import { s3ObjectStore } from './s3-object-store'

/** The lake on AWS: S3 buckets for the zones, Glue for the catalog. One client of each. */
export function awsLake(config: LakeConfig): LakeDeps {
  const s3 = s3Client()
  return {
    raw: s3ObjectStore(s3, config.rawBucket),
    curated: s3ObjectStore(s3, config.curatedBucket),
    catalog: glueCatalog(glueClient()),
    database: config.database,
  }
}
