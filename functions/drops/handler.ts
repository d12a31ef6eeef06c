import { sfnClient } from '../adapters/aws-clients'
import { logger } from '../adapters/logger'
import { executionStarter, runningCounter } from '../adapters/sfn-executions'
import { InvalidInputError } from '../core/errors'
import type { QueuedDrop } from '../core/lake/drop-admission'
import { config } from './config'
import { dropsStep, type DropsResult } from './drops-step'

const client = sfnClient()
const deps = { ...config, countRunning: runningCounter(client), startExecution: executionStarter(client) }

/**
 * Drops Lambda, the target of the drops pipe: a batch of queued S3 events starts one execution,
 * or waits in the queue while sluice:maxRunningExecutions executions run.
 */
export async function handler(event: QueuedDrop[]): Promise<DropsResult> {
  if (!Array.isArray(event) || !event.every((m) => typeof m?.messageId === 'string')) {
    throw new InvalidInputError(`drops: expected a batch of SQS messages, got ${JSON.stringify(event)?.slice(0, 200)}`)
  }
  const { batchItemFailures, started, keys, unreadable } = await dropsStep(deps, event)
  if (unreadable.length > 0) logger.warn('queued messages name no S3 object key; dropped', { unreadable })
  if (started) logger.info('started', { execution: started, keys, messages: event.length })
  else if (batchItemFailures.length > 0) logger.info('held: the workflow runs its most executions', { messages: batchItemFailures.length, maxRunningExecutions: config.maxRunningExecutions })
  return { batchItemFailures }
}
