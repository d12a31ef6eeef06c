import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { App } from 'aws-cdk-lib'
import { DEFAULT_STACK_CONFIG, readStackConfig, StackConfigError } from '../../infra/stack-config'
import { CDK_JSON } from '../support/infra-synth'

const configOf = (context: Record<string, unknown>) => readStackConfig(new App({ context }).node)

describe('stack settings from CDK context', () => {
  it('takes the defaults when nothing is set', () => {
    expect(configOf({})).toEqual({ ...DEFAULT_STACK_CONFIG, alarmEmail: undefined, rawArchiveDays: undefined, transformReservedConcurrency: undefined })
  })

  it('documents every setting in cdk.json with its default value', () => {
    // Prepare
    const { context } = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> }
    const settings = Object.fromEntries(Object.entries(context).filter(([key]) => key.startsWith('sluice:')))

    // Assess
    expect(configOf(settings)).toEqual(configOf({}))
    expect(Object.keys(settings).sort()).toEqual(
      ['stackName', 'prefix', 'schedule', 'onDrop', 'onDelete', 'dropBatchSeconds', 'dropBatchSize', 'maxRunningExecutions', 'mapConcurrency', 'alarmEmail', 'database', 'adoptDatabase', 'athenaResultsDays', 'rawArchiveDays', 'bytesScannedCutoff', 'transformReservedConcurrency', 'rejectRateAlarm', 'splitBytes', 'siteStaleAfterHours', 'tableFormat', 'snapshotRetentionHours']
        .map((k) => `sluice:${k}`)
        .sort(),
    )
  })

  it('reads values given with -c, which arrive as strings', () => {
    const config = configOf({ 'sluice:onDrop': 'false', 'sluice:mapConcurrency': '16', 'sluice:rawArchiveDays': '365', 'sluice:alarmEmail': 'ops@example.com' })
    expect(config).toMatchObject({ onDrop: false, mapConcurrency: 16, rawArchiveDays: 365, alarmEmail: 'ops@example.com' })
  })

  it('reads the Transform reserved concurrency and the reject-rate alarm threshold, or none for no reservation', () => {
    expect(configOf({ 'sluice:transformReservedConcurrency': '50', 'sluice:rejectRateAlarm': '0.002' })).toMatchObject({ transformReservedConcurrency: 50, rejectRateAlarm: 0.002 })
    expect(configOf({ 'sluice:transformReservedConcurrency': 'none' }).transformReservedConcurrency).toBeUndefined()
  })

  it('lets drops start executions while fewer than 4 run, or as many as sluice:maxRunningExecutions says', () => {
    expect(configOf({}).maxRunningExecutions).toBe(4)
    expect(configOf({ 'sluice:maxRunningExecutions': '12' }).maxRunningExecutions).toBe(12)
  })

  it('reserves no Transform concurrency by default, so that the stack deploys on an account with a limit of 10', () => {
    expect(configOf({}).transformReservedConcurrency).toBeUndefined()
  })

  it('takes a map concurrency of 0, no limit, with any reservation', () => {
    expect(configOf({ 'sluice:mapConcurrency': 0 }).mapConcurrency).toBe(0)
    expect(configOf({ 'sluice:mapConcurrency': '0', 'sluice:transformReservedConcurrency': 4 })).toMatchObject({ mapConcurrency: 0, transformReservedConcurrency: 4 })
    expect(configOf({ 'sluice:mapConcurrency': 10_000 }).mapConcurrency).toBe(10_000)
  })

  it('keeps the status site private and without record text unless sluice:sitePublic and sluice:siteRecordText say true', () => {
    expect(configOf({})).not.toHaveProperty('sitePublic')
    expect(configOf({})).not.toHaveProperty('siteRecordText')
    expect(configOf({ 'sluice:sitePublic': 'false', 'sluice:siteRecordText': false })).not.toHaveProperty('sitePublic')
    expect(configOf({ 'sluice:sitePublic': 'true', 'sluice:siteRecordText': true })).toMatchObject({ sitePublic: true, siteRecordText: true })
    expect(() => configOf({ 'sluice:sitePublic': 'yes' })).toThrow(/sluice:sitePublic must be true or false/)
  })

  it('reads the split size of large files, 0 to never split', () => {
    expect(configOf({}).splitBytes).toBe(2 * 1024 ** 3)
    expect(configOf({ 'sluice:splitBytes': '500000000' }).splitBytes).toBe(500_000_000)
    expect(configOf({ 'sluice:splitBytes': 0 }).splitBytes).toBe(0)
  })

  it.each([
    ['sluice:splitBytes', '2GB', /sluice:splitBytes must be a whole number/],
    ['sluice:onDrop', 'yes', /sluice:onDrop must be true or false, got "yes"/],
    ['sluice:mapConcurrency', -1, /sluice:mapConcurrency must be a whole number from 0 to 10000, got -1/],
    ['sluice:mapConcurrency', 10_001, /sluice:mapConcurrency must be a whole number from 0 to 10000, got 10001/],
    ['sluice:mapConcurrency', '2.5', /sluice:mapConcurrency must be a whole number/],
    ['sluice:transformReservedConcurrency', 0, /sluice:transformReservedConcurrency must be a whole number from 1 to 10000, got 0/],
    ['sluice:database', 'My-Lake', /sluice:database must be lower-case letters, digits or _/],
    ['sluice:schedule', '0 2 * * *', /sluice:schedule must be an EventBridge Scheduler expression/],
    ['sluice:alarmEmail', 'ops', /sluice:alarmEmail must be an e-mail address/],
    ['sluice:bytesScannedCutoff', 1000, /sluice:bytesScannedCutoff must be a whole number from 10000000/],
    ['sluice:prefix', 'Sluice_Prod', /sluice:prefix must be lower-case letters/],
    ['sluice:stackName', '1stack', /sluice:stackName must be a letter/],
    ['sluice:onDelete', 'archive', /sluice:onDelete must be retract or keep, got "archive"/],
    ['sluice:dropBatchSize', 500, /sluice:dropBatchSize must be a whole number from 1 to 100/],
    ['sluice:maxRunningExecutions', 0, /sluice:maxRunningExecutions must be a whole number from 1 to 1000, got 0/],
    ['sluice:maxRunningExecutions', '2.5', /sluice:maxRunningExecutions must be a whole number from 1 to 1000, got "2.5"/],
    ['sluice:transformReservedConcurrency', 4, /sluice:transformReservedConcurrency must be none, or at least sluice:mapConcurrency \(50\), got 4/],
    ['sluice:rejectRateAlarm', '5%', /sluice:rejectRateAlarm must be a fraction above 0 and at most 1/],
    ['sluice:rejectRateAlarm', 0, /sluice:rejectRateAlarm must be a fraction/],
  ])('refuses %s = %j, naming the key and the value', (key, value, message) => {
    expect(() => configOf({ [key]: value })).toThrow(StackConfigError)
    expect(() => configOf({ [key]: value })).toThrow(message)
  })
})
