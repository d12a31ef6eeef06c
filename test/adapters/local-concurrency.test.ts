import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { localLake } from '../../cli/local/local-lake'
import { localCatalog } from '../../functions/adapters/local-catalog'
import { localObjectStore } from '../../functions/adapters/local-object-store'
import { parquetPartition, parquetTable } from '../../functions/core/lake/catalog'
import { CONSISTENT, lakeFindings } from '../support/lake-invariants'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

let dir: string
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `sluice run` in a process of its own; resolves with its exit code and output. */
function sluiceRun(lake: string, key: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'cli/sluice.ts', 'run', '--lake', lake, '--key', key], { cwd: REPO }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` })
    })
  })
}

describe('a local lake shared by processes', () => {
  it('keeps every column and partition when 8 processes load files of one dataset at once', async () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'sluice-procs-'))
    await mkdir(join(dir, 'raw', 'events'), { recursive: true })
    const keys = Array.from({ length: 8 }, (_, i) => `events/f${i}.csv`)
    for (const [i, key] of keys.entries()) await writeFile(join(dir, 'raw', key), `id,amount,c${i}\n${i},${i}.5,x${i}\n`)

    // Act
    const runs = await Promise.all(keys.map((key) => sluiceRun(dir, key)))
    const stored = JSON.parse(await readFile(join(dir, 'catalog', 'sluice', 'events.json'), 'utf8'))
    const findings = await lakeFindings(localLake(dir), keys)

    // Assess
    expect(runs.filter((r) => r.code !== 0)).toEqual([])
    // An Iceberg table's entry mirrors every column of its schema, the ingest date among them; a Hive table's has it as a partition key.
    expect(stored.table.StorageDescriptor.Columns.map((c: { Name: string }) => c.Name).filter((n: string) => n !== 'ingest_date').sort()).toEqual(['_sluice_run_id', '_sluice_source', 'amount', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'id'])
    expect(findings).toEqual(CONSISTENT)
  })
})

describe('the local catalog and store under concurrent writers', () => {
  it('loses no change and never leaves a broken file when 25 writers update one table at once', async () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'sluice-catalog-'))
    const catalog = localCatalog(dir)
    const base = parquetTable('events', [{ Name: 'id', Type: 'bigint' }], [{ Name: 'ingest_date', Type: 'string' }], 'file:///lake/events/')
    await catalog.ensureDatabase('sluice')
    await catalog.createTable('sluice', base)

    // Act: each writer adds a partition, and a column by compare-and-swap, retrying when it loses.
    await Promise.all(
      Array.from({ length: 25 }, async (_, i) => {
        const day = `2024-07-${String(i + 1).padStart(2, '0')}`
        await catalog.addPartitions('sluice', 'events', [parquetPartition(base, [day], `file:///lake/events/ingest_date=${day}/`)])
        for (;;) {
          const read = (await catalog.readTable('sluice', 'events'))!
          const table = { ...read.table, StorageDescriptor: { ...read.table.StorageDescriptor, Columns: [...read.table.StorageDescriptor.Columns, { Name: `c${i}`, Type: 'string' }] } }
          try {
            await catalog.updateTable('sluice', table, read.version)
            return
          } catch (e) {
            if ((e as Error).name !== 'WriteConflictError') throw e
          }
        }
      }),
    )
    const stored = JSON.parse(await readFile(join(dir, 'sluice', 'events.json'), 'utf8'))

    // Assess
    expect(stored.partitions).toHaveLength(25)
    expect(stored.table.StorageDescriptor.Columns).toHaveLength(26)
    expect(stored.version).toBe(26)
  })

  it('lets exactly one of many conditional creates of a key win, and swaps only the content that was read', async () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'sluice-store-'))
    const store = localObjectStore(dir)

    // Act
    const creates = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => store.writeText('_ledger/d/f.json', `writer ${i}`, { ifNoneMatch: '*' })))
    const first = (await store.readVersioned('_ledger/d/f.json'))!
    const swaps = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => store.writeText('_ledger/d/f.json', `swap ${i}`, { ifMatch: first.etag })))
    const gone = await store.writeText('_ledger/d/none.json', 'x', { ifMatch: first.etag }).catch((e: Error) => e.name)

    // Assess
    expect(creates.filter((c) => c.status === 'fulfilled')).toHaveLength(1)
    expect(creates.filter((c) => c.status === 'rejected').map((c) => (c as PromiseRejectedResult).reason.name)).toEqual(Array(11).fill('WriteConflictError'))
    expect(swaps.filter((c) => c.status === 'fulfilled')).toHaveLength(1)
    expect(gone).toBe('WriteConflictError')
  })
})
