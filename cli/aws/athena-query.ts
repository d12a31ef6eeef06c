import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena'
import type { OpsClients } from './aws-clients'
import { OpsError, explainAwsError } from './ops-errors'
import type { StackInfo } from './stack-info'
import type { QueryResult } from '../query/lake-query'

/**
 * Runs SQL in the stack's Athena workgroup (its enforced result location and scan limit
 * apply): start, poll until it ends, then read every page of results.
 */
export async function athenaQuery(
  clients: OpsClients,
  stack: StackInfo,
  sql: string,
  options: { intervalMs: number; sleep?: (ms: number) => Promise<void> },
): Promise<QueryResult> {
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
  const columns: string[] = []
  const rows: Record<string, unknown>[] = []
  let token: string | undefined
  let first = true
  do {
    const page = await clients.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }))
    if (first) columns.push(...(page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? ''))
    const data = page.ResultSet?.Rows ?? []
    // The first row of the first page repeats the column names for SELECT queries.
    const body = first && data.length > 0 && data[0].Data?.every((d, i) => d.VarCharValue === columns[i]) ? data.slice(1) : data
    for (const r of body) rows.push(Object.fromEntries(columns.map((c, i) => [c, r.Data?.[i]?.VarCharValue ?? null])))
    token = page.NextToken
    first = false
  } while (token)
  return { columns, rows }
}
