import { afterAll, describe, expect, it } from 'vitest'
import { StackConfigError } from '../../infra/stack-config'
import { removeSyntheses, synthSluice, type TemplateJson } from '../support/infra-synth'

afterAll(removeSyntheses)

/** SLUICE_TABLE_FORMAT of every function that sets it, by function name. */
const tableFormats = (json: TemplateJson) =>
  Object.fromEntries(
    Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment?.Variables?.SLUICE_TABLE_FORMAT !== undefined)
      .map((r) => [r.Properties!.FunctionName, r.Properties!.Environment.Variables.SLUICE_TABLE_FORMAT]),
  )

describe('the lake\'s table format on AWS', () => {
  it('gives Plan, Transform, Load and Compact the table format of sluice:tableFormat, and none when unset (the lake\'s tables decide)', () => {
    // Act
    const defaults = synthSluice({}, { bundle: false }).json
    const hive = synthSluice({ 'sluice:tableFormat': 'hive' }, { bundle: false }).json
    const iceberg = synthSluice({ 'sluice:tableFormat': 'iceberg' }, { bundle: false }).json

    // Assess
    expect(tableFormats(defaults)).toEqual({})
    expect(tableFormats(hive)).toEqual({ 'sluice-plan': 'hive', 'sluice-transform': 'hive', 'sluice-load': 'hive', 'sluice-compact': 'hive' })
    expect(tableFormats(iceberg)).toEqual({ 'sluice-plan': 'iceberg', 'sluice-transform': 'iceberg', 'sluice-load': 'iceberg', 'sluice-compact': 'iceberg' })
  })

  it('fails synthesis on a table format other than hive or iceberg, naming the setting', () => {
    for (const value of ['delta', 'Iceberg', true]) {
      expect(() => synthSluice({ 'sluice:tableFormat': value }, { bundle: false }), String(value)).toThrow(
        new StackConfigError(`config: context sluice:tableFormat must be hive or iceberg, got ${JSON.stringify(value)}`),
      )
    }
  })

  it('gives Load the snapshot retention of sluice:snapshotRetentionHours, 24 h by default, and refuses one under an hour', () => {
    const retention = (json: TemplateJson) =>
      Object.values(json.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === 'sluice-load')!.Properties!.Environment.Variables.SNAPSHOT_RETENTION_HOURS
    expect(retention(synthSluice({}, { bundle: false }).json)).toBe('24')
    expect(retention(synthSluice({ 'sluice:snapshotRetentionHours': '48' }, { bundle: false }).json)).toBe('48')
    expect(() => synthSluice({ 'sluice:snapshotRetentionHours': 0 }, { bundle: false })).toThrow(StackConfigError)
  })
})
