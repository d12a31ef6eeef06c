import { InvalidInputError } from '../errors'
import { parseWorkflowInput } from './plan-files'

/** Executions of the workflow running at once, of any trigger, past which drops start none. */
export const DEFAULT_MAX_RUNNING_EXECUTIONS = 4

/** One queued drop as EventBridge Pipes hands it over from SQS: the body is the S3 event. */
export interface QueuedDrop {
  messageId: string
  body?: unknown
}

/** What one batch of queued drops does. */
export interface DropAdmission {
  /** The execution to start for the batch's keys, when the cap leaves room for one. */
  start?: { name: string; input: { trigger: 'object'; keys: string[] } }
  /** Messages left in the queue for a later try, because `running` reached the cap. */
  held: string[]
  /** Messages that name no S3 object key: acknowledged, as no later try gives them one. */
  unreadable: string[]
}

/** Step Functions execution names: at most 80 of `[A-Za-z0-9_-]`. */
const MAX_NAME = 80

/**
 * Decides a batch of queued drops with `running` executions of the workflow running: below
 * `cap`, one execution for all of the batch's keys; at or above it, every message is held, so
 * that the pipe hands it over again later. The execution is named after the batch's first
 * message id: a batch handed over again after its execution started starts none twice.
 */
export function admitDrops(messages: QueuedDrop[], running: number, cap: number): DropAdmission {
  const readable: { id: string; keys: string[] }[] = []
  const unreadable: string[] = []
  for (const message of messages) {
    try {
      const trigger = parseWorkflowInput([message])
      readable.push({ id: message.messageId, keys: trigger.trigger === 'object' ? trigger.keys : [] })
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error
      unreadable.push(message.messageId)
    }
  }
  if (readable.length === 0) return { held: [], unreadable }
  if (running >= cap) return { held: readable.map((m) => m.id), unreadable }
  const keys = [...new Set(readable.flatMap((m) => m.keys))]
  const first = readable.map((m) => m.id).sort()[0]!
  const name = `drops-${first.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, MAX_NAME)
  return { start: { name, input: { trigger: 'object', keys } }, held: [], unreadable }
}
