import { ListExecutionsCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn'
import { awsStorageError } from './aws-errors'

/** Starts an execution by name; ExecutionAlreadyExists means a retry's first attempt started it. */
export function executionStarter(client: SFNClient) {
  return async (stateMachineArn: string, name: string, input: unknown): Promise<void> => {
    try {
      await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }))
    } catch (error) {
      if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return
      throw awsStorageError(`sfn: startExecution ${name}`, error)
    }
  }
}

/**
 * Counts the RUNNING executions of a state machine, reading pages of ListExecutions only until
 * `atMost` are seen: the caller asks whether a cap is reached, not for the exact number.
 */
export function runningCounter(client: SFNClient) {
  return async (stateMachineArn: string, atMost: number): Promise<number> => {
    let running = 0
    let nextToken: string | undefined
    try {
      do {
        const page = await client.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: Math.min(1000, Math.max(1, atMost)), nextToken }))
        running += page.executions?.length ?? 0
        nextToken = page.nextToken
      } while (nextToken && running < atMost)
    } catch (error) {
      throw awsStorageError(`sfn: listExecutions RUNNING of ${stateMachineArn}`, error)
    }
    return running
  }
}
