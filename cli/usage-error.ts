import { SluiceError } from '../functions/core/errors'

/** Flags that cannot work together or a value a flag cannot take: exit 2, one line and a hint to --help. */
export class UsageError extends SluiceError {}
