/**
 * An error as one line for the terminal: the command, then the message, without the error's
 * class name, and without the message's own domain prefix when it repeats a word of the command
 * (`sluice drop: no dataset …`, not `sluice drop: drop: no dataset …`).
 */
export function errorLine(command: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const first = message.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? 'failed'
  const names = command.split(' ').slice(1)
  const text = first.replace(/^(?:[A-Za-z ]*Error: )+/, '').replace(/^([a-z]+): /, (whole, domain: string) => (names.includes(domain) ? '' : whole))
  return `${command}: ${text}`
}
