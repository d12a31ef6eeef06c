import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { localFilePartSink } from '../../functions/adapters/local-file'
import { localObjectStore } from '../../functions/adapters/local-object-store'

let dir: string
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** Everything under `root`, as relative paths. */
const files = (root: string) => readdirSync(root, { recursive: true }).map(String).sort()

describe('local file outputs that are given up', () => {
  it('leave no file when a part is discarded right after it was opened', async () => {
    // Prepare: the stream has not finished opening its file when discard() runs.
    dir = mkdtempSync(join(tmpdir(), 'sluice-sink-'))
    const sink = localFilePartSink({ out: join(dir, 'out.parquet') })
    const part = await sink.openPart('data', 0)
    void part

    // Act
    await sink.discard()
    await sleep(50)

    // Assess
    expect(files(dir)).toEqual([])
  })

  it('leave no object and no temporary file when an upload is aborted right after it began', async () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'sluice-store-'))
    const store = localObjectStore(dir)
    const upload = await store.upload('a/b.parquet')

    // Act
    await upload.abort()
    await sleep(50)

    // Assess
    expect(files(dir)).toEqual(['a'])
    expect(await store.head('a/b.parquet')).toBeUndefined()
  })

  it('write an object only when its upload is closed, never a partial one', async () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'sluice-store-'))
    const store = localObjectStore(dir)
    const upload = await store.upload('x.bin')
    await upload.write(new Uint8Array([1, 2, 3]))

    // Act
    const before = await store.head('x.bin')
    await upload.close()
    const after = await store.head('x.bin')

    // Assess
    expect(before).toBeUndefined()
    expect(after).toMatchObject({ key: 'x.bin', size: 3 })
  })
})
