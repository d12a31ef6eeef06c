/**
 * Names of the CloudFormation outputs of the sluice stack: the CDK app writes them, and
 * `sluice aws …` finds the deployed stack's resources by them.
 */
export const STACK_OUTPUTS = {
  rawBucket: 'RawBucketName',
  curatedBucket: 'CuratedBucketName',
  athenaResultsBucket: 'AthenaResultsBucketName',
  stateMachine: 'StateMachineArn',
  database: 'GlueDatabaseName',
  workGroup: 'AthenaWorkGroupName',
  alarmTopic: 'AlarmTopicArn',
  siteUrl: 'SiteUrl',
  /** The key value store of the status site's viewers; absent when the site is public. */
  siteViewers: 'SiteViewersArn',
} as const

/** Stack name when neither context nor flags give one. */
export const DEFAULT_STACK_NAME = 'Sluice'
