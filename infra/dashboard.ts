import { Duration } from 'aws-cdk-lib'
import { Dashboard, GraphWidget, MathExpression, TextWidget, type IMetric } from 'aws-cdk-lib/aws-cloudwatch'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'
import { DATASET_DIMENSION, METRIC, METRICS_NAMESPACE, type MetricName } from '../functions/adapters/metric-names'
import { serviceMetric } from './alarms'

export interface DashboardProps {
  prefix: string
  stateMachine: StateMachine
  functions: IFunction[]
}

const PERIOD = Duration.minutes(5)

/**
 * One line per dataset: a SEARCH over the `service, dataset` dimension set, so a new dataset
 * appears without a redeploy.
 */
function perDataset(prefix: string, name: MetricName, statistic = 'Sum'): IMetric {
  return new MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},${DATASET_DIMENSION},service} MetricName="${name}" service="${prefix}"', '${statistic}', ${PERIOD.toSeconds()})`,
    usingMetrics: {},
    label: '',
    period: PERIOD,
  })
}

/** The CloudWatch dashboard `<prefix>-operations`: the custom metrics per dataset, the workflow and the Lambdas. */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id)
    const { prefix, stateMachine: sm } = props
    const graph = (title: string, left: IMetric[], right: IMetric[] = []) => new GraphWidget({ title, left, right, width: 8, height: 6 })
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${prefix}-operations`, defaultInterval: Duration.days(1) })
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `## sluice (${prefix})\nCustom metrics (namespace \`${METRICS_NAMESPACE}\`) per dataset, in 5-minute sums. Alarms go to the \`${prefix}-alarms\` topic.`,
        width: 24,
        height: 2,
      }),
    )
    this.dashboard.addWidgets(
      graph('Files loaded per dataset', [perDataset(prefix, METRIC.filesLoaded)]),
      graph('Files failed and quarantined per dataset', [perDataset(prefix, METRIC.filesFailed), perDataset(prefix, METRIC.filesQuarantined)]),
      graph('Backlog (files waiting when Plan ran)', [serviceMetric(prefix, METRIC.backlog, 'Maximum')]),
    )
    this.dashboard.addWidgets(
      graph('Rows loaded per dataset', [perDataset(prefix, METRIC.rowsLoaded)]),
      graph('Rows rejected, and values sent to __string variants, per dataset', [perDataset(prefix, METRIC.rowsRejected), perDataset(prefix, METRIC.variantValues)]),
      graph('Raw bytes loaded per dataset', [perDataset(prefix, METRIC.bytesIn)]),
    )
    this.dashboard.addWidgets(
      graph('Transform seconds per file (p50, max)', [perDataset(prefix, METRIC.transformSeconds, 'p50'), perDataset(prefix, METRIC.transformSeconds, 'Maximum')]),
      graph('Executions', [sm.metricSucceeded({ period: PERIOD }), sm.metricFailed({ period: PERIOD }), sm.metricTimedOut({ period: PERIOD })]),
      graph('Lambda errors and throttles', props.functions.flatMap((fn) => [fn.metricErrors({ period: PERIOD }), fn.metricThrottles({ period: PERIOD })])),
    )
  }
}
