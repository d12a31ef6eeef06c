import * as nodeCrypto from 'node:crypto'
import { readFileSync } from 'node:fs'
import { beforeEach, describe, expect, it } from 'vitest'
import { CHECK_VIEWER_SOURCE } from '../../infra/site-viewers'

/** A test double of CloudFront's `cloudfront` module: a key value store that throws on a missing key, as the real one does. */
function fakeCloudFront(store: Map<string, string>) {
  return {
    kvs: () => ({
      get: async (key: string) => {
        if (!store.has(key)) throw new Error(`KVS key not found: ${key}`)
        return store.get(key)
      },
    }),
  }
}

type Handler = (event: unknown) => Promise<any>

/** The function's own source, run in Node with the `cloudfront` module stubbed and Node's `crypto` for CloudFront's. */
function loadCheckViewer(store: Map<string, string>): Handler {
  const source = readFileSync(CHECK_VIEWER_SOURCE, 'utf8')
  const importLine = "import cf from 'cloudfront'"
  expect(source).toContain(importLine)
  const body = `${source.replace(importLine, '')}\nreturn handler`
  const requireModule = (name: string) => {
    if (name !== 'crypto') throw new Error(`CloudFront Functions have no module ${name}`)
    return nodeCrypto
  }
  return new Function('cf', 'require', body)(fakeCloudFront(store), requireModule) as Handler
}

const basic = (credentials: string) => ({ value: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` })

/** A viewer-request event as CloudFront gives it to a function. */
const viewerRequest = (authorization?: { value: string }) => ({
  version: '1.0',
  context: { eventType: 'viewer-request', distributionDomainName: 'd111111abcdef8.cloudfront.net' },
  viewer: { ip: '198.51.100.7' },
  request: { method: 'GET', uri: '/datasets/orders.html', querystring: {}, cookies: {}, headers: { host: { value: 'd111111abcdef8.cloudfront.net' }, ...(authorization ? { authorization } : {}) } },
})

const PASSWORD = 'Hq3x9Vt2LmW8sR4pZk7yNc1dFb6gJe0a'

/** What docs/status-site.md has the deployer put in the store for a viewer: the hex SHA-256 of `<name>:<password>`. */
const storedValue = (name: string, password: string) => nodeCrypto.createHash('sha256').update(`${name}:${password}`, 'utf8').digest('hex')

describe('the status site viewer-request function', () => {
  let store: Map<string, string>
  let checkViewer: Handler

  beforeEach(() => {
    store = new Map([['alice', storedValue('alice', PASSWORD)]])
    checkViewer = loadCheckViewer(store)
  })

  it('refuses a request without credentials with 401 and a Basic challenge', async () => {
    // Act
    const response = await checkViewer(viewerRequest())

    // Assess
    expect(response.statusCode).toBe(401)
    expect(response.headers['www-authenticate'].value).toMatch(/^Basic realm="sluice status site"/)
    expect(response.headers['cache-control'].value).toBe('no-store')
  })

  it('refuses a viewer with the wrong password, an unknown name, or credentials that are not Basic', async () => {
    // Act
    const responses = await Promise.all([
      checkViewer(viewerRequest(basic(`alice:${PASSWORD}x`))),
      checkViewer(viewerRequest(basic(`mallory:${PASSWORD}`))),
      checkViewer(viewerRequest(basic(`alice`))),
      checkViewer(viewerRequest(basic(`:${PASSWORD}`))),
      checkViewer(viewerRequest({ value: `Bearer ${PASSWORD}` })),
      checkViewer(viewerRequest({ value: 'Basic !!not-base64!!' })),
    ])

    // Assess
    expect(responses.map((r) => r.statusCode)).toEqual([401, 401, 401, 401, 401, 401])
  })

  it('lets a listed viewer with the right password through, without passing the credentials to the origin', async () => {
    // Prepare
    const event = viewerRequest(basic(`alice:${PASSWORD}`))

    // Act
    const result = await checkViewer(event)

    // Assess
    expect(result.statusCode).toBeUndefined()
    expect(result.uri).toBe('/datasets/orders.html')
    expect(result.headers).toEqual({ host: { value: 'd111111abcdef8.cloudfront.net' } })
  })

  it('refuses a viewer once revoked from the key value store', async () => {
    // Prepare
    expect((await checkViewer(viewerRequest(basic(`alice:${PASSWORD}`)))).statusCode).toBeUndefined()

    // Act
    store.delete('alice')
    const response = await checkViewer(viewerRequest(basic(`alice:${PASSWORD}`)))

    // Assess
    expect(response.statusCode).toBe(401)
  })

  it('fits CloudFront Functions: under the 10 KB code limit, with only the cloudfront and crypto modules', () => {
    // Prepare
    const source = readFileSync(CHECK_VIEWER_SOURCE, 'utf8')

    // Assess
    expect(Buffer.byteLength(source)).toBeLessThan(10 * 1024)
    expect([...source.matchAll(/(?:require\(|from )'([^']+)'/g)].map((m) => m[1]).sort()).toEqual(['cloudfront', 'crypto'])
  })
})
