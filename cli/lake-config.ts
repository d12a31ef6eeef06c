import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { DEFAULT_DATABASE, DEFAULT_LAKE } from './local/local-lake'
import { isTableFormatName, TABLE_FORMAT_NAMES, type TableFormatName } from '../functions/core/table-format/table-format-setting'
import { UsageError } from './usage-error'

/** The file in the working directory that sets the lake options once for every command. */
export const CONFIG_FILE = 'sluice.config.json'

export interface LakeConfig {
  lake: string
  database: string
  /** The lake's table format for new tables, when the file sets one. */
  tableFormat?: TableFormatName
  /** Why the config file could not be used; a lake command fails with it. */
  problem?: UsageError
}

const KEYS = ['lake', 'database', 'tableFormat']

/**
 * The defaults of `--lake`, `--database` and `--table-format`: sluice.config.json in the
 * working directory (a relative `lake` there is relative to that directory), else ./lake,
 * sluice and none (the lake's tables decide its format). `SLUICE_LAKE`, `SLUICE_TABLE_FORMAT` and the flags
 * override it (commander's env and option precedence).
 */
export function readLakeConfig(cwd = process.cwd()): LakeConfig {
  const path = resolve(cwd, CONFIG_FILE)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return { lake: DEFAULT_LAKE, database: DEFAULT_DATABASE }
  }
  const fail = (why: string): LakeConfig => ({ lake: DEFAULT_LAKE, database: DEFAULT_DATABASE, problem: new UsageError(`config: ${path} ${why}`) })
  let config: unknown
  try {
    config = JSON.parse(text)
  } catch (e) {
    return fail(`is not JSON (${(e as Error).message})`)
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return fail('must hold a JSON object such as {"lake": "./lake"}')
  const entries = Object.entries(config)
  const unknown = entries.find(([k]) => !KEYS.includes(k))
  if (unknown) return fail(`has an unknown key ${JSON.stringify(unknown[0])}; it may set ${KEYS.slice(0, -1).join(', ')} and ${KEYS.at(-1)}`)
  const bad = entries.find(([, v]) => typeof v !== 'string' || v.trim() === '')
  if (bad) return fail(`sets ${bad[0]} to ${JSON.stringify(bad[1])}; it must be a non-empty string`)
  const values = config as Partial<Record<'lake' | 'database' | 'tableFormat', string>>
  if (values.tableFormat !== undefined && !isTableFormatName(values.tableFormat)) {
    return fail(`sets tableFormat to ${JSON.stringify(values.tableFormat)}; it must be ${TABLE_FORMAT_NAMES.join(' or ')}`)
  }
  return {
    lake: values.lake ? resolve(cwd, values.lake) : DEFAULT_LAKE,
    database: values.database ?? DEFAULT_DATABASE,
    ...(values.tableFormat ? { tableFormat: values.tableFormat } : {}),
  }
}
