import { availableParallelism } from 'node:os'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { convertRange, type RangeJob, type RangeResult } from '../core/transform/convert-range'
import type { EncodedRowGroup } from '../core/parquet/columnar-part-writer'
import type { RangeRunner } from '../core/transform/transform-types'

/**
 * Byte ranges in worker threads. The worker runs this same module: under tsx (CLI, bench,
 * tests) it is this file, loaded with `--import tsx`; inside the esbuild bundle of a Lambda it
 * is the bundle itself, whose top-level code sees `workerData.sluiceRangeWorker` here and
 * serves ranges instead of waiting for events. So no extra bundle entry is needed.
 *
 * The main thread does all I/O. It sends a range's chunks ahead (up to READ_AHEAD
 * unconsumed, each consumed one asking for the next), so a worker keeps going while the main
 * thread is busy converting a range of its own; and it writes every encoded row group the worker
 * posts, in order (each acknowledged once written; the worker goes on with one unacknowledged,
 * so at most two groups are in flight).
 */
type ToWorker = { type: 'job'; job: RangeJob } | { type: 'chunk'; bytes: Uint8Array } | { type: 'end' } | { type: 'written' }
type FromWorker =
  | { type: 'more' }
  | { type: 'group'; group: EncodedRowGroup }
  | { type: 'done'; result: RangeResult }
  | { type: 'error'; name: string; message: string; stack?: string }

/** Chunks sent to a worker before it has consumed any: about 4 MB with 1 MiB reads. */
const READ_AHEAD = 4

const WORKER_FLAG = 'sluiceRangeWorker'

/** A runner that converts each range in a worker thread of its own. */
export function workerRangeRunner(maxWorkers = availableParallelism()): RangeRunner {
  // Threads started ahead: loading the module takes them a while, which the caller spends
  // reading the file's head. Unreferenced while idle, so they never keep the process alive.
  const ready: { worker: Worker; exited: boolean }[] = []
  return {
    maxWorkers,
    prepare(workers) {
      while (ready.length < workers) {
        const entry = { worker: startWorker(), exited: false }
        entry.worker.once('exit', () => (entry.exited = true))
        entry.worker.unref()
        ready.push(entry)
      }
    },
    release() {
      for (const { worker } of ready.splice(0)) void worker.terminate()
    },
    run(job, bytes, emit) {
      let entry = ready.shift()
      while (entry?.exited) entry = ready.shift()
      const worker = entry?.worker ?? startWorker()
      worker.ref()
      return runInWorker(worker, job, bytes, emit)
    },
  }
}

function runInWorker(worker: Worker, job: RangeJob, bytes: AsyncIterable<Uint8Array>, emit: (group: EncodedRowGroup) => Promise<void>): Promise<RangeResult> {
  const input = bytes[Symbol.asyncIterator]()
  return new Promise<RangeResult>((resolve, reject) => {
    let settled = false
    const finish = (fn: () => void) => {
      if (settled) return
      settled = true
      fn()
      void worker.terminate()
    }
    // Chunks go out one after another: each send waits for the previous read.
    let sending = Promise.resolve()
    let ended = false
    const sendOne = async () => {
      if (ended || settled) return
      const next = await input.next()
      if (next.done) {
        ended = true
        worker.postMessage({ type: 'end' } satisfies ToWorker)
      } else worker.postMessage({ type: 'chunk', bytes: next.value } satisfies ToWorker, ownedBuffer(next.value))
    }
    const send = () => {
      sending = sending.then(sendOne).catch((e: unknown) => finish(() => reject(e)))
    }
    // Groups, the result and errors are handled one after another, in the order they came.
    let handled = Promise.resolve()
    const handle = async (message: Exclude<FromWorker, { type: 'more' }>) => {
      if (settled) return
      if (message.type === 'group') {
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
    }
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'more') return send()
      handled = handled.then(() => handle(message)).catch((e: unknown) => finish(() => reject(e)))
    })
    worker.on('error', (e) => finish(() => reject(e)))
    worker.on('exit', (code) => finish(() => reject(new Error(`range worker exited with code ${code} before it finished`))))
    worker.postMessage({ type: 'job', job } satisfies ToWorker)
    for (let k = 0; k < READ_AHEAD; k++) send()
  })
}

/**
 * The buffer of a chunk that is the whole of it, to hand over to the worker rather than copy:
 * the copy would be a megabyte more per chunk in flight, and the original garbage here. A
 * chunk that is a view into a larger or shared buffer (Node's pool) is copied.
 */
function ownedBuffer(bytes: Uint8Array): ArrayBuffer[] {
  const buffer = bytes.buffer
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength ? [buffer] : []
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

/** The worker side: one job, its chunks as they arrive, its groups sent in order. */
function serveRange(port: NonNullable<typeof parentPort>): void {
  // Two queues: input (the job, chunks, the end) and acknowledgements of written groups.
  const input = messageQueue<ToWorker>()
  const written = messageQueue<ToWorker>()
  port.on('message', (m: ToWorker) => (m.type === 'written' ? written : input).put(m))
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const m = await input.take()
      if (m.type !== 'chunk') return
      port.postMessage({ type: 'more' } satisfies FromWorker)
      yield m.bytes
    }
  }
  void (async () => {
    try {
      const first = await input.take()
      if (first.type !== 'job') throw new Error('range worker: expected a job first')
      let unwritten = 0
      const result = await convertRange(first.job, chunks(), async (group) => {
        port.postMessage({ type: 'group', group } satisfies FromWorker, [group.bytes.buffer as ArrayBuffer])
        // Encoding the next group may begin while this one is written, not further ahead.
        if (++unwritten > 1) {
          await written.take()
          unwritten -= 1
        }
      })
      port.postMessage({ type: 'done', result } satisfies FromWorker)
    } catch (e) {
      const error = e as Error
      port.postMessage({ type: 'error', name: error.name, message: error.message, stack: error.stack } satisfies FromWorker)
    }
  })()
}

/** Messages in arrival order, taken one at a time. */
function messageQueue<T>() {
  const queue: T[] = []
  let waiting: ((m: T) => void) | undefined
  return {
    put(m: T) {
      if (!waiting) return void queue.push(m)
      const w = waiting
      waiting = undefined
      w(m)
    },
    take: () => new Promise<T>((resolve) => (queue.length > 0 ? resolve(queue.shift()!) : (waiting = resolve))),
  }
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | undefined)?.[WORKER_FLAG]) serveRange(parentPort)
