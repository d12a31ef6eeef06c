import { describe, expect, it } from 'vitest'
import { limitedStateMachine, MAX_PAYLOAD_BYTES } from '../../cli/local/execution-limits'

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:step'

/** Runs a definition to its end; the failure's error and cause, or the output. */
async function outcome(definition: object, handlers: Record<string, (input: unknown) => Promise<unknown>> = {}) {
  const execution = limitedStateMachine(definition as never, { validationOptions: { checkArn: true } }).run({} as never, { overrides: { taskResourceLocalHandlers: handlers as never } })
  try {
    return { output: await execution.result }
  } catch (e) {
    const cause = (e as { cause?: Error }).cause
    return { error: cause?.name, cause: cause?.message }
  }
}

describe('the local runner under Step Functions quotas', () => {
  it('fails an execution whose state output is over 256 KiB with States.DataLimitExceeded, running no later state', async () => {
    // Prepare
    let ran = false
    const definition = {
      StartAt: 'Grow',
      States: {
        Grow: { Type: 'Task', Resource: ARN, Next: 'After' },
        After: { Type: 'Task', Resource: ARN, End: true },
      },
    }

    // Act
    const result = await outcome(definition, {
      Grow: async () => ({ text: 'x'.repeat(MAX_PAYLOAD_BYTES) }),
      After: async () => ((ran = true), {}),
    })

    // Assess
    expect(result).toEqual({ error: 'States.DataLimitExceeded', cause: `the output of state Grow is ${MAX_PAYLOAD_BYTES + 11} bytes, over the quota of ${MAX_PAYLOAD_BYTES} bytes` })
    expect(ran).toBe(false)
  })

  it('counts a payload in UTF-8 bytes, not characters', async () => {
    // Prepare: 100,000 three-byte characters are 300,000 bytes
    const definition = { StartAt: 'Wide', States: { Wide: { Type: 'Pass', Result: { text: '€'.repeat(100_000) }, End: true } } }

    // Act
    const result = await outcome(definition)

    // Assess
    expect(result.error).toBe('States.DataLimitExceeded')
  })

  it('passes an output just under the quota', async () => {
    // Prepare
    const definition = { StartAt: 'Grow', States: { Grow: { Type: 'Task', Resource: ARN, End: true } } }

    // Act
    const result = await outcome(definition, { Grow: async () => ({ text: 'x'.repeat(MAX_PAYLOAD_BYTES - 11) }) })

    // Assess
    expect(result.error).toBeUndefined()
  })

  it('fails an execution past 25,000 history events with States.Runtime', async () => {
    // Prepare: each turn is a Task (5 events) and a Choice (2 events)
    let turns = 0
    const definition = {
      StartAt: 'Step',
      States: {
        Step: { Type: 'Task', Resource: ARN, Next: 'Again' },
        Again: { Type: 'Choice', Choices: [{ Variable: '$.turns', NumericLessThan: 10_000, Next: 'Step' }], Default: 'Done' },
        Done: { Type: 'Succeed' },
      },
    }

    // Act
    const result = await outcome(definition, { Step: async () => ({ turns: ++turns }) })

    // Assess
    expect(result.error).toBe('States.Runtime')
    expect(result.cause).toBe('The execution reached the maximum number of history events (25000).')
    // ExecutionStarted and 7 events a turn: the 3,572nd turn's Task passes 25,000.
    expect(turns).toBe(3572)
  })
})
