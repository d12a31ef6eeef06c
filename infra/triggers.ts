import { EventField, Match, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events'
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets'
import type { IBucket } from 'aws-cdk-lib/aws-s3'
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler'
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets'
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'

export interface TriggersProps {
  /** Prefix of the rule and schedule names. */
  prefix: string
  stateMachine: IStateMachine
  raw: IBucket
  /** Scheduler expression of the sweep, evaluated in UTC. */
  schedule: string
  /** Whether a dropped CSV starts its own execution. */
  onDrop: boolean
}

/** Key endings of a dropped file that start an execution: the data files the planner reads (any case). */
export const DROP_SUFFIXES = ['.csv', '.csv.gz', '.tsv', '.tsv.gz', '.txt', '.txt.gz']

/**
 * What starts the workflow: the nightly sweep `{ "trigger": "schedule" }`, and, unless
 * `sluice:onDrop` is false, `{ "trigger": "object", "key": … }` for each CSV landing in the
 * raw zone. Each target's role may start this state machine and nothing else.
 */
export class Triggers extends Construct {
  readonly onDrop?: Rule
  readonly sweep: Schedule

  constructor(scope: Construct, id: string, props: TriggersProps) {
    super(scope, id)

    if (props.onDrop) {
      // EventBridge cannot AND a suffix with an anything-but prefix on the same field, so keys
      // under `_contracts/` or any other `_` segment that end in .csv still start an execution;
      // the planner drops such keys and the execution plans nothing and succeeds.
      this.onDrop = new Rule(this, 'OnDrop', {
        ruleName: `${props.prefix}-on-drop`,
        description: 'sluice: a CSV landed in the raw zone; load it',
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: {
            bucket: { name: [props.raw.bucketName] },
            object: { key: Match.anyOf(...DROP_SUFFIXES.map((suffix) => Match.suffixEqualsIgnoreCase(suffix))) },
          },
        },
        targets: [
          new SfnStateMachine(props.stateMachine, {
            input: RuleTargetInput.fromObject({ trigger: 'object', key: EventField.fromPath('$.detail.object.key') }),
          }),
        ],
      })
    }

    this.sweep = new Schedule(this, 'Sweep', {
      scheduleName: `${props.prefix}-sweep`,
      description: 'sluice: sweep the raw zone for files not loaded yet',
      schedule: ScheduleExpression.expression(props.schedule),
      target: new StepFunctionsStartExecution(props.stateMachine, { input: ScheduleTargetInput.fromObject({ trigger: 'schedule' }) }),
    })
  }
}
