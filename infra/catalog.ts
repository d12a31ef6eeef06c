import { RemovalPolicy, Stack } from 'aws-cdk-lib'
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena'
import { CfnDatabase } from 'aws-cdk-lib/aws-glue'
import { PolicyStatement } from 'aws-cdk-lib/aws-iam'
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import type { IBucket } from 'aws-cdk-lib/aws-s3'
import { Construct } from 'constructs'
import { acknowledgeWildcardResources } from './nag'

export interface CatalogProps {
  /** Glue database of the curated tables. */
  database: string
  /** Use the database, which exists already, instead of creating it. */
  adoptDatabase?: boolean
  /** Name of the Athena workgroup. */
  workGroupName: string
  /** Where Athena writes query results (under `athena/`). */
  resultsBucket: IBucket
  /** Bytes one query may scan before Athena cancels it. */
  bytesScannedCutoff: number
}

/** What Load does to the catalog: see functions/adapters/glue-catalog.ts. */
const TABLE_WRITE_ACTIONS = [
  'glue:GetDatabase',
  'glue:GetTable',
  'glue:GetTables',
  'glue:CreateTable',
  'glue:UpdateTable',
  'glue:GetPartitions',
  'glue:BatchCreatePartition',
  // A reprocess swaps the rebuilt generation's partitions in (glueCatalog.replaceTable).
  'glue:UpdatePartition',
  'glue:BatchDeletePartition',
]

/**
 * The Glue database the Load step registers tables and partitions in, and the Athena workgroup
 * that queries them. The database is RETAINed like the data it describes: dropping it would
 * leave committed files that no run registers again (see zones.ts for the teardown). So a stack
 * deployed again after a teardown either names another database or adopts the retained one,
 * which it then neither creates nor deletes.
 */
export class Catalog extends Construct {
  /** The database this stack creates; none when it adopts an existing one. */
  readonly database?: CfnDatabase
  readonly databaseName: string
  readonly workGroup: CfnWorkGroup

  constructor(scope: Construct, id: string, props: CatalogProps) {
    super(scope, id)
    const stack = Stack.of(this)
    this.databaseName = props.database
    if (!props.adoptDatabase) {
      this.database = new CfnDatabase(this, 'Database', {
        catalogId: stack.account,
        databaseInput: { name: props.database, description: 'sluice: curated tables of the lake (one per dataset, plus <dataset>__rejects)' },
      })
      this.database.applyRemovalPolicy(RemovalPolicy.RETAIN)
    }

    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: `sluice: queries over the ${props.database} database`,
      state: 'ENABLED',
      // Deleting the stack deletes the workgroup with its saved queries and history, not the results.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // Clients cannot point results elsewhere, turn encryption off or lift the cutoff.
        enforceWorkGroupConfiguration: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoff,
        publishCloudWatchMetricsEnabled: true,
        // Pinned rather than AUTO, so that an engine upgrade is a deliberate change: the tables are
        // written for v3's types (microsecond timestamps, decimals up to 38 digits).
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucket.bucketName}/athena/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    })
  }

  /** Plan: read a table's current columns. Sets GLUE_DATABASE. */
  bindTableReader(fn: LambdaFunction): void {
    this.addDatabaseName(fn)
    this.allow(fn, new PolicyStatement({ actions: ['glue:GetTable'], resources: this.arns() }), 'Plan reads the current columns of any table of this database: one per dataset, named by the data that arrives.')
  }

  /** Site: list the tables of this database with their columns. Sets GLUE_DATABASE. */
  bindTableLister(fn: LambdaFunction): void {
    this.addDatabaseName(fn)
    this.allow(fn, new PolicyStatement({ actions: ['glue:GetTables', 'glue:GetTable'], resources: this.arns() }), 'The status site lists every table of this database (one per dataset and its rejects), named by the data that arrives.')
  }

  /** Load: create and update tables and register partitions, in this database only. Sets GLUE_DATABASE. */
  bindTableWriter(fn: LambdaFunction): void {
    this.addDatabaseName(fn)
    this.allow(
      fn,
      new PolicyStatement({ actions: TABLE_WRITE_ACTIONS, resources: this.arns() }),
      'Load creates a table (and its __rejects table) per dataset as datasets arrive, so their names are not known at deploy time; the grant stays inside this one database.',
    )
  }


  private allow(fn: LambdaFunction, statement: PolicyStatement, reason: string): void {
    fn.addToRolePolicy(statement)
    if (fn.role) acknowledgeWildcardResources(fn.role, statement, reason)
  }

  /** The function is created after the database, so that no run can start before it exists. */
  private addDatabaseName(fn: LambdaFunction): void {
    fn.addEnvironment('GLUE_DATABASE', this.databaseName)
    if (this.database) fn.node.addDependency(this.database)
  }

  /** The catalog, this database and its tables: Glue authorizes a table call against all three. */
  private arns(): string[] {
    const stack = Stack.of(this)
    const arn = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, resourceName })
    return [arn('catalog'), arn('database', this.databaseName), arn('table', `${this.databaseName}/*`)]
  }
}
