import { Command, InvalidArgumentError } from 'commander'
import { join } from 'node:path'
import { assertLakeFolder } from './lake-checks'
import { lakeFromFlags, withLakeOptions, type LakeFlags } from './lake-options'
import { outputFormat, withOutputOption, type OutputFlags } from './output/output-format'
import { UsageError } from './usage-error'

interface SiteFlags extends LakeFlags, OutputFlags {
  serve?: boolean
  port?: number
}

const DEFAULT_PORT = 8080

function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new InvalidArgumentError(`a port is a number from 1 to 65535, not ${value}`)
  return port
}

/** `sluice site`: the lake's status site, as static files in `<lake>/site/`. */
export function siteCommand(): Command {
  return withOutputOption(withLakeOptions(
    new Command('site')
      .description('Generate the status site of the lake (datasets, schemas, freshness, rows over time, runs, rejects, a page per raw file) as static HTML in <lake>/site/, from scratch: it reads the whole ledger, the run reports, the raw listing and the rejects, and rebuilds the summaries that each Load keeps up to date. It works from file:// and from any static host.')
      .option('--serve', 'then serve it on http://127.0.0.1:<port> until interrupted')
      .option('--port <n>', `port for --serve (default ${DEFAULT_PORT})`, parsePort)
      .addHelpText('after', `
Examples:
  npx sluice site                         write ./lake/site/ and print its index
  npx sluice site --lake ./lake           a lake folder
  npx sluice site --serve --port 8081     write it, then serve it on http://127.0.0.1:8081/
  npx sluice site --output json           what was written, as JSON`),
  ), ['table', 'json'], 'what was written').action(async (flags: SiteFlags) => {
    const json = outputFormat(flags) === 'json'
    if (flags.port !== undefined && !flags.serve) throw new UsageError('--port needs --serve')
    const { deps, root } = await lakeFromFlags(flags)
    await assertLakeFolder(root)
    const [{ writeLocalSite }, { serveFolder }] = await Promise.all([import('./site/local-site'), import('./site/serve-site')])
    const site = await writeLocalSite(deps, root, flags.s3Endpoint ? undefined : join(root, 'curated'))
    if (json) process.stdout.write(`${JSON.stringify({ ...site, index: join(site.folder, 'index.html') })}\n`)
    else process.stdout.write(`Wrote ${site.pages} pages (${site.datasets} datasets, ${site.files} files) to ${site.folder}/\nOpen ${join(site.folder, 'index.html')}\n`)
    if (!flags.serve) return
    const port = flags.port ?? DEFAULT_PORT
    const server = await serveFolder(site.folder, port)
    if (!json) process.stdout.write(`Serving on http://127.0.0.1:${port}/ (Ctrl-C stops)\n`)
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve())
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
  })
}
