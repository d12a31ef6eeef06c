// Builds the `sluice` command into dist/: the TypeScript of cli/ and functions/ bundled by
// esbuild, the packages left to node_modules, and each command's heavy modules split into
// chunks that load only when the command runs. npm runs this as `prepare` on install (and
// `npm ci`); bin/sluice.js uses the build while it is newer than every source it was built from.
import { build } from 'esbuild'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
// dist/, or the folder given (a test builds into one of its own; it must be inside the package,
// where node_modules is found).
const outdir = resolve(root, process.argv[2] ?? 'dist')

// A module finds its files with `new URL('<relative path>', import.meta.url)`. In the build
// every module lives in dist/, so such a path is rebased from the source's folder to dist/.
const rebaseFileUrls = {
  name: 'rebase-file-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      const contents = source.replace(/new URL\((['"])(\.\.?\/[^'"]*)\1, import\.meta\.url\)/g, (_, quote, path) => {
        const target = resolve(dirname(args.path), path)
        const rebased = relative(outdir, target).split('\\').join('/') + (path.endsWith('/') ? '/' : '')
        return `new URL(${quote}${rebased.startsWith('.') ? rebased : `./${rebased}`}${quote}, import.meta.url)`
      })
      return { contents, loader: 'ts' }
    })
  },
}

await rm(outdir, { recursive: true, force: true })
const result = await build({
  absWorkingDir: root,
  entryPoints: { sluice: 'cli/sluice.ts', start: 'cli/start.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22.15',
  packages: 'external',
  chunkNames: 'chunk-[hash]',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [rebaseFileUrls],
})
// What bin/sluice.js checks: the build is stale once one of its sources is newer than it.
const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules'))
await writeFile(resolve(outdir, 'build-info.json'), `${JSON.stringify({ builtAt: Date.now(), inputs })}\n`)
console.log(`sluice: built dist/ from ${inputs.length} sources`)
