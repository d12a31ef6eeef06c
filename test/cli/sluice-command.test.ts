import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REPO = resolve(import.meta.dirname, '../..')
const BIN = join(REPO, 'bin', 'sluice.js')
const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * The environment without what an enclosing `npm test` set, as a user's shell has it; the
 * command runs from the TypeScript (test/cli/cli-build.test.ts runs the build).
 */
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'SLUICE_LAKE'))
  return { ...env, SLUICE_FROM_SOURCE: '1' }
}

function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((done) => {
    execFile(file, args, { cwd, env: { ...userEnv(), ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      done({ code, stdout, stderr })
    })
  })
}

/** The installed command, `sluice <args>`, typed in `cwd`. */
const sluice = (cwd: string, ...args: string[]) => run(process.execPath, [BIN, ...args], cwd)

/** A folder outside the repository holding `mylake/raw` (the sample data) and an empty folder. */
let home: string

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'sluice-bin-'))
  cpSync(join(REPO, 'sample-data'), join(home, 'mylake', 'raw'), { recursive: true })
  mkdirSync(join(home, 'not-a-lake'))
  mkdirSync(join(home, 'elsewhere'))
})

afterAll(() => {
  rmSync(home, { recursive: true, force: true })
})

describe('the sluice command', () => {
  it('runs from another directory with a lake path relative to that directory', async () => {
    // Act
    const ran = await sluice(home, 'run', '--lake', './mylake', '--json')
    const tables = await sluice(home, 'tables', '--lake', 'mylake', '--json')

    // Assess
    expect(ran.code).toBe(0)
    expect(JSON.parse(ran.stdout)).toMatchObject({ totals: { loaded: 4, failed: 0 } })
    expect((JSON.parse(tables.stdout) as { table: string }[]).map((t) => t.table)).toContain('sluice.orders')
  })

  it('takes the --key of a loaded file that was deleted since, and retracts its rows', async () => {
    // Prepare
    const lake = join(home, 'deleting')
    cpSync(join(REPO, 'sample-data'), join(lake, 'raw'), { recursive: true })
    await sluice(home, 'run', '--lake', lake)
    rmSync(join(lake, 'raw', 'customers', 'customers.csv'))

    // Act
    const ran = await sluice(home, 'run', '--lake', lake, '--key', 'customers/customers.csv', '--json')

    // Assess
    expect(ran.code).toBe(0)
    expect(JSON.parse(ran.stdout)).toMatchObject({ files: [{ key: 'customers/customers.csv', outcome: 'retracted', rowsRetracted: 48 }] })
  })

  it('resolves relative paths against the directory npm run was typed in', async () => {
    // Act: `npm run sluice` runs from the package root; the path is relative to `elsewhere`.
    const result = await run('npm', ['--prefix', REPO, 'run', '-s', 'sluice', '--', 'tables', '--lake', '../mylake', '--json'], join(home, 'elsewhere'))

    // Assess
    expect(result.code).toBe(0)
    expect((JSON.parse(result.stdout) as { table: string }[]).map((t) => t.table)).toContain('sluice.orders')
  })

  it('finds the lake in SLUICE_LAKE, else in sluice.config.json, and gives table columns as an array in JSON', async () => {
    // Prepare
    await sluice(home, 'run', '--lake', 'mylake')
    const configured = join(home, 'configured')
    mkdirSync(configured)
    writeFileSync(join(configured, 'sluice.config.json'), JSON.stringify({ lake: '../mylake' }))
    const broken = join(home, 'broken-config')
    mkdirSync(broken)
    writeFileSync(join(broken, 'sluice.config.json'), JSON.stringify({ lkae: '../mylake' }))

    // Act
    const fromEnv = await run(process.execPath, [BIN, 'tables', '--output', 'json'], home, { SLUICE_LAKE: 'mylake' })
    const fromConfig = await sluice(configured, 'status', '--output', 'csv')
    const flagWins = await run(process.execPath, [BIN, 'status', '--lake', '../mylake', '--output', 'csv'], configured, { SLUICE_LAKE: 'nowhere' })
    const badConfig = await sluice(broken, 'status')
    const both = await sluice(home, 'tables', '--lake', 'mylake', '--json', '--output', 'csv')
    const badFormat = await sluice(home, 'run', '--lake', 'mylake', '--table-format', 'delta')

    // Assess
    expect(fromEnv.code).toBe(0)
    const orders = (JSON.parse(fromEnv.stdout) as { table: string; columns: { name: string; type: string }[] }[]).find((t) => t.table === 'sluice.orders')!
    expect(orders.columns).toEqual(expect.arrayContaining([{ name: 'order_id', type: 'bigint' }, { name: 'status', type: 'string' }]))
    expect(fromConfig.stdout).toMatch(/^dataset,last load,files,rows,pending,failed,quarantined\ncustomers,\S+,1,48,0,0,0\norders,\S+,2,113,0,0,0\n/)
    expect(flagWins.stdout).toBe(fromConfig.stdout)
    expect(badConfig.code).toBe(2)
    expect(badConfig.stderr).toMatch(/^sluice status: config: \S+sluice\.config\.json has an unknown key "lkae"; it may set lake, database and tableFormat\n/)
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/^sluice tables: --json is --output json; it cannot go with --output csv\n/)
    expect(badFormat.code).toBe(2)
    expect(badFormat.stderr).toContain("argument 'delta' is invalid. Allowed choices are hive, iceberg.")
  }, 240_000)

  it('reads the SQL of a query from -f, or from stdin', async () => {
    // Prepare
    await sluice(home, 'run', '--lake', 'mylake')
    writeFileSync(join(home, 'count.sql'), 'SELECT count(*) AS n\nFROM orders;\n')

    // Act
    const fromFile = await sluice(home, 'query', '-f', 'count.sql', '--lake', 'mylake', '--output', 'csv')
    const fromStdin = await new Promise<CliResult>((done) => {
      const child = execFile(process.execPath, [BIN, 'query', '-', '--lake', 'mylake', '--output', 'jsonl'], { cwd: home, env: userEnv() }, (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
      })
      child.stdin!.end('SELECT status FROM orders ORDER BY order_id LIMIT 2')
    })
    const both = await sluice(home, 'query', 'SELECT 1', '-f', 'count.sql', '--lake', 'mylake')

    // Assess
    expect(fromFile).toEqual({ code: 0, stdout: 'n\n113\n', stderr: '' })
    expect(fromStdin).toEqual({ code: 0, stdout: '{"status":"pending"}\n{"status":"shipped"}\n', stderr: '' })
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/^sluice query: give the SQL as an argument or with -f, not both\n/)
  }, 240_000)

  // Where Node can replace its own process (22.15+), the command runs in the process the user
  // started: no launcher waits beside it, holding memory.
  const canReplaceItself = typeof (process as { execve?: unknown }).execve === 'function' && process.platform === 'linux'
  it.runIf(canReplaceItself)('runs in the process the user started, with the engine\'s Node flags and environment, reading its stdin', async () => {
    // Prepare
    await sluice(home, 'run', '--lake', 'mylake')
    let child: ReturnType<typeof execFile> | undefined
    const result = new Promise<CliResult>((done) => {
      child = execFile(process.execPath, [BIN, 'query', '-', '--lake', 'mylake', '--output', 'csv'], { cwd: home, env: userEnv() }, (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
      })
    })

    // Act: the command waits for its SQL on stdin; meanwhile its process is looked at.
    const pid = child!.pid!
    let argv: string[] = []
    for (let tries = 0; tries < 200 && !argv.includes('--max-semi-space-size=2'); tries++) {
      await new Promise((r) => setTimeout(r, 25))
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    }
    const environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
    child!.stdin!.end('SELECT count(*) AS n FROM orders')

    // Assess
    expect(argv).toEqual(expect.arrayContaining(['--max-old-space-size=1024', '--max-semi-space-size=2', 'query', '-']))
    expect(environment).toContain('MALLOC_MMAP_THRESHOLD_=131072')
    expect(await result).toEqual({ code: 0, stdout: 'n\n113\n', stderr: '' })
  }, 240_000)

  it('prints its version with --version', async () => {
    // Act
    const result = await sluice(home, '--version')

    // Assess
    expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
  })

  it.each([
    ['an unknown option', ['run', '--lkae', 'x'], /^sluice run: unknown option '--lkae' \(Did you mean --lake\?\)$/],
    ['an empty --key', ['run', '--lake', 'mylake', '--key', ''], /^sluice run: option '--key <rawKey>' argument '' is invalid/],
    ['an unknown command', ['rnu'], /^sluice: unknown command 'rnu'/],
    ['--s3-endpoint without buckets', ['run', '--s3-endpoint', 'http://127.0.0.1:1'], /^sluice run: --s3-endpoint needs --raw-bucket and --curated-bucket$/],
  ])('answers %s with one line and a hint to --help, exit 2', async (_case, args, line) => {
    // Act
    const result = await sluice(home, ...args)

    // Assess
    expect(result.code).toBe(2)
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(line)
    expect(lines[1]).toMatch(/^Run 'sluice( run)? --help' for its options and examples\.$/)
  })

  it.each([
    ['a --lake that does not exist', ['run', '--lake', './lkae'], /^sluice run: lake: no folder .*lkae; /],
    ['a --lake without raw/ or curated/ to query', ['query', 'SELECT 1', '--lake', 'not-a-lake'], /^sluice query: lake: .*not-a-lake holds neither raw\/ nor curated\//],
    ['a --lake without raw/ or curated/ to list', ['tables', '--lake', 'not-a-lake'], /holds neither raw\/ nor curated\//],
    ['a --key that does not exist', ['run', '--lake', 'mylake', '--key', 'orders/orders-2024-5.csv'], /^sluice run: no raw key orders\/orders-2024-5\.csv in .*; nearest: orders\/orders-2024-05\.csv, orders\/orders-2024-06\.csv, /],
    ['a query of an unknown table', ['query', 'SELECT * FROM orderz', '--lake', 'mylake'], /^sluice query: no table orderz in database sluice; tables: .*\borders, orders__rejects\b/],
  ])('fails %s with one line, exit 1', async (_case, args, line) => {
    // Act
    const result = await sluice(home, ...args)

    // Assess
    expect(result.code).toBe(1)
    const lines = result.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(line)
  })

  it('shows examples in the help of every command', async () => {
    // Prepare
    const commands = [
      [], ['run'], ['query'], ['tables'], ['runs'], ['status'], ['receipt'], ['compact'], ['retry'], ['reprocess'], ['drop'], ['transform'],
      ['aws'], ['aws', 'start'], ['aws', 'runs'], ['aws', 'status'], ['aws', 'reprocess'], ['aws', 'query'],
    ]

    // Act
    const results = await Promise.all(commands.map((c) => sluice(home, ...c, '--help')))

    // Assess
    for (const [i, result] of results.entries()) {
      expect(result.code, commands[i]!.join(' ')).toBe(0)
      expect(result.stdout, commands[i]!.join(' ')).toMatch(new RegExp(`Examples:\\n  (npm start|npx sluice ${commands[i]!.join(' ')})`))
    }
  }, 240_000)

  it('reprocesses, shows the status and runs as JSON, and drops a dataset only when confirmed', async () => {
    // Prepare
    cpSync(join(REPO, 'sample-data'), join(home, 'opslake', 'raw'), { recursive: true })
    await sluice(home, 'run', '--lake', 'opslake')

    // Act
    const reprocess = await sluice(home, 'reprocess', 'orders', '--lake', 'opslake', '--json')
    const status = await sluice(home, 'status', '--lake', 'opslake', '--json')
    const runs = await sluice(home, 'runs', '--lake', 'opslake', '--json')
    const refused = await sluice(home, 'drop', 'orders', '--lake', 'opslake')
    const badName = await sluice(home, 'drop', 'orders__rejects', '--lake', 'opslake', '--yes')
    const dropped = await sluice(home, 'drop', 'orders', '--lake', 'opslake', '--yes')
    const tables = await sluice(home, 'tables', '--lake', 'opslake', '--json')

    // Assess
    expect(reprocess.code).toBe(0)
    expect(JSON.parse(reprocess.stdout)).toMatchObject({ trigger: 'reprocess', totals: { loaded: 2 } })
    expect((JSON.parse(status.stdout) as { dataset: string; rows: number }[]).map((s) => [s.dataset, s.rows])).toEqual([['customers', 48], ['orders', 113], ['payments', 69]])
    expect((JSON.parse(runs.stdout) as { trigger: string }[]).map((r) => r.trigger)).toEqual(['reprocess', 'schedule'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/^sluice drop: would remove table sluice\.orders, .*; pass --yes to confirm without a terminal\n/)
    expect(badName.code).toBe(2)
    expect(dropped.code).toBe(0)
    expect(dropped.stdout).toMatch(/^dropped table sluice\.orders, table sluice\.orders__rejects, .*raw files stay/)
    expect((JSON.parse(tables.stdout) as { table: string }[]).map((t) => t.table)).toEqual(['sluice.customers', 'sluice.customers__rejects', 'sluice.payments', 'sluice.payments__rejects'])
  }, 240_000)

  it('prints the receipt of a loaded and of a quarantined file, and says why a key has none', async () => {
    // Prepare
    cpSync(join(REPO, 'sample-data'), join(home, 'receiptlake', 'raw'), { recursive: true })
    writeFileSync(join(home, 'receiptlake', 'raw', 'orders', 'broken.csv'), Buffer.from([0x69, 0x64, 0x0a, 0x00, 0x01, 0x02, 0x0a]))
    await sluice(home, 'run', '--lake', 'receiptlake')

    // Act
    const text = await sluice(home, 'receipt', 'orders/orders-2024-06.csv', '--lake', 'receiptlake')
    const json = await sluice(home, 'receipt', 'orders/orders-2024-06.csv', '--lake', 'receiptlake', '--json')
    const broken = await sluice(home, 'receipt', 'orders/broken.csv', '--lake', 'receiptlake', '--json')
    const typo = await sluice(home, 'receipt', 'orders/orders-2024-6.csv', '--lake', 'receiptlake')
    const notData = await sluice(home, 'receipt', '_contracts/payments.json', '--lake', 'receiptlake')
    const receipt = JSON.parse(json.stdout) as { status: string; rowsLoaded: number; rowsRejected: number; queries: { rows: string; rejects: string } }
    const rows = await sluice(home, 'query', receipt.queries.rows, '--lake', 'receiptlake', '--json')

    // Assess
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^orders\/orders-2024-06\.csv: loaded by run \S+ at \S+\n  version   \S+\n  rows      \d+ in, \d+ loaded, \d+ rejected\n/)
    expect(text.stdout).toContain(`rows:     sluice query "${receipt.queries.rows}"`)
    expect(receipt.status).toBe('loaded')
    expect((JSON.parse(rows.stdout) as unknown[]).length).toBe(receipt.rowsLoaded)
    expect(JSON.parse(broken.stdout)).toMatchObject({ key: 'orders/broken.csv', status: 'quarantined', rowsLoaded: 0, reason: expect.stringMatching(/^BinaryInputError: /) })
    expect(typo.code).toBe(1)
    expect(typo.stderr).toMatch(/^sluice receipt: no raw key orders\/orders-2024-6\.csv and no receipt of it; nearest: orders\/orders-2024-06\.csv, orders\/orders-2024-05\.csv/)
    expect(notData.code).toBe(2)
    expect(notData.stderr).toMatch(/^sluice receipt: _contracts\/payments\.json is not a raw data key/)
  }, 240_000)

  it('compacts the small parts of a dataset, keeping its rows', async () => {
    // Prepare
    cpSync(join(REPO, 'sample-data'), join(home, 'compactlake', 'raw'), { recursive: true })
    for (const copy of ['copy-1.csv', 'copy-2.csv']) cpSync(join(REPO, 'sample-data', 'customers', 'customers.csv'), join(home, 'compactlake', 'raw', 'customers', copy))
    await sluice(home, 'run', '--lake', 'compactlake')
    const before = await sluice(home, 'query', 'SELECT count(*) AS n, count(DISTINCT _sluice_source) AS files FROM customers', '--lake', 'compactlake', '--json')

    // Act
    const compacted = await sluice(home, 'compact', 'customers', '--lake', 'compactlake', '--json')
    const text = await sluice(home, 'compact', '--lake', 'compactlake')
    const after = await sluice(home, 'query', 'SELECT count(*) AS n, count(DISTINCT _sluice_source) AS files FROM customers', '--lake', 'compactlake', '--json')
    const unknown = await sluice(home, 'compact', 'custmers', '--lake', 'compactlake')

    // Assess
    expect(compacted.code).toBe(0)
    expect((JSON.parse(compacted.stdout) as { table: string; outcome: string; partsBefore: number; partsAfter: number }[]).filter((o) => o.table === 'customers'))
      .toEqual([expect.objectContaining({ outcome: 'compacted', partsBefore: 3, partsAfter: 1 })])
    expect(text.stdout).toMatch(/^table +partition +outcome +parts +note\n/)
    expect(JSON.parse(after.stdout)).toEqual(JSON.parse(before.stdout))
    expect(JSON.parse(after.stdout)).toEqual([{ n: 144, files: 3 }])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/^sluice compact: no dataset custmers in the lake; datasets: customers, orders, payments/)
  }, 240_000)
})
