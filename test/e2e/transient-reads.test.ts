import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { TransientStorageError } from '../../functions/core/errors'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { createLake, type E2ELake } from '../support/e2e-lake'

/** The raw zone, its first read of `key` losing the connection after half the bytes. */
function resetOnce(raw: ObjectStore, key: string): { store: ObjectStore; resets: () => number } {
  let resets = 0
  const store: ObjectStore = {
    ...raw,
    read(k) {
      if (k !== key || resets > 0) return raw.read(k)
      resets += 1
      return (async function* () {
        const chunks: Uint8Array[] = []
        for await (const chunk of raw.read(k)) chunks.push(chunk)
        const bytes = Buffer.concat(chunks)
        yield bytes.subarray(0, bytes.length >> 1)
        throw new TransientStorageError(`s3: read s3://raw/${k} failed: ECONNRESET: aborted`)
      })()
    },
  }
  delete store.readRange
  return { store, resets: () => resets }
}

describe('a connection lost while reading a file', () => {
  let lake: E2ELake | undefined
  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('retries a .csv.gz whose download is reset midway and loads every row once', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    const lines = ['id,amount']
    for (let i = 1; i <= 3999; i++) lines.push(`${i},${(i * 7919) % 100000}`)
    await lake.putRaw('events/big.csv.gz', gzipSync(lines.join('\n') + '\n'))
    const raw = resetOnce(lake.deps.raw, 'events/big.csv.gz')

    // Act
    const { report, failure } = await lake.run(undefined, { deps: { ...lake.deps, raw: raw.store } })
    const [counts] = await lake.query('SELECT count(*) AS n, count(DISTINCT id) AS ids FROM events')

    // Assess
    expect(raw.resets()).toBe(1)
    expect(failure).toBeUndefined()
    expect(report.totals).toMatchObject({ files: 1, loaded: 1, failed: 0 })
    expect(report.files[0]).not.toHaveProperty('quarantined', true)
    expect(counts).toEqual({ n: 3999, ids: 3999 })
  })
})
