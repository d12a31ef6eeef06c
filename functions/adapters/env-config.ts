import { SluiceError } from '../core/errors'
import { isTableFormatName, TABLE_FORMAT_NAMES, TABLE_FORMAT_VARIABLE, type TableFormatName } from '../core/table-format/table-format-setting'

/** A required setting is missing or malformed: the function cannot start. */
export class ConfigError extends SluiceError {}

/** Reads a required environment variable, failing at load time with its name. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name]
  if (!value) throw new ConfigError(`config: environment variable ${name} is not set`)
  return value
}

/** Reads a whole-number environment variable, or the default when unset. */
export function intEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[name]
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`config: ${name} must be a whole number, got ${JSON.stringify(value)}`)
  return n
}

/** Reads a `true`/`false` environment variable, or the default when unset. */
export function flagEnv(name: string, fallback: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[name]
  if (value === undefined || value === '') return fallback
  if (value === 'true' || value === 'false') return value === 'true'
  throw new ConfigError(`config: ${name} must be true or false, got ${JSON.stringify(value)}`)
}

/**
 * Reads the lake's table format setting (SLUICE_TABLE_FORMAT); undefined when unset, and the
 * lake's tables decide (establishedTableFormat).
 */
export function tableFormatEnv(env: NodeJS.ProcessEnv = process.env): TableFormatName | undefined {
  const value = env[TABLE_FORMAT_VARIABLE]
  if (value === undefined || value === '') return undefined
  if (!isTableFormatName(value)) throw new ConfigError(`config: ${TABLE_FORMAT_VARIABLE} must be ${TABLE_FORMAT_NAMES.join(' or ')}, got ${JSON.stringify(value)}`)
  return value
}
