import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const BIN = join(resolve(import.meta.dirname, '../..'), 'bin', 'sluice.js')

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

function sluice(cwd: string, ...args: string[]): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
    })
  })
}

/** A lake whose raw zone holds good/g1.csv, a link to a file outside it, and a linked folder. */
let home: string
let lake: string

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'sluice-keys-'))
  lake = join(home, 'lake')
  mkdirSync(join(lake, 'raw', 'good'), { recursive: true })
  mkdirSync(join(home, 'secret'))
  writeFileSync(join(lake, 'raw', 'good', 'g1.csv'), 'id,name\n1,a\n2,b\n')
  writeFileSync(join(home, 'secret', 'passwords.csv'), 'user,password\nroot,hunter2\n')
  symlinkSync(join(home, 'secret', 'passwords.csv'), join(lake, 'raw', 'good', 'link.csv'))
  symlinkSync(join(home, 'secret'), join(lake, 'raw', 'linked'))
})

afterAll(() => {
  rmSync(home, { recursive: true, force: true })
})

describe('sluice run --key', () => {
  it('refuses a key that is a symbolic link out of raw/, and loads nothing', async () => {
    // Act
    const ran = await sluice(home, 'run', '--lake', lake, '--key', 'good/link.csv')

    // Assess
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/run: good\/link\.csv is a symbolic link; sluice loads only regular files inside .*raw/)
    expect(existsSync(join(lake, 'curated', '_ledger'))).toBe(false)
  })

  it('refuses a key under a linked folder, and loads nothing', async () => {
    // Act
    const ran = await sluice(home, 'run', '--lake', lake, '--key', 'linked/passwords.csv')

    // Assess
    expect(ran.code).toBe(1)
    expect(ran.stderr).toContain('run: linked/ in linked/passwords.csv is a symbolic link')
    expect(existsSync(join(lake, 'curated', '_ledger'))).toBe(false)
  })

  it('rejects a key that is not normalized, naming the key to write', async () => {
    // Act
    const ran = await sluice(home, 'run', '--lake', lake, '--key', 'good/../good/g1.csv')

    // Assess
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain('good/../good/g1.csv is not a normalized key; write it as good/g1.csv')
  })

  it('rejects a key that leaves the raw zone', async () => {
    // Act
    const ran = await sluice(home, 'run', '--lake', lake, '--key', '../secret/passwords.csv')

    // Assess
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain('../secret/passwords.csv leaves the raw zone')
  })
})
