import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Match } from 'aws-cdk-lib/assertions'
import { STACK_OUTPUTS } from '../../functions/core/lake/stack-outputs'
import { datasetOfKey } from '../../functions/core/lake/lake-layout'
import { DEFINITION_PATH } from '../../infra/workflow'
import { DROP_SUFFIXES } from '../../infra/triggers'
import { policyStatements, refOf, resourceIds, removeSyntheses, synthSluice, type SynthesizedSluice, type TemplateJson } from '../support/infra-synth'

/** The template's resources are found through the stack outputs, as the CLI finds them. */
function outputRef(json: TemplateJson, name: string): string {
  const id = refOf(json.Outputs?.[name]?.Value)
  if (!id) throw new Error(`no output ${name} referring to a resource`)
  return id
}

function functionNamed(json: TemplateJson, name: string) {
  const found = Object.entries(json.Resources).find(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === name)
  if (!found) throw new Error(`no function ${name}`)
  return { id: found[0], props: found[1].Properties! }
}

/** Statements of the policies attached to a function's role. */
function statementsOfFunction(json: TemplateJson, name: string) {
  const role = refOf(functionNamed(json, name).props.Role)
  const policies = Object.entries(json.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && (r.Properties!.Roles as unknown[]).some((x) => refOf(x) === role))
    .map(([id]) => id)
  return policyStatements(json).filter((s) => policies.includes(s.policy))
}

/** `{ Fn::Join: ['', [{ Fn::GetAtt: [bucket, 'Arn'] }, '/prefix*'] ] }` → [bucket, '/prefix*']. */
function objectArn(resource: unknown): [string | undefined, string] | undefined {
  const parts = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1]
  if (!parts || parts.length !== 2 || typeof parts[1] !== 'string') return undefined
  return [refOf(parts[0]), parts[1]]
}

const WRITE_ACTION = /^(s3|glue):(Put|Delete|Create|Update|BatchCreate|BatchDelete|Abort|Restore|Replicate)/

afterAll(removeSyntheses)

describe('the synthesized sluice stack', () => {
  let synth: SynthesizedSluice
  let json: TemplateJson
  let ids: { raw: string; curated: string; results: string; stateMachine: string; topic: string; logs: string }

  beforeAll(() => {
    synth = synthSluice({}, { bundle: false })
    json = synth.json
    const raw = outputRef(json, STACK_OUTPUTS.rawBucket)
    const logs = refOf(json.Resources[raw]!.Properties!.LoggingConfiguration.DestinationBucketName)!
    ids = {
      raw,
      curated: outputRef(json, STACK_OUTPUTS.curatedBucket),
      results: outputRef(json, STACK_OUTPUTS.athenaResultsBucket),
      stateMachine: outputRef(json, STACK_OUTPUTS.stateMachine),
      topic: outputRef(json, STACK_OUTPUTS.alarmTopic),
      logs,
    }
  })

  describe('zones', () => {
    it('keeps six private, SSE-S3 encrypted, retained buckets: the lake\'s four, the status site and its CloudFront logs', () => {
      // Prepare
      const buckets = resourceIds(json, 'AWS::S3::Bucket')
      const site = buckets.filter((id) => id.startsWith('StatusSite'))

      // Assess
      expect(buckets.sort()).toEqual([ids.raw, ids.curated, ids.results, ids.logs, ...site].sort())
      expect(site).toHaveLength(2)
      for (const id of buckets) {
        const bucket = json.Resources[id]!
        expect(bucket.Properties!.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] })
        expect(bucket.Properties!.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true })
        expect(bucket.DeletionPolicy).toBe('Retain')
      }
    })

    it('denies every request without TLS on every bucket', () => {
      for (const bucket of resourceIds(json, 'AWS::S3::Bucket')) {
        synth.template.hasResourceProperties('AWS::S3::BucketPolicy', {
          Bucket: { Ref: bucket },
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        })
      }
    })

    it('versions the raw zone, sends its events to EventBridge and logs access of the lake buckets', () => {
      const raw = json.Resources[ids.raw]!.Properties!
      expect(raw.VersioningConfiguration).toEqual({ Status: 'Enabled' })
      expect(raw.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } })
      for (const bucket of [ids.raw, ids.curated, ids.results]) {
        expect(refOf(json.Resources[bucket]!.Properties!.LoggingConfiguration.DestinationBucketName)).toBe(ids.logs)
      }
      // No custom-resource Lambda manages bucket notifications: the step functions and Drops are the only ones.
      expect(resourceIds(json, 'AWS::Lambda::Function')).toHaveLength(7)
      expect(resourceIds(json, 'Custom::S3BucketNotifications')).toEqual([])
    })

    it('expires staging and batch leftovers, Athena results and incomplete uploads', () => {
      const rules = (id: string) => json.Resources[id]!.Properties!.LifecycleConfiguration.Rules as Record<string, unknown>[]
      expect(rules(ids.curated)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Prefix: '_staging/', ExpirationInDays: 2, Status: 'Enabled' }),
          expect.objectContaining({ Prefix: '_batches/', ExpirationInDays: 2, Status: 'Enabled' }),
          expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      )
      expect(rules(ids.results)).toEqual([expect.objectContaining({ ExpirationInDays: 30, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })])
      expect(rules(ids.raw)).toEqual([expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })])
      expect(rules(ids.raw).some((r) => 'Transitions' in r)).toBe(false)
    })
  })

  describe('functions', () => {
    it.each([
      ['sluice-plan', 512, 300],
      ['sluice-transform', 1769, 900],
      ['sluice-load', 1024, 900],
      ['sluice-handoff', 256, 60],
      ['sluice-drops', 256, 30],
    ])('runs %s on arm64 Node.js 22 with %i MB for at most %i s', (name, memory, timeout) => {
      const { props } = functionNamed(json, name)
      expect(props).toMatchObject({ Architectures: ['arm64'], Runtime: 'nodejs22.x', MemorySize: memory, Timeout: timeout, Handler: 'index.handler' })
    })

    it('gives no function more time than its Task state waits for it', () => {
      // Prepare
      const asl = JSON.parse(readFileSync(DEFINITION_PATH, 'utf8'))
      const stateTimeout = {
        'sluice-plan': asl.States.Plan.TimeoutSeconds,
        'sluice-transform': asl.States.TransformFiles.ItemProcessor.States.Transform.TimeoutSeconds,
        'sluice-load': asl.States.Load.TimeoutSeconds,
        'sluice-handoff': asl.States.HandOff.TimeoutSeconds,
      }

      // Assess
      for (const [name, seconds] of Object.entries(stateTimeout)) expect(functionNamed(json, name).props.Timeout).toBeLessThanOrEqual(seconds)
    })

    it('sets exactly the variables each step reads, naming the buckets and database it is granted, and the Powertools service and namespace', () => {
      const env = (name: string) => functionNamed(json, name).props.Environment.Variables
      const powertools = { POWERTOOLS_SERVICE_NAME: 'sluice', POWERTOOLS_METRICS_NAMESPACE: 'sluice' }
      expect(env('sluice-plan')).toEqual({
        ...powertools,
        RAW_BUCKET: { Ref: ids.raw },
        CURATED_BUCKET: { Ref: ids.curated },
        GLUE_DATABASE: 'sluice',
        MAX_CONCURRENCY: '50',
        BATCH_SIZE: '500',
        ON_DELETE: 'retract',
        SPLIT_BYTES: String(2 * 1024 ** 3),
      })
      expect(env('sluice-transform')).toEqual({ ...powertools, RAW_BUCKET: { Ref: ids.raw }, CURATED_BUCKET: { Ref: ids.curated }, TRANSFORM_WORKERS: '1', NODE_OPTIONS: '--max-semi-space-size=2', MALLOC_MMAP_THRESHOLD_: '131072' })
      expect(env('sluice-load')).toEqual({ ...powertools, RAW_BUCKET: { Ref: ids.raw }, CURATED_BUCKET: { Ref: ids.curated }, GLUE_DATABASE: 'sluice', SITE_RECORD_TEXT: 'false', SNAPSHOT_RETENTION_HOURS: '24' })
      expect(env('sluice-handoff')).toEqual({ ...powertools, CURATED_BUCKET: { Ref: ids.curated } })
      expect(env('sluice-drops')).toEqual({ ...powertools, MAX_RUNNING_EXECUTIONS: '4', STATE_MACHINE_ARN: { Ref: ids.stateMachine } })
    })

    it('writes each function log to its own log group, kept for 30 days', () => {
      for (const name of ['sluice-plan', 'sluice-transform', 'sluice-load', 'sluice-handoff']) {
        const group = refOf(functionNamed(json, name).props.LoggingConfig.LogGroup)!
        expect(json.Resources[group]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } })
      }
    })
  })

  describe('permissions', () => {
    it('grants no wildcard action and no S3 or Glue action on "*"', () => {
      const statements = policyStatements(json).filter((s) => s.Effect === 'Allow')
      expect(statements.flatMap((s) => s.Action).filter((a) => a.includes('*'))).toEqual([])
      const onStar = statements.filter((s) => s.Resource.includes('*'))
      expect(onStar.flatMap((s) => s.Action).filter((a) => /^(s3|glue):/.test(a))).toEqual([])
    })

    it('lets Plan write its batches under _batches/ only, and read only the raw zone, the ledger, the run reports and the table definitions', () => {
      // Prepare
      const statements = statementsOfFunction(json, 'sluice-plan')
      const gets = statements.filter((s) => s.Action.includes('s3:GetObject')).flatMap((s) => s.Resource.map(objectArn))
      const writes = statements.filter((s) => s.Action.some((a) => WRITE_ACTION.test(a)))

      // Assess
      expect(writes.flatMap((s) => s.Action)).toEqual(['s3:PutObject'])
      expect(writes.flatMap((s) => s.Resource.map(objectArn))).toEqual([[ids.curated, '/_batches/*']])
      expect(gets).toEqual(
        expect.arrayContaining([
          [ids.raw, '/*'],
          [ids.curated, '/_ledger/*'],
          [ids.curated, '/_runs/*'],
        ]),
      )
      expect(gets).toHaveLength(3)
      expect(statements.filter((s) => s.Action.includes('s3:ListBucket') && refOf(s.Resource[0]) === ids.curated)).toEqual([
        expect.objectContaining({ Condition: { StringLike: { 's3:prefix': ['_ledger/*', '_runs/*'] } } }),
      ])
      expect(statements.flatMap((s) => s.Action).filter((a) => a.startsWith('glue:'))).toEqual(['glue:GetTable'])
    })

    it('lets Transform write to the curated zone under _staging/ only, and never touch the catalog', () => {
      // Prepare
      const statements = statementsOfFunction(json, 'sluice-transform')
      const writes = statements.filter((s) => s.Action.some((a) => WRITE_ACTION.test(a)))

      // Assess
      expect(writes.flatMap((s) => s.Resource.map(objectArn))).toEqual([[ids.curated, '/_staging/*']])
      expect(writes.flatMap((s) => s.Action).sort()).toEqual(['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'])
      // Besides: the shared fields of its batch, read only.
      const batchReads = statements.filter((s) => s.Resource.some((r) => objectArn(r)?.[1] === '/_batches/*'))
      expect(batchReads.flatMap((s) => s.Action)).toEqual(['s3:GetObject'])
      expect(statements.flatMap((s) => s.Action).filter((a) => a.startsWith('glue:'))).toEqual([])
    })

    it('lets Load own the curated zone and the tables of its database (swapping a reprocessed table\'s partitions too), and only read and tag the raw zone', () => {
      // Prepare
      const statements = statementsOfFunction(json, 'sluice-load')
      const glue = statements.filter((s) => s.Action.some((a) => a.startsWith('glue:')))
      const glueArns = glue.flatMap((s) => s.Resource).map((r) => JSON.stringify(r))

      // Assess
      expect(glue.flatMap((s) => s.Action).sort()).toEqual(
        ['glue:BatchCreatePartition', 'glue:BatchDeletePartition', 'glue:CreateTable', 'glue:GetDatabase', 'glue:GetPartitions', 'glue:GetTable', 'glue:GetTables', 'glue:UpdatePartition', 'glue:UpdateTable'].sort(),
      )
      expect(glueArns).toEqual([expect.stringContaining(':catalog"'), expect.stringContaining(':database/sluice"'), expect.stringContaining(':table/sluice/*"')])
      const s3 = statements.filter((s) => s.Action.some((a) => a.startsWith('s3:')))
      const onRaw = s3.filter((s) => s.Resource.some((r) => refOf(r) === ids.raw || objectArn(r)?.[0] === ids.raw))
      expect(onRaw.flatMap((s) => s.Action).sort()).toEqual(['s3:GetObject', 's3:GetObjectTagging', 's3:GetObjectVersionTagging', 's3:ListBucket', 's3:PutObjectTagging', 's3:PutObjectVersionTagging'])
      const onCurated = s3.filter((s) => !onRaw.includes(s))
      expect(onCurated.flatMap((s) => s.Resource).every((r) => refOf(r) === ids.curated || objectArn(r)?.[0] === ids.curated)).toBe(true)
      expect(onCurated.flatMap((s) => s.Resource.map(objectArn)).filter(Boolean)).toEqual([[ids.curated, '/*']])
    })

    it('grants tagging as the only write on the raw zone, to Load alone', () => {
      // Prepare
      const functions = Object.values(json.Resources).filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => r.Properties!.FunctionName as string)
      const rawWrites = (name: string) =>
        statementsOfFunction(json, name)
          .filter((s) => s.Resource.some((r) => refOf(r) === ids.raw || objectArn(r)?.[0] === ids.raw))
          .flatMap((s) => s.Action)
          .filter((a) => WRITE_ACTION.test(a))

      // Act
      const writers = Object.fromEntries(functions.filter((f) => typeof f === 'string').map((f) => [f, rawWrites(f).sort()]).filter(([, a]) => a.length > 0))

      // Assess
      expect(writers).toEqual({ 'sluice-load': ['s3:PutObjectTagging', 's3:PutObjectVersionTagging'] })
    })

    it('grants s3:ListBucket with every read, so that a missing key answers 404 rather than 403', () => {
      for (const name of ['sluice-plan', 'sluice-transform', 'sluice-load', 'sluice-handoff']) {
        const statements = statementsOfFunction(json, name)
        const readBuckets = new Set(statements.filter((s) => s.Action.includes('s3:GetObject')).flatMap((s) => s.Resource.map((r) => objectArn(r)?.[0])))
        const listed = new Set(statements.filter((s) => s.Action.includes('s3:ListBucket')).flatMap((s) => s.Resource.map(refOf)))
        expect([...readBuckets].filter((b) => !listed.has(b))).toEqual([])
      }
    })

    it('lets the state machine invoke its six step functions, the drops pipe the Drops Lambda, and nothing else', () => {
      // Prepare
      const role = refOf(json.Resources[ids.stateMachine]!.Properties!.RoleArn)
      const [pipe] = resourceIds(json, 'AWS::Pipes::Pipe').map((id) => json.Resources[id]!.Properties!)
      const invoke = policyStatements(json).filter((s) => s.Action.includes('lambda:InvokeFunction'))
      const byRole = (r: string | undefined) => invoke.filter((s) => (json.Resources[s.policy]!.Properties!.Roles as unknown[]).map(refOf).includes(r))

      // Assess
      expect(invoke).toHaveLength(2)
      expect(byRole(role).flatMap((s) => s.Resource.map(refOf)).sort()).toEqual(['sluice-compact', 'sluice-handoff', 'sluice-load', 'sluice-plan', 'sluice-site', 'sluice-transform'].map((n) => functionNamed(json, n).id).sort())
      expect(byRole(refOf(pipe!.RoleArn)).flatMap((s) => s.Resource.map(refOf))).toEqual([functionNamed(json, 'sluice-drops').id])
    })

    it('lets the sweep, the Drops Lambda, the hand-off and the Distributed Map\'s child executions start this state machine, and nothing else', () => {
      // Prepare
      const start = policyStatements(json).filter((s) => s.Action.includes('states:StartExecution'))
      const name = json.Resources[ids.stateMachine]!.Properties!.StateMachineName
      const drops = statementsOfFunction(json, 'sluice-drops').filter((s) => s.Action.some((a) => a.startsWith('states:')))
      const dropsPolicies = new Set(drops.map((s) => s.policy))
      const role = refOf(json.Resources[ids.stateMachine]!.Properties!.RoleArn)
      const ofMachine = policyStatements(json).filter((s) => (json.Resources[s.policy]!.Properties!.Roles as unknown[] | undefined)?.map(refOf).includes(role))

      // Assess
      expect(start).toHaveLength(4)
      expect(start.filter((s) => s.Resource.map(refOf).join() === ids.stateMachine)).toHaveLength(2)
      expect(drops.flatMap((s) => s.Action).sort()).toEqual(['states:ListExecutions', 'states:StartExecution'])
      expect(drops.flatMap((s) => s.Resource.map(refOf))).toEqual(drops.flatMap((s) => s.Resource.map(() => ids.stateMachine)))
      for (const s of start.filter((s) => !dropsPolicies.has(s.policy))) expect(s.Action).toEqual(['states:StartExecution'])
      // The hand-off and the Map name the machine by its ARN built from the fixed name (no dependency cycle).
      const handOff = statementsOfFunction(json, 'sluice-handoff').find((s) => s.Action.includes('states:StartExecution'))!
      expect(JSON.stringify(handOff.Resource)).toContain(`:stateMachine:${name}`)
      const children = ofMachine.find((s) => s.Action.includes('states:StartExecution'))!
      expect(JSON.stringify(children.Resource)).toContain(`:stateMachine:${name}"`)
      expect(ofMachine.find((s) => s.Action.includes('states:DescribeExecution'))).toMatchObject({ Action: ['states:DescribeExecution', 'states:StopExecution'] })
      expect(JSON.stringify(ofMachine.find((s) => s.Action.includes('states:DescribeExecution'))!.Resource)).toContain(`:execution:${name}/*`)
    })

    it('lets the Distributed Map read the batch manifests and write its results under _batches/ of the curated zone only', () => {
      // Prepare
      const role = refOf(json.Resources[ids.stateMachine]!.Properties!.RoleArn)
      const s3 = policyStatements(json).filter((s) => (json.Resources[s.policy]!.Properties!.Roles as unknown[] | undefined)?.map(refOf).includes(role) && s.Action.some((a) => a.startsWith('s3:')))

      // Assess
      expect(s3).toHaveLength(1)
      expect(s3[0]!.Action.sort()).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject'])
      expect(s3[0]!.Resource.map(objectArn)).toEqual([[ids.curated, '/_batches/*']])
    })
  })

  describe('workflow', () => {
    it('is a Standard state machine with X-Ray tracing, logging errors without execution data', () => {
      synth.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } }] },
      })
    })

    it('fills each placeholder of the definition with its function ARN', () => {
      const substitutions = json.Resources[ids.stateMachine]!.Properties!.DefinitionSubstitutions
      expect(substitutions).toEqual({
        PlanFunctionArn: { 'Fn::GetAtt': [functionNamed(json, 'sluice-plan').id, 'Arn'] },
        TransformFunctionArn: { 'Fn::GetAtt': [functionNamed(json, 'sluice-transform').id, 'Arn'] },
        LoadFunctionArn: { 'Fn::GetAtt': [functionNamed(json, 'sluice-load').id, 'Arn'] },
        CompactFunctionArn: { 'Fn::GetAtt': [functionNamed(json, 'sluice-compact').id, 'Arn'] },
        HandOffFunctionArn: { 'Fn::GetAtt': [functionNamed(json, 'sluice-handoff').id, 'Arn'] },
        SiteFunctionArn: { 'Fn::GetAtt': [functionNamed(json, 'sluice-site').id, 'Arn'] },
      })
    })
  })

  describe('triggers', () => {
    it('queues each CSV created in or deleted from the raw zone, and hands the queue in batches to the Drops Lambda', () => {
      // Prepare
      const [rule] = resourceIds(json, 'AWS::Events::Rule').map((id) => json.Resources[id]!.Properties!)
      const [queue] = resourceIds(json, 'AWS::SQS::Queue').filter((id) => json.Resources[id]!.Properties!.QueueName === 'sluice-drops')
      const [pipe] = resourceIds(json, 'AWS::Pipes::Pipe').map((id) => json.Resources[id]!.Properties!)

      // Assess
      expect(rule!.EventPattern).toEqual({
        source: ['aws.s3'],
        'detail-type': ['Object Created', 'Object Deleted'],
        detail: {
          bucket: { name: [{ Ref: ids.raw }] },
          object: { key: ['.csv', '.csv.gz', '.csv.zst', '.tsv', '.tsv.gz', '.tsv.zst', '.txt', '.txt.gz', '.txt.zst'].map((suffix) => ({ suffix: { 'equals-ignore-case': suffix } })) },
        },
      })
      expect(rule!.Targets).toHaveLength(1)
      expect(JSON.stringify(rule!.Targets[0].Arn)).toContain(queue)
      expect(JSON.stringify(pipe!.Source)).toContain(queue)
      expect(refOf(pipe!.Target)).toBe(functionNamed(json, 'sluice-drops').id)
      expect(pipe!.SourceParameters).toEqual({ SqsQueueParameters: { BatchSize: 100, MaximumBatchingWindowInSeconds: 20 } })
      expect(pipe!.TargetParameters).toEqual({ LambdaFunctionParameters: { InvocationType: 'REQUEST_RESPONSE' } })
      const pipeRole = refOf(pipe!.RoleArn)
      const invoke = policyStatements(json).filter((s) => s.Action.includes('lambda:InvokeFunction') && (json.Resources[s.policy]!.Properties!.Roles as unknown[]).some((r) => refOf(r) === pipeRole))
      expect(invoke.flatMap((s) => s.Resource.map(refOf))).toContain(functionNamed(json, 'sluice-drops').id)
    })

    it('keeps drops waiting for room under the execution cap for 100 receives before parking them', () => {
      const drops = resourceIds(json, 'AWS::SQS::Queue').map((id) => json.Resources[id]!.Properties!).find((q) => q.QueueName === 'sluice-drops')!
      expect(drops.RedrivePolicy.maxReceiveCount).toBe(100)
      expect(drops.VisibilityTimeout).toBeGreaterThanOrEqual(functionNamed(json, 'sluice-drops').props.Timeout)
    })

    it('parks batches that cannot start an execution in an encrypted dead-letter queue', () => {
      const queues = resourceIds(json, 'AWS::SQS::Queue').map((id) => [id, json.Resources[id]!.Properties!] as const)
      const drops = queues.find(([, q]) => q.QueueName === 'sluice-drops')![1]
      const dlq = queues.find(([, q]) => q.QueueName === 'sluice-drops-dlq')![0]
      expect(refOf(drops.RedrivePolicy.deadLetterTargetArn)).toBe(dlq)
      for (const [, q] of queues) expect(q.SqsManagedSseEnabled).toBe(true)
    })

    it('only matches keys the planner reads as data, or keys it drops without planning anything', () => {
      for (const suffix of DROP_SUFFIXES) {
        expect(datasetOfKey(`orders/2024/a${suffix}`)).toBe('orders')
        expect(datasetOfKey(`orders/2024/a${suffix.toUpperCase()}`)).toBe('orders')
        expect(datasetOfKey(`_contracts/a${suffix}`)).toBeUndefined()
      }
    })

    it('sweeps the raw zone at 02:00 UTC every day', () => {
      synth.template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 2 * * ? *)',
        ScheduleExpressionTimezone: 'Etc/UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: { Ref: ids.stateMachine }, Input: JSON.stringify({ trigger: 'schedule' }) },
      })
    })
  })

  describe('catalog and query', () => {
    it('creates the retained Glue database', () => {
      const [db] = resourceIds(json, 'AWS::Glue::Database').map((id) => json.Resources[id]!)
      expect(db).toMatchObject({ DeletionPolicy: 'Retain', Properties: { CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: { Name: 'sluice' } } })
    })

    it('enforces the workgroup settings: results in the results bucket, SSE-S3, a 10 GB scan cutoff, engine v3', () => {
      synth.template.hasResourceProperties('AWS::Athena::WorkGroup', {
        WorkGroupConfiguration: {
          EnforceWorkGroupConfiguration: true,
          BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
          EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
          ResultConfiguration: {
            OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: ids.results }, '/athena/']] },
            EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          },
        },
      })
    })
  })

  describe('alarms', () => {
    it.each(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionThrottled'])('notifies the topic when %s is at least 1 in 5 minutes', (metric) => {
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: ids.stateMachine } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: ids.topic }],
      })
    })

    it('accepts only TLS publishes on the alarm topic and has no subscriber unless an e-mail is set', () => {
      synth.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: ids.topic }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      })
      synth.template.resourceCountIs('AWS::SNS::Subscription', 0)
    })
  })

  it('has exactly the outputs the CLI looks for', () => {
    expect(Object.keys(json.Outputs ?? {}).sort()).toEqual(Object.values(STACK_OUTPUTS).sort())
    expect(refOf(json.Outputs![STACK_OUTPUTS.database]!.Value)).toBe(resourceIds(json, 'AWS::Glue::Database')[0])
    expect(refOf(json.Outputs![STACK_OUTPUTS.workGroup]!.Value)).toBe(resourceIds(json, 'AWS::Athena::WorkGroup')[0])
  })
})

describe('the stack under other settings', () => {
  it('has no drop rule when sluice:onDrop is false, and still sweeps', () => {
    for (const onDrop of [false, 'false']) {
      const { template } = synthSluice({ 'sluice:onDrop': onDrop }, { bundle: false })
      template.resourceCountIs('AWS::Events::Rule', 0)
      template.resourceCountIs('AWS::Pipes::Pipe', 0)
      template.resourceCountIs('AWS::Scheduler::Schedule', 1)
      template.resourcePropertiesCountIs('AWS::Lambda::Function', { FunctionName: 'sluice-drops' }, 0)
    }
  })

  it('caps the executions drops start at sluice:maxRunningExecutions', () => {
    const { json } = synthSluice({ 'sluice:maxRunningExecutions': '2' }, { bundle: false })
    expect(functionNamed(json, 'sluice-drops').props.Environment.Variables.MAX_RUNNING_EXECUTIONS).toBe('2')
  })

  it('subscribes sluice:alarmEmail to the alarm topic', () => {
    const { template } = synthSluice({ 'sluice:alarmEmail': 'data-team@example.com' }, { bundle: false })
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'data-team@example.com' })
  })

  it('moves raw objects to Glacier Instant Retrieval after sluice:rawArchiveDays days', () => {
    const { json } = synthSluice({ 'sluice:rawArchiveDays': 90 }, { bundle: false })
    const raw = refOf(json.Outputs![STACK_OUTPUTS.rawBucket]!.Value)!
    expect(json.Resources[raw]!.Properties!.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }] })]),
    )
  })

  it('takes names, schedule, concurrency, retention and cutoff from context', () => {
    // Act
    const { json, template } = synthSluice(
      {
        'sluice:stackName': 'SluiceTest',
        'sluice:prefix': 'acme',
        'sluice:database': 'acme_lake',
        'sluice:schedule': 'rate(6 hours)',
        'sluice:mapConcurrency': '3',
        'sluice:athenaResultsDays': 7,
        'sluice:bytesScannedCutoff': 50_000_000,
        'sluice:splitBytes': '500000000',
      },
      { bundle: false },
    )

    // Assess
    const plan = functionNamed(json, 'acme-plan').props
    expect(plan.Environment.Variables).toMatchObject({ GLUE_DATABASE: 'acme_lake', MAX_CONCURRENCY: '3', SPLIT_BYTES: '500000000' })
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'acme_lake' } })
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'acme-etl' })
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(6 hours)' })
    template.hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'acme-wg', WorkGroupConfiguration: { BytesScannedCutoffPerQuery: 50_000_000 } })
    const results = refOf(json.Outputs![STACK_OUTPUTS.athenaResultsBucket]!.Value)!
    expect(json.Resources[results]!.Properties!.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ ExpirationInDays: 7 })])
    expect(JSON.stringify(statementsOfFunction(json, 'acme-load'))).toContain(':table/acme_lake/*')
  })
})
