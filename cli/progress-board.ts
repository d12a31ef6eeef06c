/**
 * Per-file progress of a run, on stderr. On a terminal each file has a bar that moves as
 * its bytes are read; otherwise one line is printed as each file finishes.
 */
export class ProgressBoard {
  private readonly files = new Map<string, { size: number; read: number; state: 'running' | 'done' | 'failed'; note: string }>()
  private drawn = 0
  private readonly live: boolean

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.live = Boolean(out.isTTY)
  }

  start(key: string, size: number): void {
    this.files.set(key, { size, read: 0, state: 'running', note: '' })
    this.draw()
  }

  read(key: string, bytes: number): void {
    const f = this.files.get(key)
    if (!f) return
    f.read += bytes
    this.draw()
  }

  finish(key: string, ok: boolean, note: string): void {
    const f = this.files.get(key)
    if (!f) return
    f.state = ok ? 'done' : 'failed'
    f.read = f.size
    f.note = note
    if (this.live) this.draw()
    else this.out.write(`${ok ? '✓' : '✗'} ${key}  ${note}\n`)
  }

  private lastDraw = 0

  private draw(): void {
    if (!this.live) return
    const now = Date.now()
    const settled = [...this.files.values()].every((f) => f.state !== 'running')
    if (!settled && now - this.lastDraw < 80) return
    this.lastDraw = now
    const width = Math.max(...[...this.files.keys()].map((k) => k.length), 10)
    const lines = [...this.files].map(([key, f]) => {
      const share = f.size > 0 ? Math.min(1, f.read / f.size) : 1
      const filled = Math.round(share * 24)
      const mark = f.state === 'done' ? '✓' : f.state === 'failed' ? '✗' : ' '
      return `${mark} ${key.padEnd(width)}  [${'█'.repeat(filled)}${'░'.repeat(24 - filled)}] ${String(Math.round(share * 100)).padStart(3)}%  ${f.note}`
    })
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : ''
    this.out.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`)
    this.drawn = lines.length
  }
}
