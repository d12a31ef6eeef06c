import { sfnClient } from '../adapters/aws-clients'
import { s3Zone } from '../adapters/aws-lake'
import { executionStarter } from '../adapters/sfn-executions'
import { InvalidInputError } from '../core/errors'
import { logger } from '../adapters/logger'
import { config } from './config'
import { handOffStep, type HandOffEvent } from './handoff-step'

const deps = { curated: s3Zone(config.curatedBucket), startExecution: executionStarter(sfnClient()) }

/** HandOff Lambda: a run at its file cap starts its successor for the files still pending. */
export async function handler(event: HandOffEvent): Promise<{ successor: string; pending: number }> {
  if (typeof event?.runId !== 'string' || typeof event.stateMachineArn !== 'string' || typeof event.pending !== 'number') {
    throw new InvalidInputError(`handoff: expected { runId, input, pending, stateMachineArn }, got ${JSON.stringify(event)?.slice(0, 200)}`)
  }
  logger.appendKeys({ runId: event.runId })
  const handed = await handOffStep(deps, event)
  logger.info('handed off', handed)
  return handed
}
