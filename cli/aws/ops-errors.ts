import { SluiceError } from '../../functions/core/errors'

/** A failure of an ops command, with a message meant for the user. */
export class OpsError extends SluiceError {}

/** Turns an AWS SDK error into a message that says what to do. */
export function explainAwsError(error: unknown, doing: string): OpsError {
  const e = error as Error & { $metadata?: { httpStatusCode?: number } }
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message ?? '')) {
    return new OpsError(`aws: no AWS credentials found while ${doing}; set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`, { cause: e })
  }
  if (/Region is missing/i.test(e.message ?? '')) {
    return new OpsError(`aws: no AWS region set while ${doing}; set AWS_REGION or pass --region`, { cause: e })
  }
  if (e.name === 'AccessDeniedException' || e.name === 'AccessDenied' || e.$metadata?.httpStatusCode === 403) {
    return new OpsError(`aws: access denied while ${doing}: ${e.message}`, { cause: e })
  }
  return new OpsError(`aws: ${doing} failed: ${e.name}: ${e.message}`, { cause: e })
}
