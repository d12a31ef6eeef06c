import { Logger } from '@aws-lambda-powertools/logger'

/**
 * The one logger of a Lambda: JSON lines in CloudWatch, level from `POWERTOOLS_LOG_LEVEL`
 * (default INFO), service name from `POWERTOOLS_SERVICE_NAME` (default `sluice`).
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'sluice' })
