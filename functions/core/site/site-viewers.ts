import { createHash, randomBytes } from 'node:crypto'
import { InvalidInputError } from '../errors'

/**
 * A viewer's name, as the status site's viewer-request function accepts it
 * (infra/site-access/check-viewer.js): the key of the viewer in the key value store.
 */
export const VIEWER_NAME = /^[A-Za-z0-9._@-]{1,64}$/

/** Checks a viewer's name, naming the offending value. */
export function assertViewerName(name: string): string {
  if (!VIEWER_NAME.test(name)) throw new InvalidInputError(`site-access: a viewer name is 1 to 64 letters, digits, '.', '_', '@' or '-', not ${JSON.stringify(name)}`)
  return name
}

/**
 * What the key value store holds for a viewer: the hex SHA-256 of `<name>:<password>`, the
 * bytes of HTTP Basic credentials. A password made by newViewerPassword is 192 random bits, so
 * a fast hash is enough: there is nothing to guess from it.
 */
export function viewerKeyValue(name: string, password: string): string {
  return createHash('sha256').update(`${assertViewerName(name)}:${password}`, 'utf8').digest('hex')
}

/** A new password: 24 random bytes, base64url (32 characters, never a `:`). */
export function newViewerPassword(): string {
  return randomBytes(24).toString('base64url')
}
