import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localCatalog } from '../../functions/adapters/local-catalog'
import { formatTable, terminalWidth } from '../../cli/format-table'
import { openLakeQuery, type LakeQuery } from '../../cli/query/lake-query'
import { partitionFiles } from '../../cli/query/partition-files'
import { writeRows } from '../../cli/output/write-rows'
import type { OutputFormat } from '../../cli/output/output-format'

const REPO = resolve(import.meta.dirname, '../..')

/** A Writable that keeps what it is given, taking each write only after `delayMs`, and the most it ever held unwritten. */
function slowSink(highWaterMark: number, delayMs = 0) {
  let text = ''
  let peak = 0
  const sink = new Writable({
    highWaterMark,
    decodeStrings: false,
    write(chunk: string, _encoding, done) {
      text += chunk
      setTimeout(done, delayMs)
    },
  })
  const write = sink.write.bind(sink)
  sink.write = ((chunk: string, ...rest: never[]) => {
    const ok = write(chunk, ...rest)
    peak = Math.max(peak, sink.writableLength)
    return ok
  }) as typeof sink.write
  return { sink, text: () => text, peak: () => peak }
}

let dir: string
let lake: LakeQuery

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-query-output-'))
  lake = await openLakeQuery(localCatalog(join(dir, 'catalog')), 'sluice', partitionFiles({}, join(dir, '.cache')))
})

afterAll(() => {
  lake.close()
  rmSync(dir, { recursive: true, force: true })
})

const VALUES = `SELECT * FROM (VALUES
  (1, 'plain', 2.5, true),
  (2, 'with, comma', NULL, false),
  (3, 'say "hi"', -1.25, NULL),
  (9007199254740993, 'line
break', 0.0, true)
) t(id, text, amount, flag)`

async function print(sql: string, format: OutputFormat, options = { maxRows: 100 }) {
  const out = slowSink(1 << 16)
  const count = await writeRows(out.sink, await lake.stream(sql), format, options)
  await new Promise<void>((done) => out.sink.end(done))
  return { count, text: out.text() }
}

describe('query output', () => {
  it('writes CSV with quoting, empty NULLs and exact big integers', async () => {
    const { count, text } = await print(VALUES, 'csv')

    expect(count).toBe(4)
    expect(text).toBe('id,text,amount,flag\n1,plain,2.50,true\n2,"with, comma",,false\n3,"say ""hi""",-1.25,\n9007199254740993,"line\nbreak",0.00,true\n')
  })

  it('writes JSON as one array and JSONL as one object a line, with the same values', async () => {
    const json = await print(VALUES, 'json')
    const jsonl = await print(VALUES, 'jsonl')

    const rows = JSON.parse(json.text) as Record<string, unknown>[]
    expect(rows).toHaveLength(4)
    expect(rows[1]).toEqual({ id: 2, text: 'with, comma', amount: null, flag: false })
    expect(rows[3]!['id']).toBe('9007199254740993')
    expect(jsonl.text.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(rows)
    expect((await print('SELECT 1 AS a WHERE false', 'json')).text).toBe('[]\n')
  })

  it('caps a table at its row limit and says how many rows there were', async () => {
    const { count, text } = await print('SELECT i FROM range(5000) t(i)', 'table', { maxRows: 3 })

    expect(count).toBe(5000)
    expect(text).toBe('i\n-\n0\n1\n2\n(3 of 5000 rows shown; --output csv, json or jsonl prints every row)\n')
  })

  it('waits for a slow reader instead of buffering the result', async () => {
    // Prepare: a reader that holds 64 KB and takes each chunk a little later.
    const out = slowSink(64 * 1024, 1)

    // Act: ~10 MB of CSV.
    const count = await writeRows(out.sink, await lake.stream(`SELECT i, repeat('x', 40) AS s FROM range(200000) t(i)`), 'csv', { maxRows: 100 })
    await new Promise<void>((done) => out.sink.end(done))

    // Assess: never more than one batch (2,048 rows of ~50 bytes) beyond the reader's buffer.
    expect(count).toBe(200000)
    expect(out.text().length).toBeGreaterThan(9_000_000)
    expect(out.peak()).toBeLessThan(64 * 1024 + 2048 * 60)
  })
})

describe('tables on a terminal', () => {
  const rows = [{ key: 'orders/orders-2024-05.csv', reason: 'RejectThresholdError: 12 of 60 rows rejected (20 %), over the threshold of 5 %', n: 12 }]

  it('fit the terminal, cutting long cells with an ellipsis', () => {
    const text = formatTable(['key', 'reason', 'n'], rows, { width: 60 })

    const lines = text.trimEnd().split('\n')
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(60)
    expect(lines[2]).toBe('orders/orders-2024-05.csv  RejectThresholdError: 12 of …  12')
  })

  it('keep every character without a terminal', () => {
    expect(formatTable(['key', 'reason', 'n'], rows)).toContain(rows[0]!.reason)
    expect(terminalWidth({ isTTY: false, columns: 60 })).toBeUndefined()
    expect(terminalWidth({ isTTY: true, columns: 60 })).toBe(60)
  })
})

describe('sluice query on a large result', () => {
  it('streams 500,000 rows as JSON in a 40 MB heap', async () => {
    // Prepare: an empty lake folder; the rows come from DuckDB's range().
    const lakeDir = join(dir, 'lake')
    mkdirSync(join(lakeDir, 'raw'), { recursive: true })
    const sql = `SELECT i, 'row ' || i AS label, i * 0.5 AS half FROM range(500000) t(i)`

    // Act: the CLI from its TypeScript, with a heap far smaller than the result (--json, the
    // alias of --output json, as the command had it before it streamed).
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, ['--max-old-space-size=40', '--import', import.meta.resolve('tsx'), join(REPO, 'cli', 'sluice.ts'), 'query', sql, '--lake', lakeDir, '--json'], { cwd: dir })
      const stdout: Buffer[] = []
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      child.on('close', (code) => done({ code, stdout: Buffer.concat(stdout).toString(), stderr }))
    })

    // Assess
    expect(result.stderr.slice(0, 300)).toBe('')
    expect(result.code).toBe(0)
    const rows = JSON.parse(result.stdout) as { i: number; label: string; half: string }[]
    expect(rows).toHaveLength(500_000)
    expect(rows.at(-1)).toEqual({ i: 499_999, label: 'row 499999', half: '249999.5' })
  }, 300_000)
})
