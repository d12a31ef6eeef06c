import type { Node } from 'constructs'
import { DEFAULT_MAX_RUNNING_EXECUTIONS } from '../functions/core/lake/drop-admission'
import { DEFAULT_STACK_NAME } from '../functions/core/lake/stack-outputs'
import { DEFAULT_SPLIT_BYTES, MAX_MAP_CONCURRENCY } from '../functions/core/lake/step-deps'
import { TABLE_FORMAT_NAMES, type TableFormatName } from '../functions/core/table-format/table-format-setting'

/** Every setting of the stack, read once from CDK context (`cdk.json`, or `cdk synth -c key=value`). */
export interface StackConfig {
  /** `sluice:stackName`: the CloudFormation stack name. */
  stackName: string
  /** `sluice:prefix`: prefix of the physical names (functions, state machine, workgroup, topic, alarms). */
  prefix: string
  /** `sluice:schedule`: EventBridge Scheduler expression of the nightly sweep (UTC). */
  schedule: string
  /** `sluice:onDrop`: whether a CSV landing in the raw zone starts an execution. */
  onDrop: boolean
  /** `sluice:onDelete`: `retract` removes the rows of a deleted raw file, `keep` leaves them. */
  onDelete: 'retract' | 'keep'
  /** `sluice:dropBatchSeconds`: how long queued drops wait to be taken as one execution (0-300). */
  dropBatchSeconds: number
  /** `sluice:dropBatchSize`: most queued drops one execution takes (1-100). */
  dropBatchSize: number
  /**
   * `sluice:maxRunningExecutions`: drops start no execution while this many executions of the
   * workflow (of any trigger) run; they wait in the queue (1-1000).
   */
  maxRunningExecutions: number
  /**
   * `sluice:mapConcurrency`: Transform invocations one execution runs at once, each a child
   * execution of the Distributed Map converting up to 10 files (Plan's MAX_CONCURRENCY), 0 for
   * no limit (the Distributed Map's own, 10,000).
   */
  mapConcurrency: number
  /** `sluice:alarmEmail`: address subscribed to the alarm topic, if any. */
  alarmEmail?: string
  /** `sluice:database`: Glue database of the curated tables. */
  database: string
  /**
   * `sluice:adoptDatabase`: use the Glue database `database` that already exists (one a teardown
   * retained, or one made by hand) instead of creating it; a create would fail on it.
   */
  adoptDatabase: boolean
  /** `sluice:athenaResultsDays`: days Athena query results are kept. */
  athenaResultsDays: number
  /** `sluice:rawArchiveDays`: days after which raw objects move to Glacier Instant Retrieval; off when unset. */
  rawArchiveDays?: number
  /** `sluice:bytesScannedCutoff`: bytes one Athena query of the workgroup may scan. */
  bytesScannedCutoff: number
  /**
   * `sluice:transformReservedConcurrency`: concurrent Transform Lambdas at most, reserved for it,
   * so that a flood of drops cannot take the account's whole concurrency; `none` (the default)
   * for no reservation. Lambda keeps 100 of an account's concurrency unreserved, so a
   * reservation of n deploys only where the account's limit is at least n + 100 (new accounts
   * may start at 10).
   */
  transformReservedConcurrency?: number
  /** `sluice:rejectRateAlarm`: the alarm fires when more than this fraction of rows in 5 minutes is rejected. */
  rejectRateAlarm: number
  /**
   * `sluice:splitBytes`: an uncompressed raw file above this many bytes is converted as byte
   * ranges, one Transform Lambda each, and committed as one version (Plan's SPLIT_BYTES); 0 never splits.
   */
  splitBytes: number
  /** `sluice:siteAllowedCountries`: comma-separated country codes allowed to view the status site; everyone when unset. */
  siteAllowedCountries?: string[]
  /** `sluice:siteWebAclArn`: a WAF web ACL (CLOUDFRONT scope) in front of the status site; none when unset. */
  siteWebAclArn?: string
  /**
   * `sluice:sitePublic`: `true` serves the status site to anyone with its address; unset, only
   * the viewers of its key value store get in.
   */
  sitePublic?: true
  /**
   * `sluice:siteRecordText`: `true` lets the status site show the text of rejected records, for
   * the datasets whose contract also says `"site": { "recordText": true }`; unset, a reject
   * shows its file, line, column and error only.
   */
  siteRecordText?: true
  /** `sluice:siteStaleAfterHours`: the status site flags a dataset stale once its last load is older. */
  siteStaleAfterHours: number
  /**
   * `sluice:tableFormat`: the format new tables are created in (`hive` or `iceberg`), unless a
   * dataset's contract names its own; a table that exists keeps its format. Unset: the format
   * of the lake's tables (Hive if the database holds a Hive table, Iceberg for a new lake).
   */
  tableFormat?: TableFormatName
  /**
   * `sluice:snapshotRetentionHours`: how long an Iceberg table keeps a snapshot after it was
   * replaced, and the parts only it holds (time travel and readers mid-query rely on it).
   */
  snapshotRetentionHours: number
}

/** Defaults of every setting; `cdk.json` repeats them so that they are visible in one place. */
export const DEFAULT_STACK_CONFIG = {
  stackName: DEFAULT_STACK_NAME,
  prefix: 'sluice',
  schedule: 'cron(0 2 * * ? *)',
  onDrop: true,
  onDelete: 'retract',
  dropBatchSeconds: 20,
  dropBatchSize: 100,
  maxRunningExecutions: DEFAULT_MAX_RUNNING_EXECUTIONS,
  mapConcurrency: 50,
  database: 'sluice',
  adoptDatabase: false,
  athenaResultsDays: 30,
  bytesScannedCutoff: 10 * 1024 ** 3,
  rejectRateAlarm: 0.01,
  splitBytes: DEFAULT_SPLIT_BYTES,
  siteStaleAfterHours: 36,
  snapshotRetentionHours: 24,
} as const satisfies Omit<StackConfig, 'alarmEmail' | 'rawArchiveDays' | 'transformReservedConcurrency'>

/** A context value that cannot configure the stack. */
export class StackConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StackConfigError'
  }
}

/** Athena refuses a per-query cutoff below 10 MB. */
const MIN_BYTES_SCANNED_CUTOFF = 10_000_000

/**
 * Reads and validates the `sluice:*` context once. Values given with `-c` arrive as strings,
 * values in `cdk.json` as JSON; both are accepted. A bad value fails synthesis naming its key.
 */
export function readStackConfig(node: Node): StackConfig {
  const get = (key: string): unknown => node.tryGetContext(`sluice:${key}`)
  const d = DEFAULT_STACK_CONFIG
  const config = {
    stackName: text(get, 'stackName', d.stackName, /^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a letter, then letters, digits or -'),
    prefix: text(get, 'prefix', d.prefix, /^[a-z][a-z0-9-]{0,29}$/, 'lower-case letters, digits or -, at most 30, starting with a letter'),
    schedule: text(get, 'schedule', d.schedule, /^(cron|rate)\(.+\)$/, 'an EventBridge Scheduler expression such as cron(0 2 * * ? *) or rate(6 hours)'),
    onDrop: flag(get, 'onDrop', d.onDrop),
    onDelete: text(get, 'onDelete', d.onDelete, /^(retract|keep)$/, 'retract or keep') as StackConfig['onDelete'],
    dropBatchSeconds: whole(get, 'dropBatchSeconds', d.dropBatchSeconds, 0, 300),
    dropBatchSize: whole(get, 'dropBatchSize', d.dropBatchSize, 1, 100),
    maxRunningExecutions: whole(get, 'maxRunningExecutions', d.maxRunningExecutions, 1, 1000),
    mapConcurrency: whole(get, 'mapConcurrency', d.mapConcurrency, 0, MAX_MAP_CONCURRENCY),
    alarmEmail: optionalText(get, 'alarmEmail', /^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'an e-mail address'),
    database: text(get, 'database', d.database, /^[a-z0-9_]{1,255}$/, 'lower-case letters, digits or _ (a name Athena needs no quotes for)'),
    adoptDatabase: flag(get, 'adoptDatabase', d.adoptDatabase),
    athenaResultsDays: whole(get, 'athenaResultsDays', d.athenaResultsDays, 1, 3650),
    rawArchiveDays: optionalWhole(get, 'rawArchiveDays', 1, 36500),
    bytesScannedCutoff: whole(get, 'bytesScannedCutoff', d.bytesScannedCutoff, MIN_BYTES_SCANNED_CUTOFF, Number.MAX_SAFE_INTEGER),
    splitBytes: whole(get, 'splitBytes', d.splitBytes, 0, Number.MAX_SAFE_INTEGER),
    siteStaleAfterHours: whole(get, 'siteStaleAfterHours', d.siteStaleAfterHours, 1, 8760),
    snapshotRetentionHours: whole(get, 'snapshotRetentionHours', d.snapshotRetentionHours, 1, 87600),
    tableFormat: optionalText(get, 'tableFormat', new RegExp(`^(${TABLE_FORMAT_NAMES.join('|')})$`), TABLE_FORMAT_NAMES.join(' or ')) as TableFormatName | undefined,
  }
  const reserved = get('transformReservedConcurrency') === 'none' ? undefined : optionalWhole(get, 'transformReservedConcurrency', 1, 10000)
  // Fewer than the Map runs at once would throttle a run's own Transform tasks.
  if (reserved !== undefined && config.mapConcurrency > 0 && reserved < config.mapConcurrency) {
    fail('transformReservedConcurrency', reserved, `none, or at least sluice:mapConcurrency (${config.mapConcurrency})`)
  }
  const countries = optionalText(get, 'siteAllowedCountries', /^[A-Z]{2}( *, *[A-Z]{2})*$/, 'comma-separated ISO country codes such as DE,FR')
  const webAcl = optionalText(get, 'siteWebAclArn', /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/.+$/, 'the ARN of a CLOUDFRONT-scope WAF web ACL (us-east-1)')
  return {
    ...config,
    transformReservedConcurrency: reserved,
    rejectRateAlarm: fraction(get, 'rejectRateAlarm', d.rejectRateAlarm),
    ...(countries ? { siteAllowedCountries: countries.split(',').map((c) => c.trim()) } : {}),
    ...(webAcl ? { siteWebAclArn: webAcl } : {}),
    ...(flag(get, 'sitePublic', false) ? { sitePublic: true as const } : {}),
    ...(flag(get, 'siteRecordText', false) ? { siteRecordText: true as const } : {}),
  }
}

function fraction(get: Get, key: string, fallback: number): number {
  const value = get(key)
  if (unset(value)) return fallback
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n !== 'number' || !(n > 0 && n <= 1)) fail(key, value, 'a fraction above 0 and at most 1, such as 0.01')
  return n
}

type Get = (key: string) => unknown

const unset = (value: unknown) => value === undefined || value === null || value === ''

function fail(key: string, value: unknown, expected: string): never {
  throw new StackConfigError(`config: context sluice:${key} must be ${expected}, got ${JSON.stringify(value)}`)
}

function text(get: Get, key: string, fallback: string, pattern: RegExp, expected: string): string {
  return optionalText(get, key, pattern, expected) ?? fallback
}

function optionalText(get: Get, key: string, pattern: RegExp, expected: string): string | undefined {
  const value = get(key)
  if (unset(value)) return undefined
  if (typeof value !== 'string' || !pattern.test(value)) fail(key, value, expected)
  return value
}

function flag(get: Get, key: string, fallback: boolean): boolean {
  const value = get(key)
  if (unset(value)) return fallback
  if (value === true || value === 'true') return true
  if (value === false || value === 'false') return false
  return fail(key, value, 'true or false')
}

function whole(get: Get, key: string, fallback: number, min: number, max: number): number {
  return optionalWhole(get, key, min, max) ?? fallback
}

function optionalWhole(get: Get, key: string, min: number, max: number): number | undefined {
  const value = get(key)
  if (unset(value)) return undefined
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) fail(key, value, `a whole number from ${min} to ${max}`)
  return n
}
