import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { localFilePartSink } from '../../functions/adapters/local-file'
import { localObjectStore } from '../../functions/adapters/local-object-store'
import { contentVersions } from '../../functions/adapters/local-versions'

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

describe('symbolic links in a local zone', () => {
  it('are no objects: head does not follow a linked file or folder, and a listing skips both', async () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'sluice-links-'))
    mkdirSync(join(dir, 'zone', 'good'), { recursive: true })
    mkdirSync(join(dir, 'outside'))
    writeFileSync(join(dir, 'zone', 'good', 'g1.csv'), 'id\n1\n')
    writeFileSync(join(dir, 'outside', 'secret.csv'), 'id\n2\n')
    symlinkSync(join(dir, 'outside', 'secret.csv'), join(dir, 'zone', 'good', 'link.csv'))
    symlinkSync(join(dir, 'outside'), join(dir, 'zone', 'linked'))
    const store = localObjectStore(join(dir, 'zone'))

    // Act
    const heads = await Promise.all(['good/g1.csv', 'good/link.csv', 'linked/secret.csv'].map((k) => store.head(k)))
    const listed: string[] = []
    for await (const o of store.list('')) listed.push(o.key)

    // Assess
    expect(heads.map((h) => h?.key)).toEqual(['good/g1.csv', undefined, undefined])
    expect(listed).toEqual(['good/g1.csv'])
  })
})

describe('content versions of local files', () => {
  it('version a file by the MD5 of its bytes, trusting a cached hash only while the file keeps its stamp', async () => {
    // Prepare: the file changed an hour ago (so its stamp may be cached), then is hashed once.
    dir = mkdtempSync(join(tmpdir(), 'sluice-versions-'))
    const path = join(dir, 'a.csv')
    writeFileSync(path, 'id\n1\n')
    const cacheFile = join(dir, 'cache', 'versions.json')
    const later = () => Date.now() + 3600_000
    const first = contentVersions(cacheFile, later)
    const md5 = await first.versionOf('a.csv', path)
    await first.save()
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, { stamp: string; md5: string }>
    // A planted hash under the current stamp shows the cache is read instead of the file.
    writeFileSync(cacheFile, JSON.stringify({ 'a.csv': { stamp: cache['a.csv']!.stamp, md5: 'planted' } }))

    // Act
    const cached = await contentVersions(cacheFile, later).versionOf('a.csv', path)
    utimesSync(path, new Date(0), statSync(path).mtime)
    const afterUtimes = await contentVersions(cacheFile, later).versionOf('a.csv', path)

    // Assess
    expect(md5).toBe(createHash('md5').update('id\n1\n').digest('hex'))
    expect(cached).toBe('planted')
    // Touching the times moves the ctime: the stamp differs, and the file is hashed again.
    expect(afterUtimes).toBe(md5)
  })

  it('do not cache the hash of a file that changed within the last two seconds', async () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'sluice-versions-'))
    const path = join(dir, 'a.csv')
    writeFileSync(path, 'id\n1\n')
    const cacheFile = join(dir, 'versions.json')
    const versions = contentVersions(cacheFile, () => Date.now())

    // Act
    await versions.versionOf('a.csv', path)
    await versions.save()

    // Assess
    expect(() => readFileSync(cacheFile)).toThrow(/ENOENT/)
  })
})
