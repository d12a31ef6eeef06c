import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUNDLE_FILE, BUNDLING } from '../../infra/functions'
import { removeSyntheses, synthSluice, type TemplateJson } from '../support/infra-synth'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const STEPS = ['plan', 'transform', 'load', 'handoff', 'site', 'drops'] as const
/** Files a step's asset holds besides the bundle: the Site step serves the chart library. */
const EXTRA_FILES: Partial<Record<(typeof STEPS)[number], string[]>> = { site: ['uPlot.iife.min.js', 'uPlot.min.css'] }
const MAX_BUNDLE_BYTES = 5 * 1024 * 1024

/** The staged asset folder of a step's function: `asset.<hash>` next to the template. */
function assetDir(json: TemplateJson, assemblyDir: string, step: string): string {
  const fn = Object.values(json.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === `sluice-${step}`)
  const key = fn?.Properties?.Code?.S3Key as string
  return join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`)
}

/** The environment the stack gives a step's function, with each bucket reference as a name. */
function functionEnv(json: TemplateJson, step: string): Record<string, string> {
  const fn = Object.values(json.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.FunctionName === `sluice-${step}`)
  const vars = (fn?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? v : `bucket-of-${k.toLowerCase()}`]))
}

/** A child Node process (as Lambda would run the bundle) with no AWS_* variables. */
function nodeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')))
  return { ...env, ...extra }
}

afterAll(removeSyntheses)

describe('the Lambda bundles of the synthesized stack', () => {
  let dirs: Record<(typeof STEPS)[number], string>
  let envs: Record<(typeof STEPS)[number], Record<string, string>>

  beforeAll(() => {
    const { json, assembly } = synthSluice()
    dirs = Object.fromEntries(STEPS.map((s) => [s, assetDir(json, assembly.directory, s)])) as typeof dirs
    envs = Object.fromEntries(STEPS.map((s) => [s, functionEnv(json, s)])) as typeof envs
  })

  it('holds one ESM file per function (the site one with the chart library), each under 5 MB', () => {
    for (const step of STEPS) {
      expect(readdirSync(dirs[step]).sort()).toEqual([BUNDLE_FILE, ...(EXTRA_FILES[step] ?? [])].sort())
      expect(statSync(join(dirs[step], BUNDLE_FILE)).size).toBeLessThan(MAX_BUNDLE_BYTES)
    }
  })

  it.each(STEPS)('bundles %s without DuckDB, the CLI or the CDK', async (step) => {
    // Prepare: the same build with a metafile; equal output proves it is the same build.
    const result = await build({
      entryPoints: [join(ROOT, 'functions', step, 'handler.ts')],
      bundle: true,
      platform: 'node',
      write: false,
      metafile: true,
      outfile: join(tmpdir(), BUNDLE_FILE),
      format: 'esm',
      target: BUNDLING.target,
      mainFields: BUNDLING.mainFields,
      minify: BUNDLING.minify,
      keepNames: BUNDLING.keepNames,
      sourcemap: BUNDLING.sourceMap,
      banner: { js: BUNDLING.banner },
      logLevel: 'silent',
    })
    const inputs = Object.keys(result.metafile.inputs).map((p) => relative(ROOT, join(process.cwd(), p)))

    // Assess
    expect(result.outputFiles[0]!.text).toBe(readFileSync(join(dirs[step], BUNDLE_FILE), 'utf8'))
    expect(inputs.filter((p) => p.includes('@duckdb') || p.startsWith('cli/') || p.includes('aws-cdk-lib') || p.startsWith('infra/'))).toEqual([])
    expect(inputs).toContain(`functions/${step}/handler.ts`)
  })

  it.each(STEPS)('loads the %s bundle in Node with exactly the environment the stack gives it, exports the handler and keeps error class names', (step) => {
    // Act
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(join(dirs[step], BUNDLE_FILE)).href)})
      const error = await handler({}).then(() => undefined, (e) => e)
      console.log(JSON.stringify({ handler: typeof handler, error: error?.name }))`
    const run = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      env: nodeEnv({ ...envs[step], AWS_REGION: 'us-east-1' }),
      encoding: 'utf8',
    })

    // Assess: an invalid event throws before any AWS call, with the class name the ASL matches on.
    expect(run.stderr).toBe('')
    expect(JSON.parse(run.stdout)).toEqual({ handler: 'function', error: 'InvalidInputError' })
  })

  it('fails the cold start of a bundle naming the variable that is missing', () => {
    const script = `await import(${JSON.stringify(pathToFileURL(join(dirs.transform, BUNDLE_FILE)).href)})`
    const run = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], { env: nodeEnv(), encoding: 'utf8' })
    expect(run.status).not.toBe(0)
    expect(run.stderr).toMatch(/ConfigError: config: environment variable RAW_BUCKET is not set/)
  })
})

describe('npx cdk synth', () => {
  const out = mkdtempSync(join(tmpdir(), 'sluice-cdk-cli-'))

  afterAll(() => rmSync(out, { recursive: true, force: true }))

  it('synthesizes the stack from a clean environment: no AWS credentials, region or Docker', () => {
    // Act
    const run = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', out], {
      cwd: ROOT,
      env: nodeEnv({ NODE_ENV: 'production', DOCKER_HOST: 'unix:///nonexistent/docker.sock' }),
      encoding: 'utf8',
      timeout: 180_000,
    })

    // Assess
    expect(run.status, run.stderr).toBe(0)
    expect(existsSync(join(out, 'Sluice.template.json'))).toBe(true)
  }, 200_000)
})
