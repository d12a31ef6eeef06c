import { describe, expect, it } from 'vitest'
import { ConfigError, intEnv, requireEnv, tableFormatEnv } from '../../functions/adapters/env-config'

describe('Lambda configuration', () => {
  it('reads a required setting from the environment', () => {
    expect(requireEnv('RAW_BUCKET', { RAW_BUCKET: 'raw-b' })).toBe('raw-b')
  })

  it('fails naming the variable that is missing or empty', () => {
    expect(() => requireEnv('CURATED_BUCKET', { RAW_BUCKET: 'raw-b' })).toThrow(ConfigError)
    expect(() => requireEnv('CURATED_BUCKET', { CURATED_BUCKET: '' })).toThrow(/environment variable CURATED_BUCKET is not set/)
  })

  it('takes whole numbers or the default, and refuses anything else', () => {
    expect(intEnv('BATCH_SIZE', 500, {})).toBe(500)
    expect(intEnv('BATCH_SIZE', 500, { BATCH_SIZE: '20' })).toBe(20)
    expect(() => intEnv('BATCH_SIZE', 500, { BATCH_SIZE: 'many' })).toThrow(/BATCH_SIZE must be a whole number/)
  })

  it('reads the lake\'s table format setting, none when unset, and refuses any other name', () => {
    expect(tableFormatEnv({})).toBeUndefined()
    expect(tableFormatEnv({ SLUICE_TABLE_FORMAT: '' })).toBeUndefined()
    expect(tableFormatEnv({ SLUICE_TABLE_FORMAT: 'hive' })).toBe('hive')
    expect(tableFormatEnv({ SLUICE_TABLE_FORMAT: 'iceberg' })).toBe('iceberg')
    expect(() => tableFormatEnv({ SLUICE_TABLE_FORMAT: 'Iceberg' })).toThrow(new ConfigError('config: SLUICE_TABLE_FORMAT must be hive or iceberg, got "Iceberg"'))
  })
})
