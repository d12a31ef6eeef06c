import { compress_raw, initSync } from 'snappy-wasm'
import { SNAPPY_WASM_BASE64 } from './snappy-wasm-binary'

let ready = false

/**
 * Snappy-compresses one page with snappy-wasm (about 10× hyparquet-writer's JS snappy).
 * The module is instantiated synchronously on first use from the inlined bytes, so it works
 * the same under tsx, in a worker thread and inside the esbuild bundle.
 */
export function snappyCompress(input: Uint8Array): Uint8Array {
  if (!ready) {
    initSync(Buffer.from(SNAPPY_WASM_BASE64, 'base64'))
    ready = true
  }
  return compress_raw(input)
}
