import { availableParallelism } from 'node:os'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { convertRange, type RangeJob, type RangeResult } from '../core/convert-range'
import type { EncodedRowGroup } from '../core/parquet/columnar-part-writer'
import type { RangeRunner } from '../core/transform-types'

/**
 * Byte ranges in worker threads. The worker runs this same module: under tsx (CLI, bench,
 * tests) it is this file, loaded with `--import tsx`; inside the esbuild bundle of a Lambda it
 * is the bundle itself, whose top-level code sees `workerData.sluiceRangeWorker` here and
 * serves ranges instead of waiting for events. So no extra bundle entry is needed.
 *
 * The main thread does all I/O: it reads the range and posts chunks on request (the worker
 * pulls, so at most one chunk waits), and writes every encoded row group the worker posts
 * (acknowledged before the worker goes on, so at most one group is in flight).
 */
type ToWorker = { type: 'job'; job: RangeJob } | { type: 'chunk'; bytes: Uint8Array } | { type: 'end' } | { type: 'written' }
type FromWorker =
  | { type: 'more' }
  | { type: 'group'; group: EncodedRowGroup }
  | { type: 'done'; result: RangeResult }
  | { type: 'error'; name: string; message: string; stack?: string }

const WORKER_FLAG = 'sluiceRangeWorker'

/** A runner that converts each range in a worker thread of its own. */
export function workerRangeRunner(maxWorkers = availableParallelism()): RangeRunner {
  return { maxWorkers, run: runInWorker }
}

function runInWorker(job: RangeJob, bytes: AsyncIterable<Uint8Array>, emit: (group: EncodedRowGroup) => Promise<void>): Promise<RangeResult> {
  const worker = startWorker()
  const input = bytes[Symbol.asyncIterator]()
  return new Promise<RangeResult>((resolve, reject) => {
    let settled = false
    const finish = (fn: () => void) => {
      if (settled) return
      settled = true
      fn()
      void worker.terminate()
    }
    worker.on('message', (message: FromWorker) => {
      void (async () => {
        try {
          if (message.type === 'more') {
            const next = await input.next()
            if (next.done) worker.postMessage({ type: 'end' } satisfies ToWorker)
            else worker.postMessage({ type: 'chunk', bytes: next.value } satisfies ToWorker)
          } else if (message.type === 'group') {
            await emit(message.group)
            worker.postMessage({ type: 'written' } satisfies ToWorker)
          } else if (message.type === 'done') {
            finish(() => resolve(message.result))
          } else {
            const error = new Error(message.message)
            error.name = message.name
            error.stack = message.stack
            finish(() => reject(error))
          }
        } catch (e) {
          finish(() => reject(e))
        }
      })()
    })
    worker.on('error', (e) => finish(() => reject(e)))
    worker.on('exit', (code) => finish(() => reject(new Error(`range worker exited with code ${code} before it finished`))))
    worker.postMessage({ type: 'job', job } satisfies ToWorker)
  })
}

/**
 * A worker running this module. From TypeScript sources (tsx, vitest) the worker first
 * registers tsx's loader, since Node 20 ignores `--import` in a worker's execArgv.
 */
function startWorker(): Worker {
  const url = new URL(import.meta.url)
  const options = { workerData: { [WORKER_FLAG]: true } }
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options)
  const tsx = import.meta.resolve('tsx/esm/api')
  const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(code, { ...options, eval: true })
}

/** The worker side: one job, its chunks pulled one at a time, its groups sent one at a time. */
function serveRange(port: NonNullable<typeof parentPort>): void {
  let waiting: ((m: ToWorker) => void) | undefined
  const queue: ToWorker[] = []
  port.on('message', (m: ToWorker) => {
    if (waiting) {
      const w = waiting
      waiting = undefined
      w(m)
    } else queue.push(m)
  })
  const next = () => new Promise<ToWorker>((resolve) => (queue.length ? resolve(queue.shift()!) : (waiting = resolve)))
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      port.postMessage({ type: 'more' } satisfies FromWorker)
      const m = await next()
      if (m.type !== 'chunk') return
      yield m.bytes
    }
  }
  void (async () => {
    try {
      const first = await next()
      if (first.type !== 'job') throw new Error('range worker: expected a job first')
      const result = await convertRange(first.job, chunks(), async (group) => {
        port.postMessage({ type: 'group', group } satisfies FromWorker, [group.bytes.buffer as ArrayBuffer])
        await next()
      })
      port.postMessage({ type: 'done', result } satisfies FromWorker)
    } catch (e) {
      const error = e as Error
      port.postMessage({ type: 'error', name: error.name, message: error.message, stack: error.stack } satisfies FromWorker)
    }
  })()
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | undefined)?.[WORKER_FLAG]) serveRange(parentPort)
