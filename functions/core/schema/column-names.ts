import { createHash } from 'node:crypto'

/** Longest identifier Glue and Athena accept for a column. */
export const MAX_COLUMN_NAME_LENGTH = 255

/**
 * Turns one header cell into an Athena-safe column name: lower snake_case, only `[a-z0-9_]`,
 * never starting with a digit, at most 255 characters. Returns '' when nothing usable is
 * left; the caller then names the column by position.
 */
export function normalizeColumnName(header: string): string {
  const snake = header
    .trim()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // strip accents left over by NFKD: "Größe" → "Große"
    .replace(/ß/g, 'ss')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2') // camelCase → camel_Case
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2') // HTTPStatus → HTTP_Status
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '')
  const prefixed = /^[0-9]/.test(snake) ? `col_${snake}` : snake
  return prefixed.slice(0, MAX_COLUMN_NAME_LENGTH)
}

/**
 * Normalizes a whole header row. Empty names become `col_<position>` (1-based). When headers
 * collide (`Amount` and `amount` both normalize to `amount`), the name a column gets depends on
 * its header, never on its position, so that files ordering such columns differently load each
 * value into the same column: the header whose own text is closest to the name keeps it (its
 * trimmed text is the name, else its lower-case form is, else the first in code-point order), and
 * every other one gets the name with a short hash of its header (`amount_h49e96d`). Only
 * identical headers are told apart by order (`_2`, `_3`, …). `reserved` names (partition keys)
 * are taken from the start. See `normalizeHeaderNames` for the warnings.
 */
export function normalizeHeader(headers: readonly string[], reserved: readonly string[] = []): string[] {
  return normalizeHeaderNames(headers, reserved).names
}

/** The names of `normalizeHeader`, and a warning per group of headers that collided. */
export function normalizeHeaderNames(headers: readonly string[], reserved: readonly string[] = []): { names: string[]; collisions: string[] } {
  const bases = headers.map((h, i) => normalizeColumnName(h) || `col_${i + 1}`)
  const texts = headers.map((h) => h.trim())
  const groups = new Map<string, Set<string>>()
  bases.forEach((base, i) => groups.set(base, (groups.get(base) ?? new Set()).add(texts[i])))
  const taken = new Set<string>(reserved)
  // The header that keeps each base: the name itself, then its lower-case form, then code-point order.
  const keeper = new Map<string, string>()
  for (const [base, group] of groups) {
    if (taken.has(base)) continue
    const rank = (t: string) => (t === base ? 0 : t.toLowerCase() === base ? 1 : 2)
    const ranked = [...group].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
    keeper.set(base, ranked[0])
    taken.add(base)
  }
  // Everyone else's name, derived from the header text alone.
  const derived = new Map<string, string>()
  for (const [base, group] of groups) {
    for (const text of [...group].sort()) {
      if (keeper.get(base) === text) continue
      // A header that only a reserved name (a partition key) takes from is numbered, as before.
      let name = group.size === 1 ? withSuffix(base, '_2') : withSuffix(base, `_h${headerHash(text)}`)
      for (let n = 2; taken.has(name); n++) name = group.size === 1 ? withSuffix(base, `_${n + 1}`) : withSuffix(base, `_h${headerHash(`${text}\u0000${n}`)}`)
      taken.add(name)
      derived.set(`${base}\u0000${text}`, name)
    }
  }
  const used = new Map<string, number>()
  const names = bases.map((base, i) => {
    const first = keeper.get(base) === texts[i] ? base : derived.get(`${base}\u0000${texts[i]}`)!
    const n = (used.get(first) ?? 0) + 1
    used.set(first, n)
    if (n === 1) return first
    // The same header again: only its order tells it apart.
    let candidate = withSuffix(first, `_${n}`)
    for (let k = n; taken.has(candidate); k++) candidate = withSuffix(first, `_${k + 1}`)
    taken.add(candidate)
    return candidate
  })
  const collisions: string[] = []
  for (const [base, group] of groups) {
    if (group.size < 2) continue
    const members = headers.map((h, i) => ({ h, i })).filter(({ i }) => bases[i] === base)
    collisions.push(
      `columns: headers ${members.map(({ h, i }) => `${JSON.stringify(h)} → ${names[i]}`).join(', ')} all normalize to ${base}; ` +
        'each name follows its header, not its position, in every file of the dataset',
    )
  }
  return { names, collisions }
}

/** `base` with `suffix`, cut so that the whole stays within MAX_COLUMN_NAME_LENGTH. */
const withSuffix = (base: string, suffix: string) => base.slice(0, MAX_COLUMN_NAME_LENGTH - suffix.length) + suffix

/** Six hex digits of the header's SHA-256: the same header gets the same name in every file. */
const headerHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 6)
