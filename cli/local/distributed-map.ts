import { randomUUID } from 'node:crypto'
import { StateMachine } from 'aws-local-stepfunctions'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import type { ChildExecutionRecord, ResultWriterManifest } from '../../functions/load/map-run-results'
import { limitedStateMachine, StatesLimitError } from './execution-limits'

/** A Task handler as the local interpreter calls it. */
type Handler = (input: unknown) => Promise<unknown>

/** Resource of the Task that stands in for a Distributed Map: only its name matters locally. */
const STAND_IN_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:sluice-local-distributed-map'

/** Child executions at once when the Map sets no concurrency (AWS's own ceiling is 10,000). */
const UNBOUNDED = 10_000

type State = Record<string, unknown> & { Type: string }

interface MapSpec {
  ItemReader?: { Resource: string; ReaderConfig?: { InputType?: string }; Parameters: Record<string, unknown> }
  ItemsPath?: string
  ItemSelector?: unknown
  ItemBatcher?: { MaxItemsPerBatch?: number; MaxItemsPerBatchPath?: string; MaxInputBytesPerBatch?: number; MaxInputBytesPerBatchPath?: string; BatchInput?: Record<string, unknown> }
  MaxConcurrency?: number
  MaxConcurrencyPath?: string
  ToleratedFailurePercentage?: number
  ToleratedFailurePercentagePath?: string
  ToleratedFailureCount?: number
  ToleratedFailureCountPath?: string
  ItemProcessor: { ProcessorConfig?: { Mode?: string; ExecutionType?: string }; StartAt: string; States: Record<string, State> }
  ResultWriter?: { Resource: string; Parameters: Record<string, unknown> }
}

/** What the stand-in Task's Parameters resolve to: the Map's paths, evaluated by the interpreter. */
interface MapRequest {
  items?: unknown[]
  reader?: { Bucket: string; Key: string }
  batchInput?: unknown
  maxItemsPerBatch?: number
  maxInputBytesPerBatch?: number
  maxConcurrency?: number
  toleratedFailurePercentage?: number
  toleratedFailureCount?: number
  writer?: { Bucket: string; Prefix: string }
}

export interface DistributedMapOptions {
  /** The object store of a bucket the Map reads items from or writes results to. */
  bucket: (name: string) => ObjectStore | undefined
  /** Task handlers of the child executions, by state name. */
  handlers: Record<string, Handler>
  /** The state machine's ARN, which names the Map runs and child executions. */
  stateMachineArn: string
  /** Aborting it aborts the running child executions and starts no more. */
  signal?: AbortSignal
  /** Milliseconds before each retry of a child's state, by state name, instead of its backoff. */
  retryIntervals?: Record<string, number | number[]>
}

/**
 * The definition with each Distributed Map state replaced by a Task whose local handler runs
 * the Map as Step Functions does: reads the items (ItemReader, JSON from S3), groups them
 * (ItemBatcher: count and bytes, BatchInput), runs each batch as a child execution of the
 * ItemProcessor (under the same quotas, with the given task handlers), at most MaxConcurrency
 * at once, applies ToleratedFailurePercentage/Count, writes the ResultWriter's manifest and
 * result files, and returns its output (`{ MapRunArn, ResultWriterDetails }`). The interpreter's
 * own Retry, Catch, ResultSelector, ResultPath and OutputPath still apply around the Task.
 * (aws-local-stepfunctions validates these fields but runs a Map from ItemsPath only.)
 */
export function standInForDistributedMaps(definition: { States: Record<string, State> }, options: DistributedMapOptions): { definition: object; handlers: Record<string, Handler>; distributed: Set<string> } {
  // The definition as Step Functions gets it is validated (the Map's reader, batcher and writer
  // too); the stand-in and the child executions then need no validation of their own.
  new StateMachine(definition as never, { validationOptions: { checkArn: true } })
  const states: Record<string, State> = {}
  const handlers: Record<string, Handler> = {}
  for (const [name, state] of Object.entries(definition.States)) {
    const spec = state as unknown as MapSpec
    if (state.Type !== 'Map' || spec.ItemProcessor?.ProcessorConfig?.Mode !== 'DISTRIBUTED') {
      states[name] = state
      continue
    }
    if (spec.ItemSelector !== undefined) throw new Error(`statemachine: the local runner does not apply ItemSelector of Distributed Map ${name}`)
    const kept = Object.fromEntries(['Comment', 'InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Retry', 'Catch', 'Next', 'End'].filter((k) => k in state).map((k) => [k, state[k]]))
    states[name] = { Type: 'Task', Resource: STAND_IN_ARN, ...kept, Parameters: requestTemplate(spec) }
    handlers[name] = (input) => runMap(name, spec, input as MapRequest, options)
  }
  return { definition: { ...definition, States: states }, handlers, distributed: new Set(Object.keys(handlers)) }
}

/** The stand-in's Parameters: every path of the Map, for the interpreter to resolve. */
function requestTemplate(spec: MapSpec): Record<string, unknown> {
  const valueOrPath = (key: string, value: unknown, path: string | undefined) => (path !== undefined ? { [`${key}.$`]: path } : value !== undefined ? { [key]: value } : {})
  const batcher = spec.ItemBatcher
  return {
    ...(spec.ItemReader ? { reader: spec.ItemReader.Parameters } : { 'items.$': spec.ItemsPath ?? '$' }),
    ...(batcher ? { batchInput: batcher.BatchInput ?? {} } : {}),
    ...valueOrPath('maxItemsPerBatch', batcher?.MaxItemsPerBatch, batcher?.MaxItemsPerBatchPath),
    ...valueOrPath('maxInputBytesPerBatch', batcher?.MaxInputBytesPerBatch, batcher?.MaxInputBytesPerBatchPath),
    ...valueOrPath('maxConcurrency', spec.MaxConcurrency, spec.MaxConcurrencyPath),
    ...valueOrPath('toleratedFailurePercentage', spec.ToleratedFailurePercentage, spec.ToleratedFailurePercentagePath),
    ...valueOrPath('toleratedFailureCount', spec.ToleratedFailureCount, spec.ToleratedFailureCountPath),
    ...(spec.ResultWriter ? { writer: spec.ResultWriter.Parameters } : {}),
  }
}

async function runMap(name: string, spec: MapSpec, request: MapRequest, options: DistributedMapOptions): Promise<unknown> {
  const items = request.items ?? (await readItems(spec, request, options))
  if (!Array.isArray(items)) throw new StatesLimitError('States.Runtime', `map ${name}: its items are not an array`)
  const inputs = spec.ItemBatcher ? batches(items, request) : items
  const runId = randomUUID()
  const machine = options.stateMachineArn.split(':').at(-1)
  const mapRunArn = `${options.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${name}:${runId}`
  const { ProcessorConfig: _config, ...processor } = spec.ItemProcessor
  const records = await runChildren(inputs, request.maxConcurrency || UNBOUNDED, options.signal, (input, index) => {
    const childName = `${runId.slice(0, 8)}-${index}`
    const executionArn = `${options.stateMachineArn.replace(':stateMachine:', ':execution:')}/${name}:${childName}`
    return runChild(processor, input, { childName, executionArn, stateMachineArn: `${options.stateMachineArn}/${name}`, mapRunArn, machine: `${machine}/${name}` }, options)
  })
  // With an ItemBatcher, a failed child execution counts each of its items as failed.
  const weight = (r: ChildExecutionRecord) => (spec.ItemBatcher ? (JSON.parse(r.Input) as { Items: unknown[] }).Items.length : 1)
  const failed = records.filter((r) => r.Status !== 'SUCCEEDED').reduce((n, r) => n + weight(r), 0)
  const output = request.writer ? await writeResults(request.writer, runId, mapRunArn, records, options) : records.map((r) => (r.Output === undefined ? r : JSON.parse(r.Output)))
  const percentage = request.toleratedFailurePercentage ?? 0
  const count = request.toleratedFailureCount
  const tolerated = (count !== undefined && failed <= count) || (items.length > 0 ? (failed * 100) / items.length <= percentage : true)
  if (!tolerated) {
    throw Object.assign(new Error(`map ${name}: ${failed} of ${items.length} items failed, over the tolerated failures`), { name: 'States.ExceedToleratedFailureThreshold' })
  }
  return output
}

async function readItems(spec: MapSpec, request: MapRequest, options: DistributedMapOptions): Promise<unknown> {
  const reader = spec.ItemReader!
  if (reader.Resource !== 'arn:aws:states:::s3:getObject' || reader.ReaderConfig?.InputType !== 'JSON') {
    throw itemReaderFailed(`the local runner reads JSON objects from S3 only, not ${reader.Resource} ${reader.ReaderConfig?.InputType}`)
  }
  const { Bucket, Key } = request.reader!
  const text = await options.bucket(Bucket)?.readText(Key)
  if (text === undefined) throw itemReaderFailed(`s3://${Bucket}/${Key} does not exist`)
  try {
    return JSON.parse(text)
  } catch (e) {
    throw itemReaderFailed(`s3://${Bucket}/${Key} is not JSON: ${(e as Error).message}`)
  }
}

const itemReaderFailed = (message: string) => Object.assign(new Error(message), { name: 'States.ItemReaderFailed' })

/**
 * ItemBatcher: consecutive items, a batch closing at MaxItemsPerBatch items or when the next
 * item would take its input (`{ Items, BatchInput }`) past MaxInputBytesPerBatch.
 */
export function batches(items: unknown[], request: Pick<MapRequest, 'batchInput' | 'maxItemsPerBatch' | 'maxInputBytesPerBatch'>): unknown[] {
  const maxItems = request.maxItemsPerBatch || Number.MAX_SAFE_INTEGER
  const maxBytes = request.maxInputBytesPerBatch || 262_144
  const base = Buffer.byteLength(JSON.stringify({ Items: [], BatchInput: request.batchInput ?? {} }))
  const out: { Items: unknown[]; BatchInput: unknown }[] = []
  let bytes = base
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item))
    const last = out.at(-1)
    // After the first item, each takes its comma too.
    if (last && last.Items.length < maxItems && bytes + size + 1 <= maxBytes) {
      last.Items.push(item)
      bytes += size + 1
    } else {
      out.push({ Items: [item], BatchInput: request.batchInput ?? {} })
      bytes = base + size
    }
  }
  return out
}

/** Runs `run` over the inputs, at most `concurrency` at once, stopping to start more once aborted. */
async function runChildren(inputs: unknown[], concurrency: number, signal: AbortSignal | undefined, run: (input: unknown, index: number) => Promise<ChildExecutionRecord>): Promise<ChildExecutionRecord[]> {
  const records: ChildExecutionRecord[] = new Array(inputs.length)
  let next = 0
  const worker = async () => {
    while (next < inputs.length && !signal?.aborted) {
      const index = next++
      records[index] = await run(inputs[index], index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker))
  if (signal?.aborted) throw Object.assign(new Error('map: the execution was aborted'), { name: 'ExecutionAborted' })
  return records
}

interface ChildNames {
  childName: string
  executionArn: string
  stateMachineArn: string
  mapRunArn: string
  machine: string
}

/** One child execution of the ItemProcessor, as its record in the ResultWriter's files. */
async function runChild(processor: object, input: unknown, names: ChildNames, options: DistributedMapOptions): Promise<ChildExecutionRecord> {
  const started = new Date().toISOString()
  const execution = limitedStateMachine(processor as never, { validationOptions: { noValidate: true } }).run(input as never, {
    overrides: { taskResourceLocalHandlers: options.handlers as never, ...(options.retryIntervals ? { retryIntervalOverrides: options.retryIntervals } : {}) },
    context: { Execution: { Name: names.childName, Input: input as never }, StateMachine: { Id: names.stateMachineArn, Name: names.machine } } as never,
  })
  const abort = () => execution.abort()
  options.signal?.addEventListener('abort', abort, { once: true })
  const record = {
    ExecutionArn: names.executionArn, Name: names.childName, StateMachineArn: names.stateMachineArn, MapRunArn: names.mapRunArn, StartDate: started,
    Input: JSON.stringify(input), InputDetails: { Included: true }, RedriveCount: 0,
  }
  try {
    const output = await execution.result
    return { ...record, Status: 'SUCCEEDED', StopDate: new Date().toISOString(), Output: JSON.stringify(output), OutputDetails: { Included: true }, RedriveStatus: 'NOT_REDRIVABLE', RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven' }
  } catch (e) {
    const error = (e as { cause?: Error }).cause ?? (e as Error)
    const status = (e as Error).name === 'ExecutionAbortedError' ? 'ABORTED' : (e as Error).name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED'
    return { ...record, Status: status, StopDate: new Date().toISOString(), Error: status === 'TIMED_OUT' ? 'States.Timeout' : error.name, Cause: error.message, RedriveStatus: 'REDRIVABLE' }
  } finally {
    options.signal?.removeEventListener('abort', abort)
  }
}

/**
 * Writes the Map run's results as the ResultWriter does: under `<Prefix>/<map run id>/`, the
 * child executions of each status in `<STATUS>_0.json`, and `manifest.json` listing them.
 */
async function writeResults(writer: NonNullable<MapRequest['writer']>, runId: string, mapRunArn: string, records: ChildExecutionRecord[], options: DistributedMapOptions) {
  const store = options.bucket(writer.Bucket)
  if (!store) throw Object.assign(new Error(`map: no bucket ${writer.Bucket} to write results to`), { name: 'States.ResultWriterFailed' })
  const prefix = `${writer.Prefix.replace(/\/$/, '')}/${runId}/`
  const manifest: ResultWriterManifest = { DestinationBucket: writer.Bucket, MapRunArn: mapRunArn, ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [] } }
  const groups: [keyof ResultWriterManifest['ResultFiles'], ChildExecutionRecord[]][] = [
    ['SUCCEEDED', records.filter((r) => r.Status === 'SUCCEEDED')],
    ['FAILED', records.filter((r) => r.Status !== 'SUCCEEDED')],
  ]
  for (const [status, group] of groups) {
    if (group.length === 0) continue
    const key = `${prefix}${status}_0.json`
    const text = JSON.stringify(group)
    await store.writeText(key, text)
    manifest.ResultFiles[status]!.push({ Key: key, Size: Buffer.byteLength(text) })
  }
  const key = `${prefix}manifest.json`
  await store.writeText(key, JSON.stringify(manifest))
  return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: writer.Bucket, Key: key } }
}
