import { Command, InvalidArgumentError } from 'commander'
import { DEFAULT_STACK_NAME } from '../functions/core/lake/stack-outputs'
import { opsClients, type OpsClients } from './aws/aws-clients'
import { athenaQuery } from './aws/athena-query'
import { listExecutions, readRunReport, startExecution, waitForExecution } from './aws/executions'
import { awsLakeStatus } from './aws/lake-status'
import { findStack, type StackInfo, type StackOverrides } from './aws/stack-info'
import { datasetArgument, formatStatus, needsAttention } from './lake-ops-command'
import { formatTable } from './format-table'
import { formatRunSummary } from './run-summary'

interface AwsFlags {
  stack: string
  region?: string
  stateMachineArn?: string
  curatedBucket?: string
  database?: string
  workGroup?: string
  json?: boolean
}

const POLL_MS = 2000

function withStackOptions(command: Command): Command {
  return command
    .option('--stack <name>', 'the deployed sluice stack, found by its CloudFormation outputs', DEFAULT_STACK_NAME)
    .option('--region <region>', 'AWS region (default: AWS_REGION or the profile\'s)')
    .option('--state-machine-arn <arn>', 'instead of the stack output')
    .option('--curated-bucket <bucket>', 'instead of the stack output')
    .option('--database <name>', 'Glue database, instead of the stack output')
    .option('--work-group <name>', 'Athena workgroup, instead of the stack output')
}

const overrides = (f: AwsFlags): StackOverrides => ({
  stack: f.stack, stateMachineArn: f.stateMachineArn, curatedBucket: f.curatedBucket, database: f.database, workGroup: f.workGroup,
})

/** Starts an execution and, with `wait`, follows it and prints its run report. */
async function startAndFollow(clients: OpsClients, stack: StackInfo, what: string | { reprocess: string } | undefined, f: { wait?: boolean; all?: boolean; json?: boolean }): Promise<void> {
  const started = await startExecution(clients, stack, what)
  if (!f.wait) {
    process.stdout.write(f.json ? `${JSON.stringify(started)}\n` : `started ${started.name}\n  ${started.executionArn}\n`)
    return
  }
  process.stderr.write(`started ${started.name}\n`)
  const t0 = Date.now()
  const final = await waitForExecution(clients, stack, started, {
    intervalMs: POLL_MS,
    onPoll: (state, report) => {
      if (!process.stderr.isTTY) return
      const files = report ? `, ${report.totals.files} file(s) reported` : ''
      process.stderr.write(`\r\x1b[2K${state.status} ${Math.round((Date.now() - t0) / 1000)} s${files}`)
    },
  })
  if (process.stderr.isTTY) process.stderr.write('\n')
  const report = await readRunReport(clients, stack, final.name)
  if (f.json) process.stdout.write(`${JSON.stringify({ execution: final, report })}\n`)
  else process.stdout.write(report ? formatRunSummary(report, { all: f.all }) : `${final.name}: ${final.status}, no files to process\n`)
  if (final.status !== 'SUCCEEDED') {
    process.stderr.write(`sluice: execution ${final.name} ${final.status}: ${final.error ?? ''}${final.cause ? `: ${final.cause}` : ''}\n`)
    process.exitCode = 1
  }
}

/** `sluice aws …`: operate the deployed workflow. */
export function awsCommand(): Command {
  const aws = new Command('aws')
    .description('Operate sluice deployed on AWS (npx cdk deploy): start runs, list them, see the lake\'s status, reprocess a dataset, query with Athena.')
    .addHelpText('after', `
Examples:
  npx sluice aws start --wait
  npx sluice aws status
  npx sluice aws reprocess orders --wait
  npx sluice aws runs --limit 5
  npx sluice aws query "SELECT count(*) FROM orders"`)
  aws.addCommand(
    withStackOptions(new Command('start'))
      .description('Start an execution of the deployed workflow: a sweep of the raw bucket, or one key.')
      .option('--key <rawKey>', 'process this raw key only, as the on-drop trigger does')
      .option('--wait', 'follow the execution until it ends, then print its run report')
      .option('--all', 'with --wait: list every file in the summary, not only the failed, quarantined and rejecting ones')
      .option('--json', 'print the execution (and with --wait, the run report) as JSON')
      .addHelpText('after', `
Exit status: 0 when started (with --wait: when it succeeded); 1 when the execution failed (its error and cause are printed).

Examples:
  npx sluice aws start --wait                              sweep the raw bucket now and follow the run
  npx sluice aws start --key orders/2024/orders-05.csv     one key, as the on-drop trigger does
  npx sluice aws start --stack SluiceDev --region eu-west-1 --json`)
      .action(async (f: AwsFlags & { key?: string; wait?: boolean; all?: boolean }) => {
        const clients = opsClients(f.region)
        const stack = await findStack(clients, overrides(f))
        await startAndFollow(clients, stack, f.key, f)
      }),
  )
  aws.addCommand(
    withStackOptions(new Command('reprocess'))
      .description('Rebuild a dataset\'s table from its raw files through the deployed workflow (an execution with input {"trigger":"reprocess","dataset":…}); Athena sees the old table until the new one is complete.')
      .argument('<dataset>', 'the dataset (its table name), e.g. orders', datasetArgument)
      .option('--wait', 'follow the execution until it ends, then print its run report')
      .option('--all', 'with --wait: list every file in the summary, not only the failed, quarantined and rejecting ones')
      .option('--json', 'print the execution (and with --wait, the run report) as JSON')
      .addHelpText('after', `
Exit status: 0 when started (with --wait: when it succeeded); 1 when the execution failed.

Examples:
  npx sluice aws reprocess orders --wait         after changing s3://<RawBucketName>/_contracts/orders.json
  npx sluice aws reprocess orders --stack SluiceDev --json`)
      .action(async (dataset: string, f: AwsFlags & { wait?: boolean; all?: boolean }) => {
        const clients = opsClients(f.region)
        const stack = await findStack(clients, overrides(f))
        await startAndFollow(clients, stack, { reprocess: dataset }, f)
      }),
  )
  aws.addCommand(
    withStackOptions(new Command('status'))
      .description('Show each dataset of the deployed lake: its last load, its rows, the raw files pending, and the failed and quarantined files with their reasons (read from S3 and Glue).')
      .option('--raw-bucket <bucket>', 'instead of the stack output')
      .addHelpText('after', `
Exit status: 0 when no file failed or is quarantined; 1 when one did.

Examples:
  npx sluice aws status
  npx sluice aws status --stack SluiceDev --json`)
      .action(async (f: AwsFlags & { rawBucket?: string }) => {
        const clients = opsClients(f.region)
        const stack = await findStack(clients, { ...overrides(f), rawBucket: f.rawBucket })
        const status = await awsLakeStatus(clients, stack)
        process.stdout.write(f.json ? `${JSON.stringify(status)}\n` : formatStatus(status))
        if (needsAttention(status)) process.exitCode = 1
      }),
  )
  aws.addCommand(
    withStackOptions(new Command('runs'))
      .description('List the most recent executions with their status.')
      .option('--limit <n>', 'how many', (v) => {
        const n = Number(v)
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be a whole number from 1 to 1000')
        return n
      }, 20)
      .option('--json', 'print them as JSON')
      .addHelpText('after', `
Examples:
  npx sluice aws runs
  npx sluice aws runs --limit 5 --json`)
      .action(async (f: AwsFlags & { limit: number }) => {
        const clients = opsClients(f.region)
        const stack = await findStack(clients, overrides(f))
        const runs = await listExecutions(clients, stack, f.limit)
        const rows = runs.map((r) => ({ name: r.name, status: r.status, started: r.startDate?.toISOString() ?? '', stopped: r.stopDate?.toISOString() ?? '' }))
        process.stdout.write(f.json ? `${JSON.stringify(runs)}\n` : rows.length ? formatTable(['name', 'status', 'started', 'stopped'], rows) : 'no executions yet\n')
      }),
  )
  aws.addCommand(
    withStackOptions(new Command('query'))
      .description('Run SQL with Athena in the stack\'s workgroup and database, and print the result.')
      .argument('<sql>', 'the query')
      .option('--json', 'print the rows as a JSON array of objects (values as Athena returns them: text)')
      .addHelpText('after', `
Examples:
  npx sluice aws query "SELECT status, count(*) FROM orders GROUP BY 1"
  npx sluice aws query "SELECT * FROM orders__rejects LIMIT 20" --json`)
      .action(async (sql: string, f: AwsFlags) => {
        const clients = opsClients(f.region)
        const stack = await findStack(clients, overrides(f))
        const result = await athenaQuery(clients, stack, sql, { intervalMs: 1000 })
        process.stdout.write(f.json ? `${JSON.stringify(result.rows)}\n` : formatTable(result.columns, result.rows))
      }),
  )
  return aws
}
