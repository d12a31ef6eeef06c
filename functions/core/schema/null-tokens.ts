/**
 * When a cell is null: empty, or one of the null tokens; for non-string columns also after
 * trimming whitespace (so `  ` and ` NULL ` are null there, while a string keeps them).
 * Inference and coercion both ask this, so they always agree.
 */
export class NullTokens {
  private readonly tokens: Set<string>
  /** Characters of the longest token. */
  readonly longest: number

  constructor(tokens: Iterable<string>) {
    this.tokens = new Set(['', ...tokens])
    // A loop, not Math.max(...tokens): a spread of a long list overflows the call stack.
    let longest = 0
    for (const t of this.tokens) longest = Math.max(longest, t.length)
    this.longest = longest
  }

  isNull(text: string, trimmed: boolean): boolean {
    // Length first: hashing every cell for the Set lookup costs more than the whole check.
    if (text.length === 0 || (text.length <= this.longest && this.tokens.has(text))) return true
    if (!trimmed) return false
    const first = text.charCodeAt(0)
    const last = text.charCodeAt(text.length - 1)
    if (first > 32 && last > 32) return false
    const t = text.trim()
    return t.length === 0 || this.tokens.has(t)
  }
}
