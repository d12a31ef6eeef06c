import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn'
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
