import { Command } from 'commander'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { readLakeConfig } from '../../cli/lake-config'
import { localLake } from '../../cli/local/local-lake'

type LakeOptions = typeof import('../../cli/lake-options')

const dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-table-format-'))
  dirs.push(dir)
  return dir
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('the table format in sluice.config.json', () => {
  it('reads tableFormat beside lake and database, and leaves it unset when the file does not name it', () => {
    // Prepare
    const set = tempDir()
    const unset = tempDir()
    writeFileSync(join(set, 'sluice.config.json'), JSON.stringify({ lake: './lake', tableFormat: 'iceberg' }))
    writeFileSync(join(unset, 'sluice.config.json'), JSON.stringify({ lake: './lake' }))

    // Act
    const configs = [readLakeConfig(set), readLakeConfig(unset)]

    // Assess
    expect(configs[0]).toEqual({ lake: join(set, 'lake'), database: 'sluice', tableFormat: 'iceberg' })
    expect(configs[1]).not.toHaveProperty('tableFormat')
  })

  it('refuses a tableFormat other than hive or iceberg, and names tableFormat among the keys it may set', () => {
    // Prepare
    const bad = tempDir()
    const misspelt = tempDir()
    writeFileSync(join(bad, 'sluice.config.json'), JSON.stringify({ tableFormat: 'delta' }))
    writeFileSync(join(misspelt, 'sluice.config.json'), JSON.stringify({ tableformat: 'iceberg' }))

    // Act
    const [badProblem, misspeltProblem] = [readLakeConfig(bad).problem, readLakeConfig(misspelt).problem]

    // Assess
    expect(badProblem?.message).toBe(`config: ${join(bad, 'sluice.config.json')} sets tableFormat to "delta"; it must be hive or iceberg`)
    expect(misspeltProblem?.message).toBe(`config: ${join(misspelt, 'sluice.config.json')} has an unknown key "tableformat"; it may set lake, database and tableFormat`)
  })
})

describe('the lake\'s table format of the local commands', () => {
  let options: LakeOptions
  let lake: string
  const cwd = process.cwd()

  beforeAll(async () => {
    // The config file is read once, from the working directory, when the options module loads.
    const dir = tempDir()
    lake = join(dir, 'lake')
    writeFileSync(join(dir, 'sluice.config.json'), JSON.stringify({ lake: './lake', tableFormat: 'iceberg' }))
    process.chdir(dir)
    vi.resetModules()
    options = await import('../../cli/lake-options')
  })

  afterAll(() => {
    process.chdir(cwd)
  })

  afterEach(() => {
    vi.unstubAllEnvs()
  })

  /** The table format on the deps a command builds from these arguments; with `flag`, the command has --table-format. */
  async function tableFormatOf(args: string[], flag = true): Promise<string | undefined> {
    let found: string | undefined
    const lakeCommand = options.withLakeOptions(new Command('try'))
    const command = (flag ? options.withTableFormatOption(lakeCommand) : lakeCommand)
      .exitOverride()
      .configureOutput({ writeErr: () => undefined })
      .action(async (flags) => {
        found = (await options.lakeFromFlags(flags)).deps.tableFormat
      })
    await command.parseAsync(args, { from: 'user' })
    return found
  }

  it('takes --table-format over SLUICE_TABLE_FORMAT over sluice.config.json', async () => {
    // Act
    const fromFile = await tableFormatOf([])
    vi.stubEnv('SLUICE_TABLE_FORMAT', 'hive')
    const fromEnv = await tableFormatOf([])
    const fromFlag = await tableFormatOf(['--table-format', 'iceberg'])

    // Assess
    expect([fromFile, fromEnv, fromFlag]).toEqual(['iceberg', 'hive', 'iceberg'])
  })

  it('gives a lake command without the flag the same format, from the environment or the file', async () => {
    // Act
    const fromFile = await tableFormatOf([], false)
    vi.stubEnv('SLUICE_TABLE_FORMAT', 'hive')
    const fromEnv = await tableFormatOf([], false)

    // Assess
    expect([fromFile, fromEnv]).toEqual(['iceberg', 'hive'])
  })

  it('refuses a format other than hive or iceberg from the flag or the environment', async () => {
    await expect(tableFormatOf(['--table-format', 'delta'])).rejects.toThrow("option '--table-format <format>' argument 'delta' is invalid. Allowed choices are hive, iceberg.")
    vi.stubEnv('SLUICE_TABLE_FORMAT', 'Iceberg')
    await expect(tableFormatOf([])).rejects.toThrow(/'Iceberg' from env 'SLUICE_TABLE_FORMAT' is invalid/)
    await expect(tableFormatOf([], false)).rejects.toThrow('config: SLUICE_TABLE_FORMAT must be hive or iceberg, got "Iceberg"')
  })

  it('puts the format on the local lake it builds: the one given, else SLUICE_TABLE_FORMAT, else none (the lake\'s tables decide)', () => {
    expect(localLake(lake).tableFormat).toBeUndefined()
    expect(localLake(lake, 'sluice', 'iceberg').tableFormat).toBe('iceberg')
    vi.stubEnv('SLUICE_TABLE_FORMAT', 'iceberg')
    expect(localLake(lake).tableFormat).toBe('iceberg')
  })
})
