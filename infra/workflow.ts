import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib'
import { PolicyStatement } from 'aws-cdk-lib/aws-iam'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import type { Zones } from './zones'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'
import { tasksWithoutRetrier } from './retry-policy'

export interface WorkflowProps {
  /** Prefix of the state machine's name. */
  prefix: string
  plan: IFunction
  transform: IFunction
  load: IFunction
  compact: IFunction
  handOff: IFunction
  site: IFunction
  /** The Distributed Map reads each batch from, and writes its results to, the curated zone. */
  zones: Pick<Zones, 'bindMapRun'>
}

/** The one definition, also run locally by `sluice run`; resolved from this file, not the cwd. */
export const DEFINITION_PATH = fileURLToPath(new URL('../statemachine/etl.asl.json', import.meta.url))

/**
 * The ETL state machine: statemachine/etl.asl.json as it is, with its `${…FunctionArn}`
 * placeholders filled in by CloudFormation from `definitionSubstitutions`.
 */
export class Workflow extends Construct {
  readonly stateMachine: StateMachine

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id)
    // A Task without the throttle retrier would record a file as failed on the first throttle.
    const unguarded = tasksWithoutRetrier(JSON.parse(readFileSync(DEFINITION_PATH, 'utf8')) as object)
    if (unguarded.length > 0) throw new Error(`statemachine: Task(s) ${unguarded.join(', ')} of ${DEFINITION_PATH} lack the throttle retrier of infra/retry-policy.ts`)
    const functions = [props.plan, props.transform, props.load, props.compact, props.handOff, props.site]
    const stateMachineName = `${props.prefix}-etl`
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(DEFINITION_PATH),
      definitionSubstitutions: {
        PlanFunctionArn: props.plan.functionArn,
        TransformFunctionArn: props.transform.functionArn,
        LoadFunctionArn: props.load.functionArn,
        CompactFunctionArn: props.compact.functionArn,
        HandOffFunctionArn: props.handOff.functionArn,
        SiteFunctionArn: props.site.functionArn,
      },
      logs: {
        // Resource policies of CloudWatch Logs stay small under the vended-logs path.
        destination: new LogGroup(this, 'Logs', {
          logGroupName: `/aws/vendedlogs/states/${props.prefix}-etl`,
          retention: RetentionDays.THREE_MONTHS,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: LogLevel.ERROR,
        // Execution data holds raw keys and failure causes; the run reports keep those.
        includeExecutionData: false,
      },
      tracingEnabled: true,
    })
    // The Task states name the function ARNs themselves (no lambda:invoke integration), so the
    // unqualified ARNs are all the role needs, not `<arn>:*`.
    this.stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: functions.map((f) => f.functionArn) }))

    // The Distributed Map starts its child executions as executions of this state machine, and
    // describes and stops them; its ItemReader and ResultWriter work under _batches/.
    const selfArnForMap = Stack.of(this).formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })
    const childExecutions = Stack.of(this).formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachineName}/*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })
    this.stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [selfArnForMap] }))
    this.stateMachine.addToRolePolicy(new PolicyStatement({ actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [childExecutions] }))
    props.zones.bindMapRun(this.stateMachine.role)
    Validations.of(this.stateMachine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${stateMachineName}/*]`,
      reason: 'The Distributed Map describes and stops its own child executions, whose names it makes: they are known only as executions of this state machine.',
    })

    // HandOff starts a successor of this state machine. Its ARN is built from the fixed name:
    // the machine's own ARN token would make the function depend on the machine that invokes it.
    const selfArn = Stack.of(this).formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })
    props.handOff.addToRolePolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [selfArn] }))

    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The only "*" resource is for X-Ray trace writes and CloudWatch Logs log-delivery setup, which CDK adds for tracing and logging: those actions take no resource-level permissions and reach no data.',
    })
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-SF1',
      reason:
        'Logging is at ERROR, not ALL: an execution of 250,000 files makes about 10,500 events, and its Map runs a child execution per batch of files, and ALL would log each; failures are what the alarms and the run reports need, and execution history keeps the rest for 90 days.',
    })
  }
}
