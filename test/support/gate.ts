/** A gate: `reached` resolves once a caller waits at it; the caller goes on after `open()`. */
export function gate() {
  let open!: () => void
  let arrived!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  const reached = new Promise<void>((resolve) => (arrived = resolve))
  return { open, reached, wait: async () => (arrived(), opened) }
}
