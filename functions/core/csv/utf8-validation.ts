/**
 * UTF-8 checking that never replaces bytes: it finds where invalid sequences are, so the
 * rows holding them can be rejected with their line numbers.
 */

/** Offsets of invalid sequences in a complete UTF-8 buffer (WHATWG decoder rules). */
export function findInvalidUtf8(bytes: Uint8Array): number[] {
  const invalid: number[] = []
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]
    if (b < 0x80) {
      i += 1
      continue
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1
    if (need < 0) {
      invalid.push(i)
      i += 1
      continue
    }
    const lower = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80
    const upper = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf
    let ok = i + need < bytes.length && bytes[i + 1] >= lower && bytes[i + 1] <= upper
    for (let k = 2; ok && k <= need; k++) ok = bytes[i + k] >= 0x80 && bytes[i + k] <= 0xbf
    if (!ok) {
      invalid.push(i)
      i += 1
      continue
    }
    i += need + 1
  }
  return invalid
}

/**
 * Length of an incomplete multi-byte sequence at the end of `bytes` (0–3): those bytes are
 * held back and checked together with the next chunk.
 */
export function incompleteTail(bytes: Uint8Array): number {
  const n = bytes.length
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]
    if (b < 0x80) return 0
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2
      return need > back ? back : 0
    }
  }
  return 0
}
