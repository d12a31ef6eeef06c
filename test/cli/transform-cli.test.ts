import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeDuckDb, parquetMetadata, readParquet } from '../support/duckdb-parquet'

const REPO = resolve(import.meta.dirname, '../..')

let dir: string
let cases = 0

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'))
})

afterAll(async () => {
  await closeDuckDb()
  rmSync(dir, { recursive: true, force: true })
})

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `sluice <args>` from the repository root, as `npm run sluice` does. */
function sluice(...args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'cli/sluice.ts', ...args], { cwd: REPO }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      done({ code, stdout, stderr })
    })
  })
}

/** A fresh folder holding one input file; `out` is where the Parquet should go. */
function prepare(name: string, content: string | Buffer): { folder: string; input: string; out: string } {
  cases += 1
  const folder = join(dir, `case-${cases}`)
  mkdirSync(folder)
  const input = join(folder, name)
  writeFileSync(input, content)
  return { folder, input, out: join(folder, 'out.parquet') }
}

function csv(rows: string[]): string {
  return `${rows.join('\n')}\n`
}

/** `id,name` rows; every row whose id is in `bad` carries an extra field. */
function rows(count: number, bad: number[] = []): string[] {
  const lines = ['id,name']
  for (let i = 1; i <= count; i++) lines.push(bad.includes(i) ? `${i},name ${i},extra` : `${i},name ${i}`)
  return lines
}

describe('sluice transform', () => {
  it('exits 0 and prints exactly one JSON object of stats with --json', async () => {
    // Prepare
    const { input, out } = prepare('orders.csv', csv(rows(20)))

    // Act
    const result = await sluice('transform', input, '--out', out, '--json')

    // Assess
    expect(result.code).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    const stats = JSON.parse(lines[0]!) as Record<string, unknown>
    expect(stats).toMatchObject({ rowsIn: 20, rowsOut: 20, rowsRejected: 0 })
    expect(stats['columns']).toEqual([
      expect.objectContaining({ name: 'id', type: 'bigint' }),
      expect.objectContaining({ name: 'name', type: 'string' }),
    ])
    expect((await readParquet(out)).rows).toHaveLength(20)
  })

  it('exits 0 and writes the rejects file when some rows are rejected below the threshold', async () => {
    // Prepare: 2 of 100 rows (2%) have an extra field.
    const { folder, input, out } = prepare('orders.csv', csv(rows(100, [10, 60])))

    // Act
    const result = await sluice('transform', input, '--out', out, '--json')

    // Assess
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ rowsIn: 100, rowsOut: 98, rowsRejected: 2 })
    const rejects = join(folder, 'out.rejects.parquet')
    expect(existsSync(rejects)).toBe(true)
    expect((await readParquet(rejects)).rows.map((r) => r['line'])).toEqual(['11', '61'])
  })

  it('exits 1 with one stderr line naming the file, the line and the rejects kept, and writes no data, when rejects pass the threshold', async () => {
    // Prepare: 10 of 100 rows (10%) have an extra field; the first is on line 4.
    const { folder, input, out } = prepare('orders.csv', csv(rows(100, [3, 10, 20, 30, 40, 50, 60, 70, 80, 90])))

    // Act
    const result = await sluice('transform', input, '--out', out)

    // Assess
    expect(result.code).toBe(1)
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(input)
    expect(lines[0]).toMatch(/\bline 4\b/)
    expect(lines[0]).toContain(`its rejects: ${join(folder, 'out.rejects.parquet')}`)
    expect(readdirSync(folder).sort()).toEqual(['orders.csv', 'out.rejects.parquet'])
  })

  it('exits 1 naming the file for a binary input', async () => {
    // Prepare
    const { folder, input, out } = prepare('report.csv', Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a, 0, 0, 0]))

    // Act
    const result = await sluice('transform', input, '--out', out)

    // Assess
    expect(result.code).toBe(1)
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(result.stderr).toContain(input)
    expect(readdirSync(folder)).toEqual(['report.csv'])
  })

  it('exits 2 when --out is missing', async () => {
    // Prepare
    const { folder, input } = prepare('orders.csv', csv(rows(3)))

    // Act
    const result = await sluice('transform', input)

    // Assess
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--out')
    expect(readdirSync(folder)).toEqual(['orders.csv'])
  })

  it('exits 0 with --help and documents every flag', async () => {
    // Act
    const result = await sluice('transform', '--help')

    // Assess
    expect(result.code).toBe(0)
    for (const flag of ['--out', '--rejects', '--contract', '--codec', '--reject-threshold', '--workers', '--memory-budget', '--output']) {
      expect(result.stdout).toContain(flag)
    }
  })

  it('sizes row groups from --memory-budget: a small budget writes more of them', async () => {
    // Prepare: about 3 MB of CSV, one row group under the default budget.
    const lines = Array.from({ length: 30_000 }, (_, i) => `${i},"customer ${i}, ${'x'.repeat(60 + (i % 40))}"`)
    const { input, out } = prepare('wide.csv', csv(['id,name', ...lines]))
    const tight = out.replace(/\.parquet$/, '-tight.parquet')

    // Act
    const roomy = await sluice('transform', input, '--out', out, '--workers', '1')
    const small = await sluice('transform', input, '--out', tight, '--workers', '1', '--memory-budget', '81')

    // Assess
    expect([roomy.code, small.code]).toEqual([0, 0])
    expect((await parquetMetadata(out)).rowGroups).toBe(1)
    expect((await parquetMetadata(tight)).rowGroups).toBeGreaterThan(1)
  })

  it('writes GZIP-compressed Parquet with --codec gzip', async () => {
    // Prepare
    const { input, out } = prepare('orders.csv', csv(rows(50)))

    // Act
    const result = await sluice('transform', input, '--out', out, '--codec', 'gzip')
    const meta = await parquetMetadata(out)

    // Assess
    expect(result.code).toBe(0)
    expect(meta.columns.map((c) => c.compression)).toEqual(['GZIP', 'GZIP'])
  })

  it('exits 1 naming the contract file and the bad key for an invalid contract', async () => {
    // Prepare
    const { folder, input, out } = prepare('orders.csv', csv(rows(3)))
    const contract = join(folder, 'orders.contract.json')
    writeFileSync(contract, JSON.stringify({ columns: [{ name: 'id', type: 'int' }], delimeter: ';' }))

    // Act
    const result = await sluice('transform', input, '--out', out, '--contract', contract)

    // Assess
    expect(result.code).toBe(1)
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(result.stderr).toContain(contract)
    expect(result.stderr).toContain('delimeter')
    expect(readdirSync(folder).sort()).toEqual(['orders.contract.json', 'orders.csv'])
  })

  it('exits 0 and writes nothing for an empty input', async () => {
    // Prepare
    const { folder, input, out } = prepare('empty.csv', '')

    // Act
    const result = await sluice('transform', input, '--out', out)

    // Assess
    expect(result.code).toBe(0)
    expect(readdirSync(folder)).toEqual(['empty.csv'])
  })
})
