import { Command, InvalidArgumentError } from 'commander'
import { DEFAULT_STACK_NAME } from '../functions/core/lake/stack-outputs'
import type { OpsClients } from './aws/aws-clients'
import type { StackInfo, StackOverrides } from './aws/stack-info'
import { terminalWidth } from './format-table'
import { datasetArgument, printStatus } from './lake-ops-command'
import { printRecords } from './output/print-records'
import { outputFormat, withOutputOption, type OutputFlags } from './output/output-format'
import { writeRows } from './output/write-rows'
import { readSql } from './query/sql-source'
import { withQueryInputOptions } from './query-command'
import { formatRunSummary } from './run-summary'

/** The AWS SDK and the ops built on it, loaded only when an aws command runs. */
async function awsOps() {
  const [clients, athena, executions, status, stack] = await Promise.all([
    import('./aws/aws-clients'), import('./aws/athena-query'), import('./aws/executions'), import('./aws/lake-status'), import('./aws/stack-info'),
  ])
  return { ...clients, ...athena, ...executions, ...status, ...stack }
}

interface AwsFlags extends OutputFlags {
  stack: string
  region?: string
  stateMachineArn?: string
  curatedBucket?: string
  database?: string
  workGroup?: string
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
async function startAndFollow(clients: OpsClients, stack: StackInfo, what: string | { reprocess: string } | undefined, f: OutputFlags & { wait?: boolean; all?: boolean }): Promise<void> {
  const json = outputFormat(f) === 'json'
  const { startExecution, waitForExecution, readRunReport } = await awsOps()
  const started = await startExecution(clients, stack, what)
  if (!f.wait) {
    process.stdout.write(json ? `${JSON.stringify(started)}\n` : `started ${started.name}\n  ${started.executionArn}\n`)
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
  if (json) process.stdout.write(`${JSON.stringify({ execution: final, report })}\n`)
  else process.stdout.write(report ? formatRunSummary(report, { all: f.all }) : `${final.name}: ${final.status}, no files to process\n`)
  if (final.status !== 'SUCCEEDED') {
    process.stderr.write(`sluice aws: execution ${final.name} ${final.status}: ${final.error ?? ''}${final.cause ? `: ${final.cause}` : ''}\n`)
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
    withOutputOption(withStackOptions(new Command('start'))
      .description('Start an execution of the deployed workflow: a sweep of the raw bucket, or one key.'), ['table', 'json'], 'the execution (and with --wait, the run report)')
      .option('--key <rawKey>', 'process this raw key only, as the on-drop trigger does')
      .option('--wait', 'follow the execution until it ends, then print its run report')
      .option('--all', 'with --wait: list every file in the summary, not only the failed, quarantined and rejecting ones')
      .addHelpText('after', `
Exit status: 0 when started (with --wait: when it succeeded); 1 when the execution failed (its error and cause are printed).

Examples:
  npx sluice aws start --wait                              sweep the raw bucket now and follow the run
  npx sluice aws start --key orders/2024/orders-05.csv     one key, as the on-drop trigger does
  npx sluice aws start --stack SluiceDev --region eu-west-1 --output json`)
      .action(async (f: AwsFlags & { key?: string; wait?: boolean; all?: boolean }) => {
        const { opsClients, findStack } = await awsOps()
        const clients = opsClients(f.region)
        const stack = await findStack(clients, overrides(f))
        await startAndFollow(clients, stack, f.key, f)
      }),
  )
  aws.addCommand(
    withOutputOption(withStackOptions(new Command('reprocess'))
      .description('Rebuild a dataset\'s table from its raw files through the deployed workflow (an execution with input {"trigger":"reprocess","dataset":…}); Athena sees the old table until the new one is complete.'), ['table', 'json'], 'the execution (and with --wait, the run report)')
      .argument('<dataset>', 'the dataset (its table name), e.g. orders', datasetArgument)
      .option('--wait', 'follow the execution until it ends, then print its run report')
      .option('--all', 'with --wait: list every file in the summary, not only the failed, quarantined and rejecting ones')
      .addHelpText('after', `
Exit status: 0 when started (with --wait: when it succeeded); 1 when the execution failed.

Examples:
  npx sluice aws reprocess orders --wait         after changing s3://<RawBucketName>/_contracts/orders.json
  npx sluice aws reprocess orders --stack SluiceDev --output json`)
      .action(async (dataset: string, f: AwsFlags & { wait?: boolean; all?: boolean }) => {
        const { opsClients, findStack } = await awsOps()
        const clients = opsClients(f.region)
        const stack = await findStack(clients, overrides(f))
        await startAndFollow(clients, stack, { reprocess: dataset }, f)
      }),
  )
  aws.addCommand(
    withOutputOption(withStackOptions(new Command('status'))
      .description('Show each dataset of the deployed lake: its last load, its rows, the raw files pending, and the failed and quarantined files with their reasons (read from S3 and Glue).'), ['table', 'csv', 'json'], 'the status')
      .option('--raw-bucket <bucket>', 'instead of the stack output')
      .addHelpText('after', `
Exit status: 0 when no file failed or is quarantined; 1 when one did.

Examples:
  npx sluice aws status
  npx sluice aws status --stack SluiceDev --output json`)
      .action(async (f: AwsFlags & { rawBucket?: string }) => {
        const format = outputFormat(f)
        const { opsClients, findStack, awsLakeStatus } = await awsOps()
        const clients = opsClients(f.region)
        const stack = await findStack(clients, { ...overrides(f), rawBucket: f.rawBucket })
        printStatus(format, await awsLakeStatus(clients, stack))
      }),
  )
  aws.addCommand(
    withOutputOption(withStackOptions(new Command('runs'))
      .description('List the most recent executions with their status.'), ['table', 'csv', 'json'], 'the executions')
      .option('--limit <n>', 'how many', (v) => {
        const n = Number(v)
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('must be a whole number from 1 to 1000')
        return n
      }, 20)
      .addHelpText('after', `
Examples:
  npx sluice aws runs
  npx sluice aws runs --limit 5 --output json`)
      .action(async (f: AwsFlags & { limit: number }) => {
        const format = outputFormat(f)
        const { opsClients, findStack, listExecutions } = await awsOps()
        const clients = opsClients(f.region)
        const stack = await findStack(clients, overrides(f))
        const runs = await listExecutions(clients, stack, f.limit)
        const rows = runs.map((r) => ({ name: r.name, status: r.status, started: r.startDate?.toISOString() ?? '', stopped: r.stopDate?.toISOString() ?? '' }))
        if (format === 'table' && rows.length === 0) process.stdout.write('no executions yet\n')
        else printRecords(format, ['name', 'status', 'started', 'stopped'], rows, runs)
      }),
  )
  aws.addCommand(
    withOutputOption(withQueryInputOptions(withStackOptions(new Command('query'))
      .description('Run SQL with Athena in the stack\'s workgroup and database, and print the result.')
      .argument('[sql]', 'the query; - or none with a pipe: read it from stdin')),
    ['table', 'csv', 'json', 'jsonl'], 'the rows (values as Athena returns them: text)')
      .addHelpText('after', `
The results are read a page at a time: csv, json and jsonl stream any size.

Examples:
  npx sluice aws query "SELECT status, count(*) FROM orders GROUP BY 1"
  npx sluice aws query "SELECT * FROM orders__rejects LIMIT 20" --output json
  npx sluice aws query -f report.sql --output csv > report.csv`)
      .action(async (argument: string | undefined, f: AwsFlags & { file?: string; maxRows: number }) => {
        const format = outputFormat(f)
        const sql = await readSql(argument, f.file)
        const { opsClients, findStack, athenaQuery } = await awsOps()
        const clients = opsClients(f.region)
        const stack = await findStack(clients, overrides(f))
        await writeRows(process.stdout, await athenaQuery(clients, stack, sql, { intervalMs: 1000 }), format, { maxRows: f.maxRows, width: terminalWidth() })
      }),
  )
  return aws
}
