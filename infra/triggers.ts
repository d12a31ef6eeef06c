import { Duration, Validations } from 'aws-cdk-lib'
import { Match, Rule } from 'aws-cdk-lib/aws-events'
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets'
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda'
import { CfnPipe } from 'aws-cdk-lib/aws-pipes'
import type { IBucket } from 'aws-cdk-lib/aws-s3'
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler'
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets'
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs'
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'

export interface TriggersProps {
  /** Prefix of the rule, queue, pipe and schedule names. */
  prefix: string
  stateMachine: IStateMachine
  raw: IBucket
  /** Scheduler expression of the sweep, evaluated in UTC. */
  schedule: string
  /**
   * The Drops Lambda, which starts an execution per batch of queued drops while fewer than
   * sluice:maxRunningExecutions run; when undefined (`sluice:onDrop` false), drops start nothing.
   */
  drops?: LambdaFunction
  /** How long queued drops may wait to be taken together (the pipe's batching window). */
  batchSeconds: number
  /** Most queued drops one execution takes. */
  batchSize: number
}

/** Key endings of a dropped file that start an execution: the data files the planner reads (any case). */
export const DROP_SUFFIXES = ['.csv', '.csv.gz', '.csv.zst', '.tsv', '.tsv.gz', '.tsv.zst', '.txt', '.txt.gz', '.txt.zst']

/**
 * Receives of a queued drop before it is parked in the dead-letter queue. A batch held at the
 * execution cap counts one receive per try, every visibility timeout (2 min) at most: 100
 * receives keep a drop waiting over 3 hours for room, and the nightly sweep loads a parked one.
 */
export const DROP_MAX_RECEIVES = 100

/**
 * What starts the workflow: the nightly sweep `{ "trigger": "schedule" }`, and, unless
 * `sluice:onDrop` is false, the CSVs created in or deleted from the raw zone. Those do not
 * start an execution each: S3's events go to a queue, and an EventBridge pipe takes them in
 * batches (up to `batchSize`, waiting up to `batchSeconds`) to the Drops Lambda, which starts
 * one execution per batch, `{ "trigger": "object", "keys": [...] }`, while fewer than
 * sluice:maxRunningExecutions executions run, and otherwise leaves the batch in the queue for
 * a later try. A burst of 500 drops thus starts about 5 executions, not 500, and a burst of
 * bursts no more at once than the cap.
 */
export class Triggers extends Construct {
  readonly onDrop?: Rule
  readonly drops?: Queue
  readonly pipe?: CfnPipe
  readonly sweep: Schedule

  constructor(scope: Construct, id: string, props: TriggersProps) {
    super(scope, id)

    if (props.drops) {
      if (props.batchSize > 10 && props.batchSeconds < 1) {
        throw new Error('config: an SQS pipe batch of more than 10 messages needs a batching window of at least 1 s (sluice:dropBatchSeconds)')
      }
      const deadLetters = new Queue(this, 'DropsDeadLetters', {
        queueName: `${props.prefix}-drops-dlq`,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      })
      Validations.of(deadLetters).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This is the dead-letter queue of the drops queue.' })
      this.drops = new Queue(this, 'Drops', {
        queueName: `${props.prefix}-drops`,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        // A batch that cannot start an execution, or waits for room under the cap, is handed
        // over again by the pipe, then parked here; the nightly sweep loads those files anyway.
        deadLetterQueue: { queue: deadLetters, maxReceiveCount: DROP_MAX_RECEIVES },
        visibilityTimeout: Duration.minutes(2),
      })
      // EventBridge cannot AND a suffix with an anything-but prefix on the same field, so keys
      // under `_contracts/` or any other `_` segment that end in .csv are queued too; the planner
      // drops such keys and plans nothing for them.
      this.onDrop = new Rule(this, 'OnDrop', {
        ruleName: `${props.prefix}-on-drop`,
        description: 'sluice: a CSV landed in or left the raw zone; queue it for loading or retraction',
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created', 'Object Deleted'],
          detail: {
            bucket: { name: [props.raw.bucketName] },
            object: { key: Match.anyOf(...DROP_SUFFIXES.map((suffix) => Match.suffixEqualsIgnoreCase(suffix))) },
          },
        },
        targets: [new SqsQueue(this.drops)],
      })

      const role = new Role(this, 'PipeRole', { assumedBy: new ServicePrincipal('pipes.amazonaws.com'), description: 'sluice: the drops pipe' })
      this.drops.grantConsumeMessages(role)
      // The unqualified ARN is all the pipe invokes; grantInvoke would add `<arn>:*` too.
      role.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.drops.functionArn] }))
      this.pipe = new CfnPipe(this, 'DropsPipe', {
        name: `${props.prefix}-drops`,
        description: 'sluice: queued drops, in batches, each batch one execution while the workflow has room',
        roleArn: role.roleArn,
        source: this.drops.queueArn,
        sourceParameters: { sqsQueueParameters: { batchSize: props.batchSize, maximumBatchingWindowInSeconds: props.batchSeconds } },
        target: props.drops.functionArn,
        // Synchronous, so that the pipe reads the messages the Lambda holds (batchItemFailures).
        targetParameters: { lambdaFunctionParameters: { invocationType: 'REQUEST_RESPONSE' } },
      })

      // The Drops Lambda counts this machine's RUNNING executions and starts one of it.
      props.drops.addEnvironment('STATE_MACHINE_ARN', props.stateMachine.stateMachineArn)
      props.drops.addToRolePolicy(new PolicyStatement({ actions: ['states:ListExecutions', 'states:StartExecution'], resources: [props.stateMachine.stateMachineArn] }))
    }

    this.sweep = new Schedule(this, 'Sweep', {
      scheduleName: `${props.prefix}-sweep`,
      description: 'sluice: sweep the raw zone for files not loaded yet, and deleted ones',
      schedule: ScheduleExpression.expression(props.schedule),
      target: new StepFunctionsStartExecution(props.stateMachine, { input: ScheduleTargetInput.fromObject({ trigger: 'schedule' }) }),
    })
  }
}

