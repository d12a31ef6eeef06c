import { createServer, type Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join, normalize } from 'node:path'
import type { AddressInfo } from 'node:net'

/**
 * Serves a folder read-only over HTTP on 127.0.0.1, with single byte ranges (`Range:
 * bytes=a-b`), for readers that fetch URLs (icebird, hyparquet's asyncBufferFromUrl).
 */
export async function serveFolder(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)))
    if (!path.startsWith(root)) {
      res.writeHead(403).end()
      return
    }
    readFile(path).then(
      (body) => {
        const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
        if (!range) {
          res.writeHead(200, { 'content-length': body.length }).end(req.method === 'HEAD' ? undefined : body)
          return
        }
        const start = Number(range[1])
        const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1
        res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-length': end - start + 1 }).end(body.subarray(start, end + 1))
      },
      () => res.writeHead(404).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
