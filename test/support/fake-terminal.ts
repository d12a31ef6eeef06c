import xterm from '@xterm/headless'

/**
 * A terminal of a fixed size for a progress display to write to: it says it is a TTY, and every
 * byte written goes through a headless xterm.js, which moves the cursor and scrolls as a real
 * terminal does (with `convertEol`, as a pty turns each \n into \r\n). `scrolledOff` counts
 * the lines pushed off the top of the screen into the scrollback.
 */
export class FakeTerminal {
  readonly isTTY = true
  readonly written: string[] = []
  private readonly term: InstanceType<typeof xterm.Terminal>
  private pending: Promise<void> = Promise.resolve()

  constructor(
    readonly rows: number,
    readonly columns: number,
  ) {
    this.term = new xterm.Terminal({ rows, cols: columns, scrollback: 100_000, allowProposedApi: true, convertEol: true })
  }

  write(text: string): boolean {
    this.written.push(text)
    this.pending = this.pending.then(() => new Promise<void>((done) => this.term.write(text, done)))
    return true
  }

  /** Waits until xterm.js has processed everything written so far. */
  async settled(): Promise<void> {
    await this.pending
  }

  /** Lines that scrolled off the top of the screen. */
  get scrolledOff(): number {
    return this.term.buffer.active.baseY
  }

  /** The screen as text, one string per row, trailing blanks trimmed. */
  screen(): string[] {
    const buffer = this.term.buffer.active
    return Array.from({ length: this.rows }, (_, i) => buffer.getLine(buffer.baseY + i)?.translateToString(true) ?? '')
  }

  dispose(): void {
    this.term.dispose()
  }
}
