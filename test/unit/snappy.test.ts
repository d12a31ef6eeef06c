import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { snappyCompress } from '../../functions/core/parquet/snappy'
import { SNAPPY_WASM_BASE64 } from '../../functions/core/parquet/snappy-wasm-binary'
import { snappyUncompress } from 'hyparquet'

describe('snappy', () => {
  it('inlines exactly the installed snappy-wasm module', () => {
    // Prepare
    const entry = createRequire(import.meta.url).resolve('snappy-wasm')
    const installed = readFileSync(join(dirname(entry), '..', 'es', 'snappy_bg.wasm'))

    // Assess
    expect(Buffer.from(SNAPPY_WASM_BASE64, 'base64').equals(installed)).toBe(true)
  })

  it('compresses so that an independent decoder gets the bytes back', () => {
    // Prepare
    const input = new TextEncoder().encode('abcabcabc,2024-01-01,12.50\n'.repeat(1000) + 'tail')

    // Act
    const compressed = snappyCompress(input)
    const output = new Uint8Array(input.length)
    snappyUncompress(compressed, output)

    // Assess
    expect(compressed.length).toBeLessThan(input.length / 10)
    expect(output).toEqual(input)
  })
})
