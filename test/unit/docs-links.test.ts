import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DOCS = join(ROOT, 'docs')
const MARKDOWN = [join(ROOT, 'README.md'), ...readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => join(DOCS, f))]

/** The text outside fenced code blocks, line by line, with inline code spans blanked. */
function proseLines(markdown: string): string[] {
  let fenced = false
  return markdown.split('\n').map((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced
      return ''
    }
    return fenced ? '' : line.replace(/(`+)[^`]*?\1/g, '')
  })
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const anchors = new Set<string>()
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced
    const heading = fenced ? undefined : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '')
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    anchors.add(n === 0 ? slug : `${slug}-${n}`)
  }
  return anchors
}

/** Every relative link target of a Markdown file (images included), with its line. */
function relativeLinks(markdown: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = []
  proseLines(markdown).forEach((text, i) => {
    for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(m[1]!)) links.push({ target: m[1]!, line: i + 1 })
    }
  })
  return links
}

/** The links of one file that point at no file, or at no heading of their file. */
function brokenLinks(file: string): string[] {
  const broken: string[] = []
  for (const { target, line } of relativeLinks(readFileSync(file, 'utf8'))) {
    const [path, anchor] = target.split('#') as [string, string | undefined]
    const destination = path === '' ? file : resolve(dirname(file), decodeURIComponent(path))
    const where = `${relative(ROOT, file)}:${line}: ${target}`
    if (!existsSync(destination)) broken.push(`${where} (no such file)`)
    else if (anchor !== undefined && destination.endsWith('.md') && !headingAnchors(readFileSync(destination, 'utf8')).has(anchor)) {
      broken.push(`${where} (no such heading)`)
    }
  }
  return broken
}

describe('the README and docs/', () => {
  it('keep the README under 250 lines', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length).toBeLessThan(250)
  })

  it('open the README with the quick start and show how to deploy on its first screen', () => {
    const firstScreen = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').slice(0, 24).join('\n')
    expect(firstScreen).toContain('npm install && npm start')
    expect(firstScreen).toContain('npm test')
    expect(firstScreen).toMatch(/\[Deploy to AWS\]\(#deploy-to-aws\)/)
  })

  it.each(MARKDOWN.map((f) => [relative(ROOT, f), f]))('%s links only to files and headings that exist', (_name, file) => {
    expect(brokenLinks(file)).toEqual([])
  })

  it('lists every document of docs/ in docs/index.md', () => {
    const index = readFileSync(join(DOCS, 'index.md'), 'utf8')
    const listed = new Set(relativeLinks(index).map((l) => l.target.split('#')[0]))
    const documents = readdirSync(DOCS).filter((f) => f.endsWith('.md') && f !== 'index.md')
    expect(documents.filter((f) => !listed.has(f))).toEqual([])
  })
})

describe('the link check itself', () => {
  it('finds a link to a missing file and to a missing heading, and none in code', () => {
    // Prepare
    const markdown = '# Top\n## A `b` c: d\n[ok](#a-b-c-d) [gone](#nope)\n```\n[in code](#nope)\n```\n`[inline](#nope)`\n'

    // Act
    const anchors = headingAnchors(markdown)
    const targets = relativeLinks(markdown).map((l) => l.target)

    // Assess
    expect([...anchors]).toEqual(['top', 'a-b-c-d'])
    expect(targets).toEqual(['#a-b-c-d', '#nope'])
  })
})
