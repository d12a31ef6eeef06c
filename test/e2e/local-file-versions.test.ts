import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ObjectStore } from '../../functions/core/lake/object-store'
import { createLake, START_TIME, type E2ELake } from '../support/e2e-lake'

const NEXT_DAY = new Date(START_TIME.getTime() + 24 * 3600 * 1000)
const DAY_AFTER = new Date(START_TIME.getTime() + 48 * 3600 * 1000)

/** `rows` readings of one batch: the same width for every batch, so a rewrite keeps the size. */
function readings(batch: 'A' | 'B', rows: number): string {
  const lines = ['id,batch,value']
  for (let i = 1; i <= rows; i++) lines.push(`${String(i).padStart(6, '0')},${batch},${String((i * 7919) % 1000).padStart(3, '0')}`)
  return `${lines.join('\n')}\n`
}

/** Rewrites a file in place with `text` (of the same size) and puts its old mtime back. */
function rewriteKeepingMtime(path: string, text: string): void {
  const before = statSync(path)
  writeFileSync(path, text)
  utimesSync(path, before.atime, before.mtime)
  expect(statSync(path).size).toBe(before.size)
}

/** The raw zone, rewriting `key` in place with `text` after the first chunk of its first read. */
function rewriteWhileRead(raw: ObjectStore, key: string, path: string, text: string): ObjectStore {
  let done = false
  return {
    ...raw,
    read(k) {
      if (k !== key || done) return raw.read(k)
      done = true
      return (async function* () {
        let first = true
        for await (const chunk of raw.read(k)) {
          yield chunk
          if (first) rewriteKeepingMtime(path, text)
          first = false
        }
      })()
    },
  }
}

const batches = (lake: E2ELake) => lake.query('SELECT batch, count(*) AS n FROM readings GROUP BY batch ORDER BY batch')

describe('local raw files versioned by their content', () => {
  let lake: E2ELake | undefined
  afterEach(async () => {
    await lake?.dispose()
    lake = undefined
  })

  it('loads a same-size rewrite whose old mtime was restored, replacing every old row', async () => {
    // Prepare
    lake = await createLake({ seed: 'none' })
    await lake.putRaw('readings/r.csv', readings('A', 1000))
    await lake.run()
    rewriteKeepingMtime(join(lake.dir, 'raw', 'readings', 'r.csv'), readings('B', 1000))

    // Act
    const { report } = await lake.run(undefined, { startTime: NEXT_DAY })

    // Assess
    expect(report.files.map((f) => [f.key, f.outcome])).toEqual([['readings/r.csv', 'loaded']])
    expect(await batches(lake)).toEqual([{ batch: 'B', n: 1000 }])
  })

  it('commits no mix when a file is rewritten while it is read, and the next sweep loads the new version whole', async () => {
    // Prepare: past 1 MiB, the file is read in more than one chunk.
    lake = await createLake({ seed: 'none' })
    const rows = 100_000
    await lake.putRaw('readings/r.csv', readings('A', rows))
    const path = join(lake.dir, 'raw', 'readings', 'r.csv')
    const raw = rewriteWhileRead(lake.deps.raw, 'readings/r.csv', path, readings('B', rows))

    // Act
    const during = await lake.run(undefined, { deps: { ...lake.deps, raw } })
    const afterDuring = await lake.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'readings'")
    const mixed = afterDuring[0]!.n === 0 ? [] : await batches(lake)
    const next = await lake.run(undefined, { startTime: DAY_AFTER })

    // Assess
    expect(readFileSync(path, 'utf8')).toBe(readings('B', rows))
    expect(during.report.files.map((f) => f.outcome)).toEqual(['superseded'])
    expect(mixed).toEqual([])
    expect(next.report.files.map((f) => [f.key, f.outcome])).toEqual([['readings/r.csv', 'loaded']])
    expect(await batches(lake)).toEqual([{ batch: 'B', n: rows }])
  })
})
