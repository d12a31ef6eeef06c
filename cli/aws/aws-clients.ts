import { AthenaClient } from '@aws-sdk/client-athena'
import { CloudFormationClient } from '@aws-sdk/client-cloudformation'
import { GlueClient } from '@aws-sdk/client-glue'
import { S3Client } from '@aws-sdk/client-s3'
import { SFNClient } from '@aws-sdk/client-sfn'

/** The clients `sluice aws` uses, created once per command. */
export interface OpsClients {
  cfn: CloudFormationClient
  sfn: SFNClient
  athena: AthenaClient
  s3: S3Client
  glue: GlueClient
}

/** Region from `--region`, else the SDK's usual chain (AWS_REGION, profile). */
export function opsClients(region?: string): OpsClients {
  const config = region ? { region } : {}
  return { cfn: new CloudFormationClient(config), sfn: new SFNClient(config), athena: new AthenaClient(config), s3: new S3Client(config), glue: new GlueClient(config) }
}
