import { execFile } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createLake, type E2ELake } from '../support/e2e-lake'

const BIN = join(resolve(import.meta.dirname, '../..'), 'bin', 'sluice.js')

function sluice(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
    })
  })
}

let lake: E2ELake | undefined
afterAll(() => lake?.dispose())

describe('sluice doctor', () => {
  it('reports the parts of a deleted ledger without changing them, then removes them with --fix', async () => {
    // Prepare
    lake = await createLake({ seed: ['orders/orders-2024-05.csv'] })
    await lake.run()
    await rm(join(lake.dir, 'curated', '_ledger'), { recursive: true })
    const parts = (await lake.curatedKeys('orders/')).length

    // Act
    const looked = await sluice('doctor', '--lake', lake.dir)
    const partsAfterLook = (await lake.curatedKeys('orders/')).length
    const fixed = await sluice('doctor', '--lake', lake.dir, '--fix', '--json')
    const again = await sluice('doctor', '--lake', lake.dir)

    // Assess
    expect(parts).toBeGreaterThan(0)
    expect(looked.code).toBe(1)
    expect(looked.stdout).toMatch(/orders\s+ledger empty\s+\d+/)
    expect(looked.stdout).toContain('Run `sluice doctor --fix` to remove them')
    expect(partsAfterLook).toBe(parts)
    expect(fixed.code).toBe(0)
    expect(JSON.parse(fixed.stdout)).toMatchObject({ fixed: true, datasets: [{ dataset: 'orders', ledgerEmpty: true }] })
    expect(await lake.curatedKeys('orders/')).toEqual([])
    expect(again).toMatchObject({ code: 0, stdout: 'doctor: the lake has no tables\n' })
  })
})
