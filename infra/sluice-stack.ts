import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib'
import type { Construct } from 'constructs'
import { STACK_OUTPUTS } from '../functions/core/lake/stack-outputs'
import { Alarms } from './alarms'
import { Catalog } from './catalog'
import { OperationsDashboard } from './dashboard'
import { Functions } from './functions'
import type { StackConfig } from './stack-config'
import { StatusSite } from './status-site'
import { Triggers } from './triggers'
import { Workflow } from './workflow'
import { Zones } from './zones'

export interface SluiceStackProps extends StackProps {
  config: StackConfig
}

/**
 * The whole of sluice on AWS: the lake's buckets, the catalog and Athena workgroup, the step
 * Lambdas, the state machine, what starts it and what watches it. Environment-agnostic: it
 * synthesizes without credentials and deploys to the account and region of the CLI's profile.
 */
export class SluiceStack extends Stack {
  readonly zones: Zones
  readonly catalog: Catalog
  readonly functions: Functions
  readonly workflow: Workflow
  readonly triggers: Triggers
  readonly alarms: Alarms
  readonly dashboard: OperationsDashboard
  readonly site: StatusSite

  constructor(scope: Construct, id: string, props: SluiceStackProps) {
    super(scope, id, { description: 'sluice: CSV drops to a queryable Parquet data lake', ...props })
    const { config } = props
    const { prefix } = config

    this.zones = new Zones(this, 'Zones', { athenaResultsDays: config.athenaResultsDays, rawArchiveDays: config.rawArchiveDays })
    this.catalog = new Catalog(this, 'Catalog', {
      database: config.database,
      adoptDatabase: config.adoptDatabase,
      workGroupName: `${prefix}-wg`,
      resultsBucket: this.zones.athenaResults,
      bytesScannedCutoff: config.bytesScannedCutoff,
    })
    this.site = new StatusSite(this, 'StatusSite', { accessLogs: this.zones.accessLogs, allowedCountries: config.siteAllowedCountries, webAclArn: config.siteWebAclArn, public: config.sitePublic, recordText: config.siteRecordText, staleAfterHours: config.siteStaleAfterHours })
    this.functions = new Functions(this, 'Functions', {
      prefix,
      mapConcurrency: config.mapConcurrency,
      splitBytes: config.splitBytes,
      transformReservedConcurrency: config.transformReservedConcurrency,
      zones: this.zones,
      catalog: this.catalog,
      onDelete: config.onDelete,
      site: this.site,
      tableFormat: config.tableFormat,
      snapshotRetentionHours: config.snapshotRetentionHours,
      ...(config.onDrop ? { maxRunningExecutions: config.maxRunningExecutions } : {}),
    })
    const { plan, transform, load, compact, handOff, site } = this.functions
    this.workflow = new Workflow(this, 'Workflow', { prefix, plan, transform, load, compact, handOff, site, zones: this.zones })
    const { stateMachine } = this.workflow
    this.triggers = new Triggers(this, 'Triggers', {
      prefix, stateMachine, raw: this.zones.raw, schedule: config.schedule, drops: this.functions.drops, batchSeconds: config.dropBatchSeconds, batchSize: config.dropBatchSize,
    })
    this.alarms = new Alarms(this, 'Alarms', { prefix, stateMachine, email: config.alarmEmail, rejectRate: config.rejectRateAlarm })
    this.dashboard = new OperationsDashboard(this, 'Dashboard', { prefix, stateMachine, functions: [plan, transform, load, compact, handOff] })

    const outputs: Partial<Record<keyof typeof STACK_OUTPUTS, [string, string]>> = {
      rawBucket: [this.zones.raw.bucketName, 'Raw zone bucket: drop CSV files here'],
      curatedBucket: [this.zones.curated.bucketName, 'Curated zone bucket: Parquet, ledger, run reports'],
      athenaResultsBucket: [this.zones.athenaResults.bucketName, 'Athena query results bucket'],
      stateMachine: [stateMachine.stateMachineArn, 'The ETL state machine'],
      database: [this.catalog.database?.ref ?? this.catalog.databaseName, 'Glue database of the curated tables'],
      workGroup: [this.catalog.workGroup.ref, 'Athena workgroup for queries over the lake'],
      alarmTopic: [this.alarms.topic.topicArn, 'SNS topic of the workflow alarms'],
      siteUrl: [this.site.url, 'The status site, through CloudFront'],
      ...(this.site.viewers ? { siteViewers: [this.site.viewers.store.keyValueStoreArn, 'Key value store of the status site viewers: who may see the site (docs/status-site.md)'] as [string, string] } : {}),
    }
    for (const [key, [value, description]] of Object.entries(outputs) as [keyof typeof STACK_OUTPUTS, [string, string]][]) {
      new CfnOutput(this, STACK_OUTPUTS[key], { value, description })
    }
  }
}
