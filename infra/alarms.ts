import { Duration, Validations } from 'aws-cdk-lib'
import { Alarm, ComparisonOperator, TreatMissingData, type Metric } from 'aws-cdk-lib/aws-cloudwatch'
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions'
import { Topic } from 'aws-cdk-lib/aws-sns'
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions'
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'

export interface AlarmsProps {
  /** Prefix of the topic and alarm names. */
  prefix: string
  stateMachine: StateMachine
  /** Subscribed to the topic when given (the address must confirm the subscription). */
  email?: string
}

const PERIOD = Duration.minutes(5)

/**
 * Alarms on executions that failed (a file failed: the FilesFailed state), timed out or were
 * throttled, any one in 5 minutes, notifying one SNS topic.
 */
export class Alarms extends Construct {
  readonly topic: Topic
  readonly alarms: Alarm[]

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id)
    this.topic = new Topic(this, 'Topic', { topicName: `${props.prefix}-alarms`, displayName: 'sluice alarms', enforceSSL: true })
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Notifications carry alarm names and states only, no lake data. CloudWatch alarms cannot publish to a topic under the AWS-managed alias/aws/sns key, and a customer-managed key would add cost and a key policy for no confidentiality gain.',
    })
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email))

    const sm = props.stateMachine
    const watched: [string, string, Metric][] = [
      ['ExecutionsFailed', 'an execution failed (a file failed, see its run report)', sm.metricFailed({ period: PERIOD, statistic: 'Sum' })],
      ['ExecutionsTimedOut', 'an execution timed out', sm.metricTimedOut({ period: PERIOD, statistic: 'Sum' })],
      ['ExecutionThrottled', 'Step Functions throttled the workflow', sm.metricThrottled({ period: PERIOD, statistic: 'Sum' })],
    ]
    this.alarms = watched.map(([metric, what, m]) => {
      const alarm = new Alarm(this, metric, {
        alarmName: `${props.prefix}-${metric}`,
        alarmDescription: `sluice: ${what}`,
        metric: m,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No executions means no datapoints, which is not a problem.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      })
      alarm.addAlarmAction(new SnsAction(this.topic))
      return alarm
    })
  }
}
