import { describe, expect, it } from 'vitest'
import { ConfigError, intEnv, lakeConfigFromEnv } from '../../functions/adapters/env-config'

describe('Lambda configuration', () => {
  it('reads the lake settings from the environment', () => {
    const env = { RAW_BUCKET: 'raw-b', CURATED_BUCKET: 'cur-b', GLUE_DATABASE: 'lake' }
    expect(lakeConfigFromEnv(env)).toEqual({ rawBucket: 'raw-b', curatedBucket: 'cur-b', database: 'lake' })
  })

  it('fails naming the variable that is missing', () => {
    expect(() => lakeConfigFromEnv({ RAW_BUCKET: 'raw-b', GLUE_DATABASE: 'lake' })).toThrow(ConfigError)
    expect(() => lakeConfigFromEnv({ RAW_BUCKET: 'raw-b', GLUE_DATABASE: 'lake' })).toThrow(/CURATED_BUCKET/)
  })

  it('takes whole numbers or the default, and refuses anything else', () => {
    expect(intEnv('BATCH_SIZE', 500, {})).toBe(500)
    expect(intEnv('BATCH_SIZE', 500, { BATCH_SIZE: '20' })).toBe(20)
    expect(() => intEnv('BATCH_SIZE', 500, { BATCH_SIZE: 'many' })).toThrow(/BATCH_SIZE must be a whole number/)
  })
})
