import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localLake } from '../../cli/local/local-lake'
import { loadDefinition } from '../../cli/local/run-workflow'
import { runLocally, type LocalRunOutcome } from '../../cli/local-run'
import { openLakeQuery } from '../../cli/query/lake-query'
import { partitionFiles } from '../../cli/query/partition-files'
import { refOf, resourceIds, removeSyntheses, synthSluice, type TemplateJson } from '../support/infra-synth'

const SAMPLE_DATA = fileURLToPath(new URL('../../sample-data/', import.meta.url))
const START_TIME = new Date('2024-07-01T06:00:00.000Z')
const fakeArn = (logicalId: string) => `arn:aws:lambda:us-east-1:000000000000:function:${logicalId}`

/**
 * The definition CloudFormation will create: the staged definition asset with each
 * `${Name}` replaced by its DefinitionSubstitutions value, as CloudFormation does, the
 * function ARNs (Fn::GetAtt) standing in as fake ARNs named by the function's logical ID.
 */
async function deployedDefinition(json: TemplateJson, assemblyDir: string): Promise<{ text: string; placeholders: string[]; substitutions: string[] }> {
  const [id] = resourceIds(json, 'AWS::StepFunctions::StateMachine')
  const props = json.Resources[id!]!.Properties!
  const asset = await readFile(join(assemblyDir, `asset.${props.DefinitionS3Location.Key}`), 'utf8')
  const values = Object.fromEntries(
    Object.entries(props.DefinitionSubstitutions as Record<string, unknown>).map(([name, value]) => [name, fakeArn(refOf(value)!)]),
  )
  const placeholders = [...asset.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!)
  const text = asset.replace(/\$\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole)
  return { text, placeholders: [...new Set(placeholders)].sort(), substitutions: Object.keys(values).sort() }
}

/** A lake in a new folder, its raw zone a copy of sample-data/. */
async function sampleLake() {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-infra-'))
  await cp(SAMPLE_DATA, join(dir, 'raw'), { recursive: true })
  return { dir, deps: localLake(dir) }
}

/** Every table of the lake, `SELECT * … ORDER BY ALL`, as Athena would answer. */
async function snapshot(lake: Awaited<ReturnType<typeof sampleLake>>): Promise<Record<string, unknown[]>> {
  const tables = (await lake.deps.catalog.listTables(lake.deps.database)).map((t) => t.Name).sort()
  const query = await openLakeQuery(lake.deps.catalog, 'sluice', partitionFiles({}, join(lake.dir, 'query-cache')))
  try {
    const result: Record<string, unknown[]> = { tables }
    for (const table of tables) result[table] = (await query.query(`SELECT COLUMNS(c -> c <> '_sluice_run_id') FROM sluice."${table}" ORDER BY ALL`)).rows
    return result
  } finally {
    query.close()
  }
}

afterAll(removeSyntheses)

describe('the state machine definition in the synthesized stack', () => {
  const dirs: string[] = []
  let deployed: Awaited<ReturnType<typeof deployedDefinition>>

  beforeAll(async () => {
    const { json, assembly } = synthSluice({}, { bundle: false })
    deployed = await deployedDefinition(json, assembly.directory)
  })

  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
  })

  it('has a substitution for every placeholder, and none survives', () => {
    expect(deployed.placeholders).toEqual(['CompactFunctionArn', 'HandOffFunctionArn', 'LoadFunctionArn', 'PlanFunctionArn', 'SiteFunctionArn', 'TransformFunctionArn'])
    expect(deployed.substitutions).toEqual(deployed.placeholders)
    expect(deployed.text).not.toContain('${')
  })

  it('runs the file loop as a Distributed Map reading its items from S3, batching them and writing its results to S3', () => {
    // Prepare
    const definition = JSON.parse(deployed.text) as { States: Record<string, Record<string, any>> }

    // Act
    const map = definition.States.TransformFiles!

    // Assess
    expect(map.Type).toBe('Map')
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' })
    expect(map.ItemReader).toEqual({ Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { 'Bucket.$': '$.batch.bucket', 'Key.$': '$.batch.key' } })
    expect(map.ItemBatcher).toMatchObject({ MaxItemsPerBatchPath: '$.batch.itemsPerBatch', BatchInput: { 'runId.$': '$.runId', 'context.$': '$.batch.context' } })
    expect(map.ItemBatcher.MaxInputBytesPerBatch).toBeLessThanOrEqual(262_144)
    expect(map.ResultWriter).toEqual({ Resource: 'arn:aws:states:::s3:putObject', Parameters: { 'Bucket.$': '$.batch.bucket', 'Prefix.$': '$.batch.results' } })
    expect(map.ToleratedFailurePercentage).toBe(100)
    expect(map.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.mapRun', Next: 'Load' }])
    // Load is handed keys, never the results themselves.
    expect(Object.keys(definition.States.Load!.Parameters).sort()).toEqual(['batch.$', 'excise.$', 'ingestDate.$', 'mapRun.$', 'pending.$', 'runId.$', 'skipped.$', 'startedAt.$', 'trigger.$'])
  })

  it('is statemachine/etl.asl.json with the function ARNs filled in', async () => {
    // Prepare
    const definition = JSON.parse(deployed.text) as { States: Record<string, { Resource?: string }> }
    const arns = { ...Object.fromEntries(['Plan', 'Load', 'Compact', 'HandOff'].map((state) => [`${state}FunctionArn`, definition.States[state]!.Resource!])), SiteFunctionArn: definition.States.UpdateSite!.Resource! }
    const transform = (definition.States.TransformFiles as unknown as { ItemProcessor: { States: { Transform: { Resource: string } } } }).ItemProcessor.States.Transform

    // Act
    const original = await loadDefinition({ ...arns, TransformFunctionArn: transform.Resource })

    // Assess
    expect(definition).toEqual(original)
  })

  it('loads the sample data into the same tables as the workflow file run locally', async () => {
    // Prepare
    const synthesized = await sampleLake()
    const original = await sampleLake()
    dirs.push(synthesized.dir, original.dir)

    // Act
    const fromStack: LocalRunOutcome = await runLocally(synthesized.deps, { trigger: 'schedule' }, { definition: JSON.parse(deployed.text), startTime: START_TIME })
    const fromFile: LocalRunOutcome = await runLocally(original.deps, { trigger: 'schedule' }, { startTime: START_TIME })
    const [stackTables, fileTables] = [await snapshot(synthesized), await snapshot(original)]

    // Assess
    expect(fromStack.failure).toBeUndefined()
    expect(fromStack.report.totals).toEqual(fromFile.report.totals)
    expect(fromStack.report.totals).toMatchObject({ files: 4, loaded: 4, failed: 0 })
    expect(stackTables.tables).toEqual(['customers', 'customers__rejects', 'orders', 'orders__rejects', 'payments', 'payments__rejects'])
    expect(stackTables).toEqual(fileTables)
  })
})
