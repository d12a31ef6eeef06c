import { once } from 'node:events'
import type { WriteStream } from 'node:fs'

/** A file write stream with backpressure and errors turned into promises. */
export interface FileWriter {
  write(chunk: Uint8Array): Promise<void>
  /** Ends the stream and waits until everything is on disk. */
  end(): Promise<void>
  /**
   * Stops writing and waits until the file is closed. A stream opens its file asynchronously:
   * removing the file before that would let the open create it again afterwards.
   */
  destroy(): Promise<void>
}

export function fileWriter(stream: WriteStream): FileWriter {
  const failed = once(stream, 'error').then(([e]) => Promise.reject(e as Error))
  failed.catch(() => undefined)
  return {
    async write(chunk) {
      if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), failed])
    },
    async end() {
      stream.end()
      await Promise.race([once(stream, 'finish'), failed])
    },
    async destroy() {
      if (stream.closed) return
      const closed = once(stream, 'close').catch(() => undefined)
      stream.destroy()
      await closed
    },
  }
}
