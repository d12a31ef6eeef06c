import { fileURLToPath } from 'node:url'
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib'
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction, OutputFormat, type BundlingOptions, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { METRICS_NAMESPACE } from '../functions/adapters/metric-names'
import { DEFAULT_PLAN_SETTINGS } from '../functions/core/lake/step-deps'
import { TABLE_FORMAT_VARIABLE, type TableFormatName } from '../functions/core/table-format/table-format-setting'
import type { Catalog } from './catalog'
import type { StatusSite } from './status-site'
import type { Zones } from './zones'

export interface FunctionsProps {
  /** Prefix of the function names. */
  prefix: string
  /** Transform invocations (the Distributed Map's child executions) one execution runs at once: Plan hands it to the Map. */
  mapConcurrency: number
  /** Concurrency reserved for (and the most allowed to) Transform; none when undefined. */
  transformReservedConcurrency?: number
  zones: Zones
  catalog: Catalog
  /** What a deleted raw file does to its rows (Plan's ON_DELETE). */
  onDelete: 'retract' | 'keep'
  /** Bytes above which Plan splits a file into byte ranges (Plan's SPLIT_BYTES); 0 never splits. */
  splitBytes: number
  /** The status site the Site step writes. */
  site: StatusSite
  /**
   * The format new tables are created in (SLUICE_TABLE_FORMAT of Plan, Transform, Load and
   * Compact); when absent, the format of the lake's tables (a new lake's are Iceberg).
   */
  tableFormat?: TableFormatName
  /** How long an Iceberg table keeps a replaced snapshot (Load's SNAPSHOT_RETENTION_HOURS). */
  snapshotRetentionHours: number
  /**
   * Executions of the workflow past which drops wait in the queue (the Drops Lambda's
   * MAX_RUNNING_EXECUTIONS); no Drops Lambda when undefined (drops start nothing).
   */
  maxRunningExecutions?: number
}

/** Paths from this file, never from the working directory, so `cdk synth` works from anywhere. */
const fromHere = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const PROJECT_ROOT = fromHere('..')
const LOCK_FILE = fromHere('../package-lock.json')
const LOG_RETENTION = RetentionDays.ONE_MONTH

/** Memory of the Transform Lambda: one full vCPU (see its sizing note below). */
export const TRANSFORM_MEMORY_MB = 1769

/** V8 flags of the Transform Lambda, the bench's sluice lines and `npm run sluice`. */
export const TRANSFORM_NODE_OPTIONS = '--max-semi-space-size=2'

/** File name of the bundle inside each function's asset. */
export const BUNDLE_FILE = 'index.mjs'

/** How every step is bundled: by the local esbuild, never Docker (there may be none). */
export const BUNDLING = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  target: 'node22',
  // ESM builds of the AWS SDK tree-shake better: about 40 % less code to load at cold start.
  mainFields: ['module', 'main'],
  minify: true,
  // The workflow's Retry/Catch match on error class names (TransientStorageError, …):
  // minification must not rename the classes.
  keepNames: true,
  sourceMap: false,
  // Bundle the AWS SDK too: the version the tests ran, not whichever the runtime ships.
  externalModules: [],
  // CommonJS dependencies (the SDK) require Node's built-ins; ESM has no `require`.
  banner: "import { createRequire as __sluiceCreateRequire } from 'node:module'; const require = __sluiceCreateRequire(import.meta.url);",
} satisfies BundlingOptions

/** uPlot's browser build and stylesheet, copied from node_modules next to the Site bundle. */
const CHART_FILES = ['uPlot.iife.min.js', 'uPlot.min.css']

/** The Site step's bundling: the shared one, plus the chart library's files. */
export const SITE_BUNDLING: BundlingOptions = {
  ...BUNDLING,
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) => CHART_FILES.map((f) => `cp "${inputDir}/node_modules/uplot/dist/${f}" "${outputDir}/${f}"`),
  },
}

/**
 * The step Lambdas, bundled by the local esbuild (no Docker). Each gets exactly the
 * access its step needs, through the zones' and catalog's `bind…` methods, which also set the
 * variables its config reads at load (functions/<step>/config.ts).
 */
export class Functions extends Construct {
  readonly plan: NodejsFunction
  readonly transform: NodejsFunction
  readonly load: NodejsFunction
  readonly compact: NodejsFunction
  readonly handOff: NodejsFunction
  readonly site: NodejsFunction
  readonly drops?: NodejsFunction

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id)
    const { zones, catalog } = props

    // Lists the raw zone and the ledger and decides: I/O-bound, little memory.
    this.plan = this.step('Plan', props.prefix, 'plan', { memorySize: 512, timeout: Duration.seconds(300) })
    zones.bindRawReader(this.plan)
    zones.bindLedgerReader(this.plan)
    catalog.bindTableReader(this.plan)
    zones.bindBatchWriter(this.plan)
    this.plan.addEnvironment('MAX_CONCURRENCY', String(props.mapConcurrency))
    this.plan.addEnvironment('BATCH_SIZE', String(DEFAULT_PLAN_SETTINGS.batchSize))
    this.plan.addEnvironment('ON_DELETE', props.onDelete)
    this.plan.addEnvironment('SPLIT_BYTES', String(props.splitBytes))

    // Sized from the byte engine's bench (docs/benchmarks.md, 1 M rows, one worker): 44-49 MB/s
    // of CSV per core at a peak RSS of 110-123 MB with 16 MiB row groups (179-181 MB with two
    // workers; 120 MB at 12 M rows). Its memory size is also its budget: 64 MiB row groups, about
    // 80 + 3 × 64 ≈ 270 MB (functions/core/parquet/row-group-budget.ts). Memory never binds;
    // CPU does. 1,769 MB is the smallest size with one full vCPU, and one thread per Lambda
    // (TRANSFORM_WORKERS=1) is the cheapest CPU-second: large files get their parallelism
    // from byte ranges in Lambdas of their own (SPLIT_BYTES), not from threads.
    // The headroom holds a range's rejects, kept in memory until the range ends. A 2 GB range
    // takes ~45 s of the 900 s; gzip, which cannot be split, stops at about 900 s × 45 MB/s
    // ≈ 40 GB of decompressed CSV per file (docs/large-files.md).
    this.transform = this.step('Transform', props.prefix, 'transform', {
      memorySize: TRANSFORM_MEMORY_MB,
      timeout: Duration.seconds(900),
      // When set (sluice:transformReservedConcurrency; none by default, as a new account has
      // none to reserve), caps Transform so that a flood of drops cannot take the account's
      // whole concurrency, and guarantees it that much; a throttled Transform is retried by the
      // workflow (infra/retry-policy.ts).
      reservedConcurrentExecutions: props.transformReservedConcurrency,
    })
    this.transform.addEnvironment('TRANSFORM_WORKERS', '1')
    // Peak memory flat in the file's length (docs/benchmarks.md): a 2 MB semi-space, so the
    // buffers each row group leaves behind are freed by frequent scavenges, and glibc's mmap
    // threshold fixed, so megabyte buffers never fragment the heap. Row groups are sized from
    // the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, docs/development.md, "Performance").
    this.transform.addEnvironment('NODE_OPTIONS', TRANSFORM_NODE_OPTIONS)
    this.transform.addEnvironment('MALLOC_MMAP_THRESHOLD_', '131072')
    zones.bindRawReader(this.transform)
    zones.bindStagingWriter(this.transform)
    zones.bindBatchReader(this.transform)

    // I/O-bound: server-side copies and Glue calls for a batch of up to 500 files (BATCH_SIZE),
    // which can take minutes; memory for the batch's staged stats and schemas, and the Map run's
    // result files it reads.
    this.load = this.step('Load', props.prefix, 'load', { memorySize: 1024, timeout: Duration.seconds(900) })
    zones.bindCuratedWriter(this.load)
    catalog.bindTableWriter(this.load)
    // A commit heads the raw key: only the version the raw zone holds may win. (HeadObject is
    // authorized as s3:GetObject; there is no head-only permission.)
    zones.bindRawReader(this.load)
    // Receipts: the raw object of each settled file is tagged with its status and counts.
    zones.bindRawTagger(this.load)
    // Rejects samples in the site's summaries: with their record text only when opted in.
    props.site.bindRecordText(this.load)

    // Compacts the partitions a Load touched and, at the end of a sweep, the closed ones: reads
    // small parts and writes merged ones (in memory), remaps ledger heads, moves partitions.
    this.compact = this.step('Compact', props.prefix, 'compact', { memorySize: 1024, timeout: Duration.seconds(900) })
    zones.bindCuratedWriter(this.compact)
    catalog.bindTableWriter(this.compact)

    // Starts the successor of a run at its file cap (the Workflow grants it that one state
    // machine) and notes it in the run report.
    this.handOff = this.step('HandOff', props.prefix, 'handoff', { memorySize: 256, timeout: Duration.seconds(60) })
    zones.bindRunReportWriter(this.handOff)

    // Updates the status site after each Load: reads the run report and the summaries Load keeps,
    // writes the pages of the run's files and datasets and the index. The chart library goes into the bundle.
    this.site = this.step('Site', props.prefix, 'site', { memorySize: 1024, timeout: Duration.seconds(300) }, SITE_BUNDLING)
    zones.bindSiteReader(this.site)
    catalog.bindTableLister(this.site)
    props.site.bindWriter(this.site)
    props.site.bindRecordText(this.site)

    // The drops pipe's target: counts running executions and starts one per batch of queued
    // drops, or leaves the batch in the queue. Two ListExecutions pages and a StartExecution.
    // No reserved concurrency: a new account has none to reserve (Lambda keeps 100 unreserved).
    if (props.maxRunningExecutions !== undefined) {
      this.drops = this.step('Drops', props.prefix, 'drops', { memorySize: 256, timeout: Duration.seconds(30) })
      this.drops.addEnvironment('MAX_RUNNING_EXECUTIONS', String(props.maxRunningExecutions))
    }

    // The lake's table format, on every step that reads or writes the curated tables.
    if (props.tableFormat) for (const fn of [this.plan, this.transform, this.load, this.compact]) fn.addEnvironment(TABLE_FORMAT_VARIABLE, props.tableFormat)
    // Load ends each batch with a bounded expiry pass over the Iceberg tables it committed to.
    this.load.addEnvironment('SNAPSHOT_RETENTION_HOURS', String(props.snapshotRetentionHours))
  }

  private step(id: string, prefix: string, step: string, sizing: Pick<NodejsFunctionProps, 'memorySize' | 'timeout' | 'reservedConcurrentExecutions'>, bundling: BundlingOptions = BUNDLING): NodejsFunction {
    const logGroup = new LogGroup(this, `${id}Logs`, { retention: LOG_RETENTION, removalPolicy: RemovalPolicy.DESTROY })
    // Its own role, allowed to write to its own log group only: the default role would carry
    // AWSLambdaBasicExecutionRole, which may create and write any log group of the account.
    const role = new Role(this, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `sluice ${step} Lambda` })
    role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }))
    const fn = new NodejsFunction(this, id, {
      role,
      functionName: `${prefix}-${step}`,
      description: `sluice: the ${step} step of the ETL workflow`,
      entry: fromHere(`../functions/${step}/handler.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: LOCK_FILE,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      logGroup,
      ...sizing,
      // X-Ray traces of each invocation, joined to the state machine's trace.
      tracing: Tracing.ACTIVE,
      environment: {
        // The Powertools logger's service and the metrics' namespace and `service` dimension.
        POWERTOOLS_SERVICE_NAME: prefix,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      },
      bundling,
    })
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions: X-Ray only accepts Resource "*" for them.',
    })
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is chosen, not defaulted: the bundle is built for target node22. Moving to a newer runtime should be a deliberate, tested change, not a side effect of a cdk-nag upgrade.',
    })
    return fn
  }
}
