// The status site's viewer-request function (CloudFront Functions, cloudfront-js-2.0).
// Each request must carry HTTP Basic credentials of a viewer listed in the key value store
// associated with the function: the key is the viewer's name, the value the hex SHA-256 of
// "<name>:<password>". Anything else gets 401 with a Basic challenge, so a browser asks.
import cf from 'cloudfront'
const crypto = require('crypto')

const viewers = cf.kvs()
const NAME = /^[A-Za-z0-9._@-]{1,64}$/
const DENIED = {
  statusCode: 401,
  statusDescription: 'Unauthorized',
  headers: {
    'www-authenticate': { value: 'Basic realm="sluice status site", charset="UTF-8"' },
    'cache-control': { value: 'no-store' },
  },
}

async function handler(event) {
  const request = event.request
  const header = request.headers.authorization
  const match = header ? /^Basic +([A-Za-z0-9+/]+={0,2})$/.exec(header.value) : null
  if (!match) return DENIED
  const credentials = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = credentials.indexOf(':')
  const name = colon > 0 ? credentials.slice(0, colon) : ''
  if (!NAME.test(name)) return DENIED
  let expected
  try {
    expected = await viewers.get(name)
  } catch (e) {
    // No such key: not a viewer, or revoked.
    return DENIED
  }
  if (crypto.createHash('sha256').update(credentials).digest('hex') !== expected) return DENIED
  // The origin needs no credentials of the viewer's.
  delete request.headers.authorization
  return request
}
