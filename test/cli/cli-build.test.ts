import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REPO = resolve(import.meta.dirname, '../..')
const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd }, (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }))
  })
}

/** The build, made as `npm install` makes it (scripts/build-cli.mjs), into a folder of its own. */
let out: string
let home: string

beforeAll(async () => {
  mkdirSync(join(REPO, 'test-output'), { recursive: true })
  out = mkdtempSync(join(REPO, 'test-output', 'cli-build-'))
  home = mkdtempSync(join(tmpdir(), 'sluice-build-'))
  const built = await run([join(REPO, 'scripts', 'build-cli.mjs'), out], REPO)
  expect(built, built.stderr).toMatchObject({ code: 0 })
}, 120_000)

afterAll(() => {
  rmSync(out, { recursive: true, force: true })
  rmSync(home, { recursive: true, force: true })
})

describe('the built sluice command', () => {
  it('records the sources it was built from', () => {
    const info = JSON.parse(readFileSync(join(out, 'build-info.json'), 'utf8')) as { inputs: string[] }
    expect(info.inputs).toEqual(expect.arrayContaining(['cli/sluice.ts', 'cli/query/lake-query.ts', 'functions/core/transform/transform-csv.ts']))
    expect(info.inputs.every((p) => existsSync(join(REPO, p)))).toBe(true)
  })

  it('prints its version', async () => {
    expect(await run([join(out, 'sluice.js'), '--version'], home)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
  })

  it('runs the workflow, then queries the lake it loaded', async () => {
    // Prepare
    cpSync(join(REPO, 'sample-data'), join(home, 'lake', 'raw'), { recursive: true })

    // Act: the workflow reads its ASL and the site its chart library from the build's folder.
    const ran = await run([join(out, 'sluice.js'), 'run', '--output', 'json'], home)
    const queried = await run([join(out, 'sluice.js'), 'query', 'SELECT count(*) AS n FROM orders', '--output', 'csv'], home)

    // Assess
    expect(ran.code, ran.stderr).toBe(0)
    expect(JSON.parse(ran.stdout)).toMatchObject({ totals: { loaded: 4, failed: 0 } })
    expect(existsSync(join(home, 'lake', 'site', 'index.html'))).toBe(true)
    expect(queried).toEqual({ code: 0, stdout: 'n\n113\n', stderr: '' })
  }, 240_000)
})
