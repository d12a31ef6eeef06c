import { createWriteStream } from 'node:fs'
import { once } from 'node:events'

/** Small deterministic PRNG (mulberry32) so every run writes the same file. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia', 'Tim', 'Hedy']
const LAST = ['Lovelace', 'Hopper', "O'Neil", 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'Dijkstra', 'Perlman', 'Berners-Lee', 'Lamarr']
const CITY = ['Lisbon', 'Berlin', 'Austin, TX', 'São Paulo', 'Zürich', 'Osaka', 'Nairobi', 'Toronto, ON', 'Sydney', 'Kraków']
const STATUS = ['shipped', 'pending', 'cancelled', 'returned', 'delivered']
const NOTES = ['', 'gift wrap', 'leave at door, ring "twice"', 'fragile', 'call before delivery; gate code 4411', 'NULL', '']

const pad = (n: number, w = 2) => String(n).padStart(w, '0')

/** One CSV line (with trailing newline) for row `i`. */
function row(i: number, rnd: () => number): string {
  const first = FIRST[Math.floor(rnd() * FIRST.length)]
  const last = LAST[Math.floor(rnd() * LAST.length)]
  const name = `"${last}, ${first}"`
  const city = CITY[Math.floor(rnd() * CITY.length)]
  const cityField = city.includes(',') ? `"${city}"` : city
  const t = 1_672_531_200_000 + Math.floor(rnd() * 63_072_000_000) // 2023-01-01 .. 2025-01-01
  const d = new Date(t)
  const ts = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  const amount = `${Math.floor(rnd() * 100000)}.${pad(Math.floor(rnd() * 100))}`
  const qty = 1 + Math.floor(rnd() * 20)
  const paid = rnd() < 0.8 ? 'true' : 'false'
  const status = STATUS[Math.floor(rnd() * STATUS.length)]
  const note = NOTES[Math.floor(rnd() * NOTES.length)]
  const noteField = /[",;]/.test(note) ? `"${note.replace(/"/g, '""')}"` : note
  return `${i},${name},${cityField},${ts},${date},${amount},${qty},${paid},${status},${noteField}\n`
}

export const BENCH_HEADER = 'order_id,customer,city,ordered_at,ship_date,amount,quantity,paid,status,note\n'

/**
 * Writes a deterministic orders CSV of `rows` data rows to `path`.
 * Returns the byte size of the file.
 */
export async function generateOrdersCsv(path: string, rows: number, seed = 42): Promise<number> {
  const rnd = prng(seed)
  const out = createWriteStream(path)
  let bytes = 0
  let chunk = BENCH_HEADER
  for (let i = 1; i <= rows; i++) {
    chunk += row(i, rnd)
    if (chunk.length > 1 << 20) {
      bytes += Buffer.byteLength(chunk)
      if (!out.write(chunk)) await once(out, 'drain')
      chunk = ''
    }
  }
  bytes += Buffer.byteLength(chunk)
  out.end(chunk)
  await once(out, 'finish')
  return bytes
}
