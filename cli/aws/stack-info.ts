import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation'
import { STACK_OUTPUTS } from '../../functions/core/lake/stack-outputs'
import type { OpsClients } from './aws-clients'
import { OpsError, explainAwsError } from './ops-errors'

/** What the ops commands need to know about a deployed sluice stack. */
export interface StackInfo {
  stateMachineArn: string
  curatedBucket: string
  database: string
  workGroup: string
  /** Only `aws status` needs it (the raw files pending); older stacks may lack the output. */
  rawBucket?: string
}

export type StackOverrides = Partial<StackInfo> & { stack: string }

/**
 * Finds the deployed stack's resources from its CloudFormation outputs. Every value can be
 * given as a flag instead; with all four given, CloudFormation is not asked.
 */
export async function findStack(clients: OpsClients, overrides: StackOverrides): Promise<StackInfo> {
  const given = (k: keyof StackInfo) => overrides[k]
  if (given('stateMachineArn') && given('curatedBucket') && given('database') && given('workGroup')) {
    return overrides as StackInfo
  }
  let outputs: Record<string, string>
  try {
    const { Stacks } = await clients.cfn.send(new DescribeStacksCommand({ StackName: overrides.stack }))
    outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']))
  } catch (e) {
    if ((e as Error).name === 'ValidationError' && /does not exist/.test((e as Error).message)) {
      throw new OpsError(`aws: stack ${overrides.stack} was not found in this account and region; deploy it with npx cdk deploy, pass --stack <name>, or check AWS_REGION`)
    }
    throw explainAwsError(e, `reading stack ${overrides.stack}`)
  }
  const pick = (key: keyof StackInfo, output: string) => {
    const value = overrides[key] ?? outputs[output]
    if (!value) throw new OpsError(`aws: stack ${overrides.stack} has no output ${output}; is it a sluice stack?`)
    return value
  }
  return {
    stateMachineArn: pick('stateMachineArn', STACK_OUTPUTS.stateMachine),
    curatedBucket: pick('curatedBucket', STACK_OUTPUTS.curatedBucket),
    database: pick('database', STACK_OUTPUTS.database),
    workGroup: pick('workGroup', STACK_OUTPUTS.workGroup),
    ...((overrides.rawBucket ?? outputs[STACK_OUTPUTS.rawBucket]) ? { rawBucket: overrides.rawBucket ?? outputs[STACK_OUTPUTS.rawBucket] } : {}),
  }
}
