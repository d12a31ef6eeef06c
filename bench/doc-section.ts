import { readFile, writeFile } from 'node:fs/promises'

/**
 * Replaces the section `name` of a results page (the text between `<!-- name:begin -->` and
 * `<!-- name:end -->`), keeping the prose around it; a page without it gets the section at its
 * end under `heading`. Each bench that records its results owns one such section.
 */
export async function recordSection(doc: string, name: string, heading: string, text: string): Promise<void> {
  const begin = `<!-- ${name}:begin -->`
  const end = `<!-- ${name}:end -->`
  const page = await readFile(doc, 'utf8')
  const section = `${begin}\n${text}\n${end}`
  const i = page.indexOf(begin)
  const j = page.indexOf(end)
  const next = i >= 0 && j > i ? `${page.slice(0, i)}${section}${page.slice(j + end.length)}` : `${page.trimEnd()}\n\n## ${heading}\n\n${section}\n`
  await writeFile(doc, next)
}
