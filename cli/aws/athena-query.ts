import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, type GetQueryResultsCommandOutput } from '@aws-sdk/client-athena'
import type { OpsClients } from './aws-clients'
import { OpsError, explainAwsError } from './ops-errors'
import type { StackInfo } from './stack-info'
import type { RowBatch, RowStream } from '../query/row-stream'

/**
 * Runs SQL in the stack's Athena workgroup (its enforced result location and scan limit
 * apply): start, poll until it ends, then stream the results a page (at most 1,000 rows) at
 * a time, fetching the next page only when the previous one was consumed.
 */
export async function athenaQuery(
  clients: OpsClients,
  stack: StackInfo,
  sql: string,
  options: { intervalMs: number; sleep?: (ms: number) => Promise<void> },
): Promise<RowStream> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  let id: string
  try {
    const started = await clients.athena.send(
      new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: stack.workGroup, QueryExecutionContext: { Database: stack.database } }),
    )
    id = started.QueryExecutionId!
  } catch (e) {
    throw explainAwsError(e, 'starting the Athena query')
  }
  for (;;) {
    const { QueryExecution } = await clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))
    const state = QueryExecution?.Status?.State
    if (state === 'SUCCEEDED') break
    if (state === 'FAILED' || state === 'CANCELLED') {
      throw new OpsError(`athena: query ${id} ${state.toLowerCase()}: ${QueryExecution?.Status?.StateChangeReason ?? 'no reason given'}`)
    }
    await sleep(options.intervalMs)
  }
  const first = await clients.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }))
  const columns = (first.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? '')
  const values = (page: GetQueryResultsCommandOutput) => (page.ResultSet?.Rows ?? []).map((r) => columns.map((_, i) => r.Data?.[i]?.VarCharValue ?? null))
  async function* batches(): AsyncGenerator<RowBatch> {
    let rows = values(first)
    // The first row of the first page repeats the column names for SELECT queries.
    if (rows.length > 0 && rows[0]!.every((v, i) => v === columns[i])) rows = rows.slice(1)
    yield { size: rows.length, rows: () => rows }
    for (let token = first.NextToken; token; ) {
      const page = await clients.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }))
      const next = values(page)
      yield { size: next.length, rows: () => next }
      token = page.NextToken
    }
  }
  return { columns, batches: batches() }
}
