import { createLogUpdate } from 'log-update'

/** What the board writes to: stderr, or any stream that says whether it is a terminal. */
export interface BoardStream {
  write(text: string): unknown
  isTTY?: boolean
  rows?: number
  columns?: number
}

interface FileProgress {
  size: number
  read: number
  startedAt: number
}

const BAR = 20
const REDRAW_MS = 100
/** The throughput is that of the last WINDOW_MS, so a long load or a slow file fades out of it. */
const WINDOW_MS = 10_000
const SAMPLE_MS = 250
/** No ETA before this much transforming and this share of the planned bytes: an early one is noise. */
const ETA_AFTER_MS = 5_000
const ETA_AFTER_SHARE = 0.05

/** What a Load has done so far: the board counts its publishes and commits. */
interface LoadProgress {
  files: number
  datasets: number
  published: number
  committed: number
  startedAt: number
}

const mb = (bytes: number) => (bytes < 1e6 ? `${Math.round(bytes / 1e3)} kB` : `${(bytes / 1e6).toFixed(1)} MB`)
const n = (x: number) => x.toLocaleString('en-US')

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  const s = Math.round(seconds)
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

function bar(share: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, share)) * BAR)
  return `${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}`
}

/**
 * Progress of a run, on stderr. On a terminal, one frame redrawn in place by log-update: a
 * totals line (files done / planned, rows, MB/s over the last seconds, an ETA once there is
 * enough to go by), the phase (planning, transforming, loading with its own counts), and a bar
 * for each running file, as many as fit; the frame never grows past the
 * terminal's height, whatever the number of files. A failed file is also printed above the
 * frame, so it stays in the scrollback. Elsewhere (a pipe, a CI log), one plain line per
 * finished file.
 */
export class ProgressBoard {
  private readonly running = new Map<string, FileProgress>()
  private readonly live: boolean
  private readonly update?: ReturnType<typeof createLogUpdate>
  private readonly startedAt: number
  private planned = 0
  private plannedBytes = 0
  private more = false
  private done = 0
  private failed = 0
  private doneBytes = 0
  private rows = 0
  private phaseText = 'planning'
  private load?: LoadProgress
  /** Bytes read by then, a sample every SAMPLE_MS reaching back just past WINDOW_MS. */
  private readonly samples: { at: number; bytes: number }[] = []
  private transformStartedAt?: number
  private lastDraw = 0
  private timer?: NodeJS.Timeout
  private stopped = false

  constructor(
    private readonly out: BoardStream = process.stderr,
    private readonly clock: () => number = Date.now,
  ) {
    this.live = Boolean(out.isTTY)
    this.startedAt = clock()
    this.samples.push({ at: this.startedAt, bytes: 0 })
    if (this.live) {
      this.update = createLogUpdate(out as NodeJS.WriteStream)
      // Elapsed time and ETA move even while no bytes arrive (a long Load, a slow store).
      this.timer = setInterval(() => this.draw(true), 1000)
      this.timer.unref()
    }
  }

  /** A batch was planned: `files` more to do, `bytes` in all; `more` when the backlog goes on. */
  plannedBatch(files: number, bytes: number, more: boolean): void {
    this.planned += files
    this.plannedBytes += bytes
    this.more = more
    this.phase(files > 0 ? 'transforming' : 'planning')
  }

  /** What the workflow is doing now, e.g. `loading 500 files of 3 datasets`. */
  phase(text: string): void {
    this.phaseText = text
    this.load = undefined
    this.sample(this.clock())
    this.draw(true)
  }

  /** A Load of `files` files of `datasets` datasets began: its phase line counts what it does. */
  loadStarted(files: number, datasets: number): void {
    this.phaseText = `loading ${n(files)} file(s) of ${n(datasets)} dataset(s)`
    this.load = { files, datasets, published: 0, committed: 0, startedAt: this.clock() }
    this.sample(this.load.startedAt)
    this.draw(true)
  }

  /** The Load published a Parquet part, or committed a file on its ledger head. */
  loadProgress(step: 'published' | 'committed'): void {
    if (!this.load) return
    this.load[step] += 1
    this.draw()
  }

  start(key: string, size: number): void {
    const now = this.clock()
    this.transformStartedAt ??= now
    this.running.set(key, { size, read: 0, startedAt: now })
    this.draw()
  }

  read(key: string, bytes: number): void {
    const f = this.running.get(key)
    if (!f) return
    f.read += bytes
    this.sample(this.clock())
    this.draw()
  }

  finish(key: string, ok: boolean, note: string, rows = 0): void {
    const f = this.running.get(key)
    this.running.delete(key)
    this.done += 1
    this.rows += rows
    this.doneBytes += f?.size ?? 0
    if (!ok) this.failed += 1
    const line = `${ok ? '✓' : '✗'} ${key}  ${note}`
    if (!this.live) this.out.write(`${line}\n`)
    else if (!ok) this.update!.persist(this.fit(line))
    this.draw()
  }

  /** Removes the frame and leaves one line of totals. Safe to call twice. */
  stop(): void {
    if (this.stopped) return
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    if (!this.live) return
    this.update!.clear()
    this.update!.done()
    if (this.done > 0) this.out.write(`${this.fit(this.totalsLine())}\n`)
  }

  /** The frame as it would be drawn now, at most `height` lines of at most `width` columns. */
  frame(height: number, width: number): string[] {
    const head = [this.totalsLine(), `  ${this.phaseLine()}`]
    const room = Math.max(0, height - head.length)
    const files = [...this.running.entries()]
    const shown = files.length > room ? files.slice(0, Math.max(0, room - 1)) : files
    const keyWidth = Math.min(48, Math.max(10, ...shown.map(([k]) => k.length)))
    const lines = shown.map(([key, f]) => {
      const share = f.size > 0 ? f.read / f.size : 0
      const name = key.length > keyWidth ? `…${key.slice(key.length - keyWidth + 1)}` : key.padEnd(keyWidth)
      return `  ${name}  ${bar(share)} ${String(Math.round(share * 100)).padStart(3)}%  ${mb(f.read)} of ${mb(f.size)}`
    })
    if (shown.length < files.length) lines.push(`  … and ${files.length - shown.length} more running`)
    return [...head, ...lines].slice(0, height).map((l) => this.fit(l, width))
  }

  private phaseLine(): string {
    const load = this.load
    if (!load) return this.phaseText
    const seconds = (this.clock() - load.startedAt) / 1000
    return `${this.phaseText}: ${n(load.published)} part(s) published, ${n(Math.min(load.committed, load.files))}/${n(load.files)} committed, ${duration(seconds)}`
  }

  private bytesRead(): number {
    return this.doneBytes + [...this.running.values()].reduce((sum, f) => sum + f.read, 0)
  }

  /** Records the bytes read by `now`, and forgets samples older than the window needs. */
  private sample(now: number): void {
    const last = this.samples[this.samples.length - 1]!
    if (now - last.at >= SAMPLE_MS) this.samples.push({ at: now, bytes: this.bytesRead() })
    while (this.samples.length > 2 && now - this.samples[1]!.at >= WINDOW_MS) this.samples.shift()
  }

  /** Bytes per second over the last WINDOW_MS (or since the start, when shorter). */
  private recentRate(now: number): number {
    this.sample(now)
    const from = this.samples[0]!
    const seconds = (now - from.at) / 1000
    return seconds > 0 ? (this.bytesRead() - from.bytes) / seconds : 0
  }

  private totalsLine(): string {
    const now = this.clock()
    const seconds = (now - this.startedAt) / 1000
    const bytes = this.bytesRead()
    const rate = this.recentRate(now)
    const total = `${n(this.planned)}${this.more ? '+' : ''}`
    const failed = this.failed > 0 ? ` (${n(this.failed)} failed)` : ''
    return `files ${n(this.done)}/${total}${failed}, ${n(this.rows)} rows, ${mb(bytes)} at ${(rate / 1e6).toFixed(1)} MB/s, ${duration(seconds)}${this.eta(now, bytes, rate)}`
  }

  /** `, ETA …` once enough was transformed to tell, at the recent rate; otherwise nothing. */
  private eta(now: number, bytes: number, rate: number): string {
    const finished = this.done >= this.planned && this.running.size === 0
    const elapsed = this.transformStartedAt === undefined ? 0 : now - this.transformStartedAt
    const share = this.plannedBytes > 0 ? bytes / this.plannedBytes : 0
    if (finished || elapsed < ETA_AFTER_MS || share < ETA_AFTER_SHARE || !(rate > 0)) return ''
    return `, ETA ${duration(Math.max(0, this.plannedBytes - bytes) / rate)}`
  }

  private fit(line: string, width = this.out.columns ?? 80): string {
    const chars = [...line]
    return chars.length < width ? line : `${chars.slice(0, Math.max(0, width - 2)).join('')}…`
  }

  private draw(force = false): void {
    if (!this.live || this.stopped) return
    const now = this.clock()
    if (!force && now - this.lastDraw < REDRAW_MS) return
    this.lastDraw = now
    // One line is left for the cursor, so the frame never scrolls the screen.
    const height = Math.max(1, (this.out.rows ?? 24) - 1)
    this.update!(this.frame(height, this.out.columns ?? 80).join('\n'))
  }
}
