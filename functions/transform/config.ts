import { lakeConfigFromEnv } from '../adapters/env-config'

/** Read once at load: a missing variable fails the cold start, naming it. */
export const config = { lake: lakeConfigFromEnv() }
