import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Match } from 'aws-cdk-lib/assertions'
import { STACK_OUTPUTS } from '../../functions/core/lake/stack-outputs'
import { refOf, removeSyntheses, synthSluice, type SynthesizedSluice, type TemplateJson } from '../support/infra-synth'

const STEPS = ['plan', 'transform', 'load']

function functionNamed(json: TemplateJson, name: string): Record<string, any> {
  const found = Object.values(json.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === name)
  if (!found) throw new Error(`no function ${name}`)
  return found.Properties!
}

function alarmNamed(json: TemplateJson, name: string): Record<string, any> {
  const found = Object.values(json.Resources).find((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties?.AlarmName === name)
  if (!found) throw new Error(`no alarm ${name}`)
  return found.Properties!
}

afterAll(removeSyntheses)

describe('observability of the synthesized stack', () => {
  let synth: SynthesizedSluice
  let topic: string

  beforeAll(() => {
    synth = synthSluice({}, { bundle: false })
    topic = refOf(synth.json.Outputs![STACK_OUTPUTS.alarmTopic]!.Value)!
  })

  it('lets CloudWatch alarms of this account and stack publish to the alarm topic, and still denies publishes without TLS', () => {
    synth.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'AllowCloudWatchAlarmsToPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topic },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:sluice-*']],
                },
              },
            },
          },
        ]),
      },
    })
  })

  it('names every alarm under the prefix the topic policy admits', () => {
    const names = Object.values(synth.json.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => r.Properties!.AlarmName as string)
    expect(names.sort()).toEqual(['sluice-ExecutionThrottled', 'sluice-ExecutionsFailed', 'sluice-ExecutionsTimedOut', 'sluice-FilesFailed', 'sluice-RejectRate'])
  })

  it('alarms on a reject rate above sluice:rejectRateAlarm, from the rows metrics summed over datasets', () => {
    // Prepare
    const alarm = alarmNamed(synth.json, 'sluice-RejectRate')
    const byId = Object.fromEntries((alarm.Metrics as { Id: string }[]).map((m) => [m.Id, m])) as Record<string, any>

    // Assess
    expect(alarm).toMatchObject({ Threshold: 0.01, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching', AlarmActions: [{ Ref: topic }] })
    expect(byId['expr_1']).toMatchObject({ Expression: 'IF(rowsIn > 0, rejected / rowsIn, 0)', ReturnData: true })
    for (const [id, name] of [['rejected', 'RowsRejected'], ['rowsIn', 'RowsIn']]) {
      expect(byId[id!]).toMatchObject({
        ReturnData: false,
        MetricStat: { Metric: { Namespace: 'sluice', MetricName: name, Dimensions: [{ Name: 'service', Value: 'sluice' }] }, Period: 300, Stat: 'Sum' },
      })
    }
    expect(alarmNamed(synthSluice({ 'sluice:rejectRateAlarm': '0.05' }, { bundle: false }).json, 'sluice-RejectRate').Threshold).toBe(0.05)
  })

  it('alarms on any failed file', () => {
    expect(alarmNamed(synth.json, 'sluice-FilesFailed')).toMatchObject({
      Namespace: 'sluice',
      MetricName: 'FilesFailed',
      Dimensions: [{ Name: 'service', Value: 'sluice' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topic }],
    })
  })

  it.each(STEPS)('traces the %s Lambda with X-Ray and names its metrics service', (step) => {
    const fn = functionNamed(synth.json, `sluice-${step}`)
    expect(fn['TracingConfig']).toEqual({ Mode: 'Active' })
    expect(fn['Environment'].Variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'sluice', POWERTOOLS_METRICS_NAMESPACE: 'sluice' })
  })

  it('reserves no concurrency by default, so that the stack deploys on a new account', () => {
    const reservations = Object.values(synth.json.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.['ReservedConcurrentExecutions'] !== undefined)
    expect(reservations).toEqual([])
  })

  it('reserves concurrency for Transform only, as sluice:transformReservedConcurrency says', () => {
    const reserved = synthSluice({ 'sluice:transformReservedConcurrency': '50' }, { bundle: false }).json
    expect(functionNamed(reserved, 'sluice-transform')['ReservedConcurrentExecutions']).toBe(50)
    expect(functionNamed(reserved, 'sluice-plan')['ReservedConcurrentExecutions']).toBeUndefined()
    expect(functionNamed(synthSluice({ 'sluice:transformReservedConcurrency': 'none' }, { bundle: false }).json, 'sluice-transform')['ReservedConcurrentExecutions']).toBeUndefined()
  })

  it('has a dashboard of the custom metrics per dataset', () => {
    const [dashboard] = Object.values(synth.json.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard')
    expect(dashboard!.Properties!.DashboardName).toBe('sluice-operations')
    const body = JSON.stringify(dashboard!.Properties!.DashboardBody)
    for (const name of ['FilesLoaded', 'FilesFailed', 'FilesQuarantined', 'RowsLoaded', 'RowsRejected', 'VariantValues', 'BytesIn', 'TransformSeconds', 'Backlog']) expect(body).toContain(name)
    expect(body).toContain(`SEARCH('{sluice,dataset,service} MetricName=\\\\\\"RowsLoaded\\\\\\" service=\\\\\\"sluice\\\\\\"'`)
  })
})
