import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Injected latency for the in-process AWS test servers: a fixed number of milliseconds, or a
 * function of the call (operation name and, where known, the key or table) that returns one.
 * Use `seededLatency` for random delays that repeat run after run.
 */
export type Latency<Call> = number | ((call: Call) => number)

/** Waits for the latency of `call`; returns at once for 0 or none. */
export async function delay<Call>(latency: Latency<Call> | undefined, call: Call): Promise<void> {
  const ms = typeof latency === 'function' ? latency(call) : (latency ?? 0)
  if (ms > 0) await sleep(ms)
}

/**
 * mulberry32: a small, fast PRNG whose sequence depends only on the seed. Returns numbers in
 * [0, 1), like Math.random.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface SeededLatencyOptions {
  seed: number
  /** Inclusive lower bound in milliseconds (default 0). */
  minMs?: number
  /** Exclusive upper bound in milliseconds. */
  maxMs: number
}

/**
 * A random latency in [minMs, maxMs) per call, drawn from a sequence fixed by `seed`. Calls
 * draw in the order they reach the server, so the same seed gives the same delays to the same
 * sequence of arrivals.
 */
export function seededLatency<Call = unknown>(options: SeededLatencyOptions): (call: Call) => number {
  const random = seededRandom(options.seed)
  const min = options.minMs ?? 0
  return () => Math.floor(min + random() * (options.maxMs - min))
}
