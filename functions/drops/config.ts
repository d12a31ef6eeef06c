import { intEnv, requireEnv } from '../adapters/env-config'
import { DEFAULT_MAX_RUNNING_EXECUTIONS } from '../core/lake/drop-admission'

/** Read once at load: a missing variable fails the cold start, naming it. */
export const config = {
  stateMachineArn: requireEnv('STATE_MACHINE_ARN'),
  maxRunningExecutions: intEnv('MAX_RUNNING_EXECUTIONS', DEFAULT_MAX_RUNNING_EXECUTIONS),
}
