import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REPO = resolve(import.meta.dirname, '../..')
const BIN = join(REPO, 'bin', 'sluice.js')

/** `sluice <args>` in the lake's folder, with the environment a user's shell has. */
function sluice(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && !['INIT_CWD', 'SLUICE_LAKE', 'SLUICE_TABLE_FORMAT'].includes(k))),
    SLUICE_FROM_SOURCE: '1',
    COLUMNS: '200',
  }
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd }, (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }))
  })
}

let home: string
const count = async (sql: string) => JSON.parse((await sluice(home, 'query', sql, '--output', 'json')).stdout) as Record<string, unknown>[]

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'sluice-convert-'))
  cpSync(join(REPO, 'sample-data'), join(home, 'lake', 'raw'), { recursive: true })
  // A lake of Hive tables, as lakes were before Iceberg became the default: later runs keep making Hive tables.
  expect((await sluice(home, 'run', '--table-format', 'hive')).code).toBe(0)
}, 120_000)

afterAll(() => rmSync(home, { recursive: true, force: true }))

describe('sluice convert and sluice expire', () => {
  it('converts a Hive dataset to Iceberg in place, keeps its rows, and later runs commit snapshots that expire keeps within the retention', async () => {
    const before = await count('SELECT count(*)::INTEGER AS n, sum(total_eur)::VARCHAR AS total FROM orders')
    expect((await sluice(home, 'history', 'orders')).code).toBe(1)

    const converted = await sluice(home, 'convert', 'orders', '--to', 'iceberg')
    expect(converted, converted.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining('orders is an Iceberg table now') })
    expect(await count('SELECT count(*)::INTEGER AS n, sum(total_eur)::VARCHAR AS total FROM orders')).toEqual(before)
    expect((await sluice(home, 'convert', 'orders', '--to', 'iceberg')).stdout).toBe('convert: orders is an Iceberg table already\n')
    // Its partitions are its data files' ingest dates, as the Hive table's were.
    const tables = JSON.parse((await sluice(home, 'tables', '--output', 'json')).stdout) as { table: string; partitions: number }[]
    expect(tables.find((t) => t.table === 'sluice.orders')?.partitions).toBe(1)

    writeFileSync(join(home, 'lake', 'raw', 'orders', 'orders-2024-06.csv'), 'order_id,customer_id,ordered_at,status,items,total_eur,note,coupon_code\n60000,1001,2024-06-01T10:00:00Z,pending,2,10.50,,\n')
    expect((await sluice(home, 'run')).code).toBe(0)
    const history = JSON.parse((await sluice(home, 'history', 'orders', '--output', 'json')).stdout) as { operation: string }[]
    expect(history.map((h) => h.operation)).toEqual(['overwrite', 'append'])

    // Within the retention nothing expires; the replaced parts stay for a query as of before.
    const expired = await sluice(home, 'expire', '--output', 'json')
    expect(expired.code).toBe(0)
    expect(JSON.parse(expired.stdout)).toEqual([expect.objectContaining({ table: 'orders', expiredSnapshots: 0, deletedFiles: 0 }), expect.objectContaining({ table: 'orders__rejects', expiredSnapshots: 0, deletedFiles: 0 })])
  }, 120_000)

  it('refuses a conversion back to Hive, and a retention under an hour, as usage errors', async () => {
    expect(await sluice(home, 'convert', 'orders', '--to', 'hive')).toMatchObject({ code: 2, stderr: expect.stringContaining('must be iceberg') })
    expect(await sluice(home, 'expire', '--retention-hours', '0.5')).toMatchObject({ code: 2, stderr: expect.stringContaining('at least 1') })
    expect((await sluice(home, 'expire', 'customers')).stdout).toBe('expire: customers is no Iceberg table; it keeps no snapshots to expire\n')
  })
})
