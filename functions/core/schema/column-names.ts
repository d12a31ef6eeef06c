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
 * Normalizes a whole header row. Empty names become `col_<position>` (1-based) and
 * duplicates get `_2`, `_3`, … in order of appearance, never colliding with a name that
 * is already taken. `reserved` names (partition keys) are taken from the start.
 */
export function normalizeHeader(headers: readonly string[], reserved: readonly string[] = []): string[] {
  const bases = headers.map((h, i) => normalizeColumnName(h) || `col_${i + 1}`)
  const taken = new Set<string>(reserved)
  const seen = new Map<string, number>()
  const firstUse = new Set(bases.filter((b, i) => bases.indexOf(b) === i))
  return bases.map((base) => {
    if (!taken.has(base)) {
      taken.add(base)
      seen.set(base, 1)
      return base
    }
    let n = seen.get(base) ?? 1
    let candidate: string
    do {
      n += 1
      const suffix = `_${n}`
      candidate = base.slice(0, MAX_COLUMN_NAME_LENGTH - suffix.length) + suffix
    } while (taken.has(candidate) || firstUse.has(candidate))
    seen.set(base, n)
    taken.add(candidate)
    return candidate
  })
}
