import { realCatalog } from '../../functions/adapters/table-format-catalog'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localLake } from '../../cli/local/local-lake'
import { commitTableChange, type IcebergTableSpec, type IcebergTarget } from '../../functions/adapters/iceberg-commit'
import { parquetTable } from '../../functions/core/lake/catalog'
import { closeDuckDb } from '../support/duckdb-parquet'
import { writeDataFile } from '../support/iceberg-lake'

const BIN = join(resolve(import.meta.dirname, '../..'), 'bin', 'sluice.js')
const ORDERS: IcebergTableSpec = { name: 'orders', prefix: 'orders/', columns: [{ name: 'id', type: { kind: 'int' } }, { name: 'item', type: { kind: 'string' } }] }
const values = (rows: [number, string][]) => `SELECT * FROM (VALUES ${rows.map(([id, item]) => `(${id}::INTEGER, '${item}')`).join(', ')}) v(id, item)`

/** `sluice <args>` from the TypeScript, with the environment a user's shell has. */
function sluice(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'SLUICE_LAKE')), SLUICE_FROM_SOURCE: '1', COLUMNS: '200' }
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env }, (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }))
  })
}

let dir: string
let lake: string
const snapshots: number[] = []

/** A lake with an Iceberg table `orders` of three snapshots (append, replace, append) and a Hive table `customers`. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-history-'))
  lake = join(dir, 'lake')
  const deps = localLake(lake)
  const target: IcebergTarget = { store: deps.curated, catalog: deps.catalog, database: deps.database }
  const a1 = await writeDataFile(deps.curated, ORDERS, { source: 'aaaa', publish: 'p1', date: '2024-07-01', select: values([[1, 'apple'], [2, 'pear']]) })
  snapshots.push((await commitTableChange(target, ORDERS, { sources: [{ source: 'aaaa', files: [a1] }], runId: 'run-1' }, new Date('2024-07-01T06:00:00Z'))).snapshotId!)
  const a2 = await writeDataFile(deps.curated, ORDERS, { source: 'aaaa', publish: 'p2', date: '2024-07-02', select: values([[3, 'plum']]) })
  snapshots.push((await commitTableChange(target, ORDERS, { sources: [{ source: 'aaaa', files: [a2] }], runId: 'run-2' }, new Date('2024-07-02T06:00:00Z'))).snapshotId!)
  const b1 = await writeDataFile(deps.curated, ORDERS, { source: 'bbbb', publish: 'p1', date: '2024-07-03', select: values([[4, 'fig'], [5, 'kiwi']]) })
  snapshots.push((await commitTableChange(target, ORDERS, { sources: [{ source: 'bbbb', files: [b1] }], runId: 'run-3' }, new Date('2024-07-03T06:00:00Z'))).snapshotId!)
  await realCatalog(deps.catalog).createTable('sluice', parquetTable('customers', [{ Name: 'id', Type: 'int' }], [{ Name: 'ingest_date', Type: 'date' }], deps.curated.location('customers/')))
})

afterAll(async () => {
  await closeDuckDb()
  await rm(dir, { recursive: true, force: true })
})

describe('sluice history', () => {
  it('lists the retained snapshots newest first, with run, files and rows', async () => {
    const result = await sluice('history', 'orders', '--lake', lake, '--output', 'json')

    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(result.stdout)).toEqual([
      { committed_at: '2024-07-03T06:00:00.000Z', snapshot_id: snapshots[2], operation: 'append', run_id: 'run-3', files_added: 1, files_removed: 0, rows_added: 2, rows_removed: 0, rows_total: 3, current: true },
      { committed_at: '2024-07-02T06:00:00.000Z', snapshot_id: snapshots[1], operation: 'overwrite', run_id: 'run-2', files_added: 1, files_removed: 1, rows_added: 1, rows_removed: 2, rows_total: 1, current: false },
      { committed_at: '2024-07-01T06:00:00.000Z', snapshot_id: snapshots[0], operation: 'append', run_id: 'run-1', files_added: 1, files_removed: 0, rows_added: 2, rows_removed: 0, rows_total: 2, current: false },
    ])
  }, 60_000)

  it('prints the snapshots as a table and as CSV', async () => {
    const [table, csv] = await Promise.all([sluice('history', 'orders', '--lake', lake), sluice('history', 'orders', '--lake', lake, '--output', 'csv')])

    expect(table.code).toBe(0)
    expect(table.stdout.split('\n')[0]).toMatch(/^committed_at\s+snapshot_id\s+operation\s+run_id\s+files_added\s+files_removed\s+rows_added\s+rows_removed\s+rows_total\s+current/)
    expect(table.stdout).toMatch(new RegExp(`\\n2024-07-02T06:00:00\\.000Z\\s+${snapshots[1]}\\s+overwrite\\s+run-2\\s+1\\s+1\\s+1\\s+2\\s+1\\s+false\\s*\\n`))
    expect(csv.stdout.split('\n').slice(0, 2)).toEqual(['committed_at,snapshot_id,operation,run_id,files_added,files_removed,rows_added,rows_removed,rows_total,current', `2024-07-03T06:00:00.000Z,${snapshots[2]},append,run-3,1,0,2,0,3,true`])
  }, 60_000)

  it('says a Hive dataset has no history, and names the datasets for an unknown one', async () => {
    const [hive, missing] = await Promise.all([sluice('history', 'customers', '--lake', lake), sluice('history', 'nope', '--lake', lake)])

    expect(hive).toEqual({ code: 1, stdout: '', stderr: 'sluice history: customers is a Hive table, which keeps no snapshots; history needs an Iceberg table\n' })
    expect(missing).toEqual({ code: 1, stdout: '', stderr: 'sluice history: no dataset nope in the lake; datasets: customers, orders\n' })
  }, 60_000)
})

describe('sluice query --as-of', () => {
  it('reads the rows of before a replacement, by time and by snapshot id', async () => {
    const sql = 'SELECT id, item FROM orders ORDER BY id'
    const [byTime, byId, now] = await Promise.all([
      sluice('query', sql, '--lake', lake, '--as-of', '2024-07-01T12:00:00Z', '--output', 'json'),
      sluice('query', sql, '--lake', lake, '--as-of', String(snapshots[0]), '--output', 'json'),
      sluice('query', sql, '--lake', lake, '--output', 'json'),
    ])

    expect(JSON.parse(byTime.stdout)).toEqual([{ id: 1, item: 'apple' }, { id: 2, item: 'pear' }])
    expect(JSON.parse(byId.stdout)).toEqual([{ id: 1, item: 'apple' }, { id: 2, item: 'pear' }])
    expect(JSON.parse(now.stdout)).toEqual([{ id: 3, item: 'plum' }, { id: 4, item: 'fig' }, { id: 5, item: 'kiwi' }])
  }, 60_000)

  it('says in one line when no snapshot is that old, when a table is Hive, and when the value is neither a time nor an id', async () => {
    const [early, hive, bad] = await Promise.all([
      sluice('query', 'SELECT * FROM orders', '--lake', lake, '--as-of', '2024-06-30T00:00:00Z'),
      sluice('query', 'SELECT * FROM customers', '--lake', lake, '--as-of', '2024-07-02T00:00:00Z'),
      sluice('query', 'SELECT * FROM orders', '--lake', lake, '--as-of', 'yesterday'),
    ])

    expect(early).toEqual({ code: 1, stdout: '', stderr: `sluice query: iceberg: orders has no snapshot as of 2024-06-30T00:00:00.000Z; its earliest retained snapshot is ${snapshots[0]} at 2024-07-01T06:00:00.000Z\n` })
    expect(hive).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^sluice query: customers is a Hive table; --as-of reads Iceberg tables only\n/) })
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/^sluice query: option '--as-of <time\|snapshot>' argument 'yesterday' is invalid\. must be an ISO time/) })
  }, 60_000)
})
