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

/** One CSV line (with trailing newline) for row `i`, its instant within `spanDays` of 2023-01-01. */
function row(i: number, rnd: () => number, spanDays: number): string {
  const first = FIRST[Math.floor(rnd() * FIRST.length)]
  const last = LAST[Math.floor(rnd() * LAST.length)]
  const name = `"${last}, ${first}"`
  const city = CITY[Math.floor(rnd() * CITY.length)]
  const cityField = city.includes(',') ? `"${city}"` : city
  const t = 1_672_531_200_000 + Math.floor(rnd() * (spanDays * 86_400_000)) // 2023-01-01 .. 2025-01-01 by default
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
 * Writes a deterministic orders CSV of `rows` data rows to `path`, its timestamps and ship
 * dates within `spanDays` days (fewer days: fewer distinct ship dates, for a date partition).
 * Returns the byte size of the file.
 */
export async function generateOrdersCsv(path: string, rows: number, seed = 42, spanDays = 730): Promise<number> {
  const rnd = prng(seed)
  const out = createWriteStream(path)
  let bytes = 0
  let chunk = BENCH_HEADER
  for (let i = 1; i <= rows; i++) {
    chunk += row(i, rnd, spanDays)
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

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'ñandú', 'über', 'œuvre', 'naïve', '東京', 'zulu']
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'uni.example.edu']

export const HARD_HEADER = 'event_id,session,email,message,occurred_at,score,ratio,tags\n'

/**
 * One line of the "hard" file: unique strings (a session token per row), e-mails, free text
 * with commas, quotes and line breaks, timestamps with offsets and milliseconds, doubles in
 * exponent form. Few repeats, so dictionaries help little and quoting is common.
 */
function hardRow(i: number, rnd: () => number): string {
  const session = `${Math.floor(rnd() * 0xffffffff).toString(16).padStart(8, '0')}-${i.toString(36)}`
  const name = `${WORDS[Math.floor(rnd() * WORDS.length)]}.${WORDS[Math.floor(rnd() * WORDS.length)]}${Math.floor(rnd() * 1000)}`
  const email = `${name}@${DOMAINS[Math.floor(rnd() * DOMAINS.length)]}`
  const words = 3 + Math.floor(rnd() * 12)
  let message = ''
  for (let w = 0; w < words; w++) {
    const r = rnd()
    message += (w ? (r < 0.1 ? ', ' : r < 0.15 ? '\n' : ' ') : '') + WORDS[Math.floor(rnd() * WORDS.length)]
    if (r > 0.97) message += ' "quoted"'
  }
  const t = 1_672_531_200_000 + Math.floor(rnd() * 63_072_000_000)
  const offset = Math.floor(rnd() * 27) - 12
  const local = new Date(t + offset * 3_600_000)
  const ts =
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:` +
    `${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}${offset < 0 ? '-' : '+'}${pad(Math.abs(offset))}:00`
  const score = (rnd() * 1000).toExponential(6)
  const ratio = `${(rnd() * 10).toFixed(4)}e-${1 + Math.floor(rnd() * 20)}`
  const tags = rnd() < 0.3 ? '' : `"${WORDS[Math.floor(rnd() * WORDS.length)]};${WORDS[Math.floor(rnd() * WORDS.length)]}"`
  return `${i},${session},${email},"${message.replace(/"/g, '""')}",${ts},${score},${ratio},${tags}\n`
}

/** Writes the deterministic "hard" CSV of `rows` data rows to `path`; returns its byte size. */
export async function generateHardCsv(path: string, rows: number, seed = 7): Promise<number> {
  const rnd = prng(seed)
  const out = createWriteStream(path)
  let bytes = 0
  let chunk = HARD_HEADER
  for (let i = 1; i <= rows; i++) {
    chunk += hardRow(i, rnd)
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
