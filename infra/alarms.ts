import { Duration, Stack, Validations } from 'aws-cdk-lib'
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch'
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions'
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import { Topic } from 'aws-cdk-lib/aws-sns'
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions'
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'
import { METRIC, METRICS_NAMESPACE, type MetricName } from '../functions/adapters/metric-names'

export interface AlarmsProps {
  /** Prefix of the topic and alarm names; the `service` dimension of the custom metrics. */
  prefix: string
  stateMachine: StateMachine
  /** Subscribed to the topic when given (the address must confirm the subscription). */
  email?: string
  /** Fraction of rows rejected in 5 minutes above which the reject-rate alarm fires. */
  rejectRate: number
}

const PERIOD = Duration.minutes(5)

/** A custom metric of the step Lambdas summed over every dataset (the `service` dimension only). */
export function serviceMetric(prefix: string, name: MetricName, statistic = 'Sum'): Metric {
  return new Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap: { service: prefix }, period: PERIOD, statistic })
}

/**
 * Alarms, any one in 5 minutes, notifying one SNS topic: executions that failed (the
 * FilesFailed state), timed out or were throttled; files that failed; and a reject rate above
 * the setting, which catches rejects that stay under each file's threshold.
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
    // The TLS-only statement replaces SNS's default policy, so CloudWatch must be let in
    // explicitly, and only for this account's alarms of this stack (the confused-deputy guard
    // AWS recommends for service principals).
    const { account, region, partition } = Stack.of(this)
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:${props.prefix}-*` },
        },
      }),
    )
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email))

    const sm = props.stateMachine
    const rejected = serviceMetric(props.prefix, METRIC.rowsRejected)
    const rowsIn = serviceMetric(props.prefix, METRIC.rowsIn)
    const watched: [string, string, IMetric, number][] = [
      ['ExecutionsFailed', 'an execution failed (a file failed, see its run report)', sm.metricFailed({ period: PERIOD, statistic: 'Sum' }), 1],
      ['ExecutionsTimedOut', 'an execution timed out', sm.metricTimedOut({ period: PERIOD, statistic: 'Sum' }), 1],
      ['ExecutionThrottled', 'Step Functions throttled the workflow', sm.metricThrottled({ period: PERIOD, statistic: 'Sum' }), 1],
      ['FilesFailed', 'a file failed to load (the FilesFailed metric names its dataset)', serviceMetric(props.prefix, METRIC.filesFailed), 1],
      [
        'RejectRate',
        `more than ${props.rejectRate * 100}% of the rows loaded in 5 minutes were rejected (see the <dataset>__rejects tables)`,
        new MathExpression({ expression: 'IF(rowsIn > 0, rejected / rowsIn, 0)', usingMetrics: { rejected, rowsIn }, period: PERIOD, label: 'rejected / rows in' }),
        props.rejectRate,
      ],
    ]
    this.alarms = watched.map(([name, what, metric, threshold]) => {
      const alarm = new Alarm(this, name, {
        alarmName: `${props.prefix}-${name}`,
        alarmDescription: `sluice: ${what}`,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: name === 'RejectRate' ? ComparisonOperator.GREATER_THAN_THRESHOLD : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No executions means no datapoints, which is not a problem.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      })
      alarm.addAlarmAction(new SnsAction(this.topic))
      return alarm
    })
  }
}
