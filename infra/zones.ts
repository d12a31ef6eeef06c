import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib'
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam'
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import { BlockPublicAccess, Bucket, CfnBucket, BucketEncryption, ObjectOwnership, StorageClass, type BucketProps, type LifecycleRule } from 'aws-cdk-lib/aws-s3'
import { Construct } from 'constructs'
import { acknowledgeWildcardResources } from './nag'

export interface ZonesProps {
  /** Days Athena query results are kept. */
  athenaResultsDays: number
  /** Days after which raw objects move to Glacier Instant Retrieval; never when undefined. */
  rawArchiveDays?: number
}

/** Transform output that Load never published (a crashed run) is gone after this. */
const STAGING_EXPIRY = Duration.days(2)
/** Parts of uploads that never completed (a Lambda killed mid-upload) stop costing after this. */
const INCOMPLETE_UPLOAD_EXPIRY = Duration.days(1)
/** Key prefixes of the curated zone that Plan reads: the ledger and the run reports. */
const PLAN_PREFIXES = ['_ledger/', '_runs/']
/** The status site's summaries, kept by Load (functions/core/site/site-summary.ts). */
const SITE_PREFIX = '_site/'
const STAGING_PREFIX = '_staging/'
/** Each loop's batch: Plan's manifest and shared fields, and the Distributed Map's result files. */
const BATCH_PREFIX = '_batches/'

/**
 * The lake's buckets: the raw zone (CSV drops), the curated zone (Parquet, ledger, run
 * reports, staging) and Athena's results, all private, SSE-S3 encrypted and TLS-only, with
 * their server access logs in a fourth bucket.
 *
 * Every bucket is RETAINed: `cdk destroy` leaves them, with the lake's data, behind. To tear
 * everything down, empty each bucket after the stack is gone (the raw one is versioned: delete
 * every object version, e.g. in the console with "Empty") and delete it, then delete the Glue
 * database (`aws glue delete-database --name <database>`), which the catalog also retains.
 *
 * The `bind…` methods grant a function one kind of access and set the environment variable
 * naming the bucket, so that a function can only learn a bucket by being granted it. Each
 * grants s3:ListBucket next to its reads: without it S3 answers a missing key with 403 instead
 * of 404, and the object store adapter needs the 404.
 */
export class Zones extends Construct {
  readonly raw: Bucket
  readonly curated: Bucket
  readonly athenaResults: Bucket
  readonly accessLogs: Bucket

  constructor(scope: Construct, id: string, props: ZonesProps) {
    super(scope, id)
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...privateBucket,
      lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: INCOMPLETE_UPLOAD_EXPIRY }],
    })
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log bucket of the other buckets; logging its own access would log each log delivery, without end.',
    })

    const archive: LifecycleRule[] = props.rawArchiveDays
      ? [
          {
            // Glacier Instant Retrieval is read with a plain GetObject, no restore: a rerun that
            // must transform an archived file again (a crash before the ledger commit) still works.
            // S3 keeps objects under 128 KiB (contracts) in their class anyway.
            id: 'archive-raw',
            transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(props.rawArchiveDays) }],
          },
        ]
      : []
    this.raw = new Bucket(this, 'Raw', {
      ...privateBucket,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'raw/',
      lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: INCOMPLETE_UPLOAD_EXPIRY }, ...archive],
    })
    // Object Created events go to EventBridge, where the trigger rule filters them. Set on the
    // CloudFormation bucket itself: the L2 `eventBridgeEnabled` would add a custom-resource
    // Lambda allowed s3:PutBucketNotification on every bucket ("*") to do the same.
    ;(this.raw.node.defaultChild as CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } }

    this.curated = new Bucket(this, 'Curated', {
      ...privateBucket,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'curated/',
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: INCOMPLETE_UPLOAD_EXPIRY },
        { id: 'expire-staging-leftovers', prefix: STAGING_PREFIX, expiration: STAGING_EXPIRY },
        // Load removes its batch's objects; a run that stopped before its Load leaves them.
        { id: 'expire-batch-leftovers', prefix: BATCH_PREFIX, expiration: STAGING_EXPIRY },
      ],
    })

    this.athenaResults = new Bucket(this, 'AthenaResults', {
      ...privateBucket,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [
        {
          id: 'expire-query-results',
          expiration: Duration.days(props.athenaResultsDays),
          abortIncompleteMultipartUploadAfter: INCOMPLETE_UPLOAD_EXPIRY,
        },
      ],
    })
  }

  /** Plan and Transform: list the raw zone and read its objects. Sets RAW_BUCKET. */
  bindRawReader(fn: LambdaFunction): void {
    fn.addEnvironment('RAW_BUCKET', this.raw.bucketName)
    allow(fn, new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.raw.bucketArn] }))
    allow(
      fn,
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.raw.arnForObjects('*')] }),
      'Reads any raw object: which keys hold data is only known when Plan lists them, and a drop may land under any path.',
    )
  }

  /**
   * Load: tag raw objects with their receipt (sluice-status, rows, run), and read their tags to
   * keep the uploader's own. Tags only: no other write on the raw zone. The version actions
   * because the tags go on the exact version the receipt is about.
   */
  bindRawTagger(fn: LambdaFunction): void {
    allow(
      fn,
      new PolicyStatement({ actions: [...RAW_TAG_ACTIONS], resources: [this.raw.arnForObjects('*')] }),
      'Tags any raw object Load settled with its receipt: the keys are the uploaders\', known only when Plan lists them.',
    )
  }

  /** Plan: list the ledger and read it and the run reports, nothing else of the curated zone. Sets CURATED_BUCKET. */
  bindLedgerReader(fn: LambdaFunction): void {
    fn.addEnvironment('CURATED_BUCKET', this.curated.bucketName)
    this.allowPrefixList(fn, PLAN_PREFIXES)
    allow(
      fn,
      new PolicyStatement({ actions: ['s3:GetObject'], resources: PLAN_PREFIXES.map((p) => this.curated.arnForObjects(`${p}*`)) }),
      'Reads the ledger entries and run reports only, one object per file and run, named by ids not known in advance.',
    )
  }

  /** Transform: write, read back and discard its own output under `_staging/`. Sets CURATED_BUCKET. */
  bindStagingWriter(fn: LambdaFunction): void {
    fn.addEnvironment('CURATED_BUCKET', this.curated.bucketName)
    this.allowPrefixList(fn, [STAGING_PREFIX])
    allow(
      fn,
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [this.curated.arnForObjects(`${STAGING_PREFIX}*`)],
      }),
      'Writes and discards staged parts under _staging/ only, at keys named by the run and file ids.',
    )
  }

  /** Plan: write each loop's batch (its manifest and shared fields) under `_batches/`. */
  bindBatchWriter(fn: LambdaFunction): void {
    allow(
      fn,
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.curated.arnForObjects(`${BATCH_PREFIX}*`)] }),
      'Writes the batch of each loop under _batches/, at keys named by the run id, not known in advance.',
    )
  }

  /** Transform: read its batch's shared fields under `_batches/`. */
  bindBatchReader(fn: LambdaFunction): void {
    this.allowPrefixList(fn, [BATCH_PREFIX])
    allow(
      fn,
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.curated.arnForObjects(`${BATCH_PREFIX}*`)] }),
      'Reads the shared fields of its batch under _batches/, at keys named by the run id, not known in advance.',
    )
  }

  /**
   * The state machine's Distributed Map: read each batch's manifest (ItemReader) and write the
   * child executions' results (ResultWriter, multipart) under `_batches/`, nothing else.
   */
  bindMapRun(role: IRole): void {
    const statement = new PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
      resources: [this.curated.arnForObjects(`${BATCH_PREFIX}*`)],
    })
    role.addToPrincipalPolicy(statement)
    acknowledgeWildcardResources(role, statement, 'The Distributed Map reads the batch manifests and writes its result files under _batches/ only, at keys named by run ids and Map run ids not known in advance.')
  }

  /** Load: publish, replace and delete any curated object, ledger and run reports included. Sets CURATED_BUCKET. */
  bindCuratedWriter(fn: LambdaFunction): void {
    fn.addEnvironment('CURATED_BUCKET', this.curated.bucketName)
    allow(fn, new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.curated.bucketArn] }))
    allow(
      fn,
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        resources: [this.curated.arnForObjects('*')],
      }),
      'Load owns the curated zone: it publishes each dataset\'s Parquet under <dataset>/…, deletes replaced parts, and writes the ledger and run reports.',
    )
  }

  /** HandOff: read and rewrite run reports under `_runs/`, and write its successor's carried failures there; nothing else. Sets CURATED_BUCKET. */
  bindRunReportWriter(fn: LambdaFunction): void {
    fn.addEnvironment('CURATED_BUCKET', this.curated.bucketName)
    this.allowPrefixList(fn, ['_runs/'])
    allow(
      fn,
      new PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [this.curated.arnForObjects('_runs/*')] }),
      'Rewrites the report of the run that hands off, one object per run, named by the run id.',
    )
  }

  /**
   * Site: read the run reports and the site's summaries that Load keeps under `_site/`, and list
   * them; nothing of the raw zone, the ledger or the data. Sets CURATED_BUCKET.
   */
  bindSiteReader(fn: LambdaFunction): void {
    fn.addEnvironment('CURATED_BUCKET', this.curated.bucketName)
    // Listed for the summaries, and so that a missing run report or summary reads as 404, not 403.
    this.allowPrefixList(fn, ['_runs/', SITE_PREFIX])
    allow(
      fn,
      new PolicyStatement({ actions: ['s3:GetObject'], resources: ['_runs/', SITE_PREFIX].map((p) => this.curated.arnForObjects(`${p}*`)) }),
      'Reads the run reports and the site summaries only, one object per run, dataset and file shard, named by ids not known in advance; no data rows.',
    )
  }

  /**
   * s3:ListBucket limited to key prefixes. S3 also authorizes the 403-or-404 decision for a
   * missing key as a ListBucket whose s3:prefix is that key, so reads under these prefixes still
   * get their 404.
   */
  private allowPrefixList(fn: LambdaFunction, prefixes: string[]): void {
    allow(
      fn,
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.curated.bucketArn],
        conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
      }),
    )
  }
}

/** What tagging a raw version with its receipt needs, and all Load may write on the raw zone. */
export const RAW_TAG_ACTIONS = ['s3:GetObjectTagging', 's3:GetObjectVersionTagging', 's3:PutObjectTagging', 's3:PutObjectVersionTagging'] as const

/** Adds `statement` to the function's role; `reason` acknowledges its wildcard resources (object keys). */
function allow(fn: LambdaFunction, statement: PolicyStatement, reason?: string): void {
  fn.addToRolePolicy(statement)
  if (reason && fn.role) acknowledgeWildcardResources(fn.role, statement, reason)
}

/** What every bucket of the lake shares. */
const privateBucket: BucketProps = {
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  encryption: BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
  removalPolicy: RemovalPolicy.RETAIN,
}
