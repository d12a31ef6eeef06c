import { describe, expect, it } from 'vitest'
import { glueClient, s3Client, sfnClient } from '../../functions/adapters/aws-clients'

describe('the AWS clients of the steps', () => {
  it.each([
    ['S3', () => s3Client({ region: 'eu-west-1' })],
    ['Glue', () => glueClient({ region: 'eu-west-1' })],
    ['Step Functions', () => sfnClient({ region: 'eu-west-1' })],
  ])('%s retries throttles itself in adaptive mode, 8 attempts', async (_, make) => {
    // Prepare
    const client = make()

    // Act
    const { retryMode, maxAttempts } = client.config
    const mode = typeof retryMode === 'function' ? await retryMode() : retryMode
    const attempts = await maxAttempts()

    // Assess
    expect(mode).toBe('adaptive')
    expect(attempts).toBe(8)
    client.destroy()
  })
})
