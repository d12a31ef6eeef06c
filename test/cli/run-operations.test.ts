import { execFile, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runLocally } from '../../cli/local-run'
import { localLake } from '../../cli/local/local-lake'
import type { TaskHandler } from '../../cli/local/run-workflow'
import { lakeStatus } from '../../cli/ops/lake-status'
import type { TransformEvent } from '../../functions/core/lake/workflow-types'

const REPO = resolve(import.meta.dirname, '../..')
const BIN = join(REPO, 'bin', 'sluice.js')

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** The environment without what an enclosing `npm test` set, as a user's shell has it. */
const userEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD'))

/** `sluice <args>` over the lake folder `lake`. */
function sluice(lake: string, ...args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args, '--lake', lake], { env: userEnv() }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
    })
  })
}

const THREE_ROWS = 'id,name\n1,a\n2,b\n3,c\n'
/** A contract under which every row of THREE_ROWS is rejected: its ids are no dates. */
const REJECT_ALL = JSON.stringify({ columns: [{ name: 'id', type: 'date' }, { name: 'name', type: 'string' }] })

function put(lake: string, path: string, text: string): void {
  mkdirSync(join(lake, path, '..'), { recursive: true })
  writeFileSync(join(lake, path), text)
}

/** Every file under a folder with its bytes, by path. */
const contents = (dir: string) => Object.fromEntries(filesUnder(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]))

/** Files under a folder, as paths relative to it. */
const filesUnder = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort() : [])

describe('operating a local lake', () => {
  let lake: string

  beforeEach(() => {
    lake = mkdtempSync(join(tmpdir(), 'sluice-ops-'))
    put(lake, 'raw/prod/p.csv', THREE_ROWS)
  })

  afterEach(() => {
    rmSync(lake, { recursive: true, force: true })
  })

  it('removes the staging of a run whose process died, keeps a live run\'s, and leaves none of its own when a file fails', async () => {
    // Prepare: a run killed mid-way (its process is gone), one still running (this process), and a file that fails.
    const gone = spawnSync(process.execPath, ['-e', '']).pid
    const lease = (pid: number) => JSON.stringify({ runId: 'r', pid, host: hostname(), startedAt: '2024-07-01T06:00:00.000Z' })
    put(lake, 'curated/_staging/local-killed/run.json', lease(gone))
    put(lake, 'curated/_staging/local-killed/c0/part-00000.parquet', 'staged')
    put(lake, 'curated/_staging/local-live/run.json', lease(process.pid))
    put(lake, 'curated/_staging/local-live/c0/part-00000.parquet', 'staged')
    put(lake, 'raw/_contracts/prod.json', REJECT_ALL)

    // Act
    const ran = await sluice(lake, 'run')

    // Assess
    expect(ran.code).toBe(1)
    expect(filesUnder(join(lake, 'curated/_staging'))).toEqual(['local-live/c0/part-00000.parquet', 'local-live/run.json'])
  })

  it('loads a file again on retry after a reprocess quarantined it and a fixed contract', async () => {
    // Prepare: the file loaded, then a reprocess under a contract that rejects every row quarantined it.
    await runLocally(localLake(lake), { trigger: 'schedule' })
    put(lake, 'raw/_contracts/prod.json', REJECT_ALL)
    await runLocally(localLake(lake), { trigger: 'reprocess', dataset: 'prod' })
    put(lake, 'raw/_contracts/prod.json', JSON.stringify({ columns: [{ name: 'id', type: 'int' }, { name: 'name', type: 'string' }] }))

    // Act
    const retried = await sluice(lake, 'retry', 'prod/p.csv')
    const [status] = await lakeStatus(localLake(lake))

    // Assess
    expect(retried.code).toBe(0)
    expect([status.rows, status.quarantined]).toEqual([3, []])
  })

  it('tells to reprocess when a retried file is loaded already under an earlier contract', async () => {
    // Prepare: the file loaded; a reprocess under a contract that rejects every row quarantined
    // it, and was not swapped in (another file could not be read), so its earlier load stays.
    put(lake, 'raw/prod/q.csv', THREE_ROWS)
    await runLocally(localLake(lake), { trigger: 'schedule' })
    put(lake, 'raw/_contracts/prod.json', REJECT_ALL)
    const unreadable = (state: string, handler: TaskHandler): TaskHandler =>
      state !== 'Transform' ? handler : async (event) => {
        if ((event as TransformEvent).file.key === 'prod/q.csv') throw new Error('disk: cannot read prod/q.csv')
        return handler(event)
      }
    await runLocally(localLake(lake), { trigger: 'reprocess', dataset: 'prod' }, { wrap: unreadable })
    put(lake, 'raw/_contracts/prod.json', JSON.stringify({ columns: [{ name: 'id', type: 'int' }, { name: 'name', type: 'string' }] }))

    // Act
    const retried = await sluice(lake, 'retry', 'prod/p.csv')

    // Assess
    expect(retried.code).toBe(1)
    expect(retried.stderr).toContain('run `sluice reprocess prod`')
    expect(retried.stdout).not.toContain('already loaded and skipped')
  })

  it('exits 1 from status when a file failed or is quarantined, and 0 when files are only loaded or pending', async () => {
    // Prepare: one file loaded and one pending; then a file whose every row is rejected.
    await runLocally(localLake(lake), { trigger: 'schedule' })
    put(lake, 'raw/prod/q.csv', THREE_ROWS)
    const healthy = await sluice(lake, 'status')
    put(lake, 'raw/_contracts/prod.json', REJECT_ALL)
    await runLocally(localLake(lake), { trigger: 'schedule' })

    // Act
    const unhealthy = await sluice(lake, 'status')

    // Assess
    expect(healthy.code).toBe(0)
    expect(healthy.stdout).toMatch(/prod\s+prod\/q\.csv\s+pending/)
    expect(unhealthy.code).toBe(1)
    expect(unhealthy.stdout).toMatch(/prod\s+prod\/q\.csv\s+quarantined/)
  })

  it('lists what run and reprocess would process with --dry-run, and leaves every byte of the lake as it was', async () => {
    // Prepare: p.csv loaded, then changed; q.csv new.
    await runLocally(localLake(lake), { trigger: 'schedule' })
    put(lake, 'raw/prod/p.csv', `${THREE_ROWS}4,d\n`)
    put(lake, 'raw/prod/q.csv', THREE_ROWS)
    const before = contents(lake)

    // Act
    const run = await sluice(lake, 'run', '--dry-run', '--json')
    const reprocess = await sluice(lake, 'reprocess', 'prod', '--dry-run')

    // Assess
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({
      files: [{ dataset: 'prod', key: 'prod/p.csv', why: 'changed since it was loaded' }, { dataset: 'prod', key: 'prod/q.csv', why: 'new' }],
      skipped: 0,
    })
    expect(reprocess.code).toBe(0)
    expect(reprocess.stdout).toMatch(/prod\s+prod\/q\.csv\s+rebuilt under the current contract/)
    expect(reprocess.stdout).toContain('dry run: 2 file(s) of 1 dataset(s) would be processed')
    expect(contents(lake)).toEqual(before)
  })
})
