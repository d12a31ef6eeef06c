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
 * totals line (files done / planned, rows, MB/s, ETA), the phase (planning, transforming,
 * loading), and a bar for each running file, as many as fit; the frame never grows past the
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
  private lastDraw = 0
  private timer?: NodeJS.Timeout
  private stopped = false

  constructor(
    private readonly out: BoardStream = process.stderr,
    private readonly clock: () => number = Date.now,
  ) {
    this.live = Boolean(out.isTTY)
    this.startedAt = clock()
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
    this.draw(true)
  }

  start(key: string, size: number): void {
    this.running.set(key, { size, read: 0, startedAt: this.clock() })
    this.draw()
  }

  read(key: string, bytes: number): void {
    const f = this.running.get(key)
    if (!f) return
    f.read += bytes
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
    const head = [this.totalsLine(), `  ${this.phaseText}`]
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

  private totalsLine(): string {
    const seconds = (this.clock() - this.startedAt) / 1000
    const bytes = this.doneBytes + [...this.running.values()].reduce((sum, f) => sum + f.read, 0)
    const rate = seconds > 0 ? bytes / seconds : 0
    const left = Math.max(0, this.plannedBytes - bytes)
    const eta = this.done >= this.planned && this.running.size === 0 ? '' : `, ETA ${rate > 0 ? duration(left / rate) : '?'}`
    const total = `${n(this.planned)}${this.more ? '+' : ''}`
    const failed = this.failed > 0 ? ` (${n(this.failed)} failed)` : ''
    return `files ${n(this.done)}/${total}${failed}, ${n(this.rows)} rows, ${mb(bytes)} at ${(rate / 1e6).toFixed(1)} MB/s, ${duration(seconds)}${eta}`
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
