import { describe, expect, it } from 'vitest'
import { errorLine } from '../../cli/error-line'
import { NotFoundError } from '../../cli/lake-checks'
import { ContractInvalidError } from '../../functions/core/errors'

describe('an error on the terminal', () => {
  it.each([
    ['drops the class name and the domain that repeats the command', 'sluice drop', new NotFoundError('drop: no dataset x in the lake; datasets: orders'), 'sluice drop: no dataset x in the lake; datasets: orders'],
    ['keeps a domain other than the command', 'sluice query', new NotFoundError('lake: /tmp/x holds neither raw/ nor curated/'), 'sluice query: lake: /tmp/x holds neither raw/ nor curated/'],
    ['drops the name of a plain Error in the text', 'sluice run', new Error('Error: Parser Error: syntax error at or near "SELEC"'), 'sluice run: syntax error at or near "SELEC"'],
    ['keeps one line of a message of several', 'sluice transform', new ContractInvalidError('contract: unknown type "intt"\n  at column amount'), 'sluice transform: contract: unknown type "intt"'],
    ['drops a domain that repeats a word of the command', 'sluice aws status', new Error('aws: stack Sluice has no output RawBucketName'), 'sluice aws status: stack Sluice has no output RawBucketName'],
    ['takes what is not an Error', 'sluice aws query', 'athena: query q1 failed', 'sluice aws query: athena: query q1 failed'],
  ])('%s', (_case, command, error, line) => {
    expect(errorLine(command, error)).toBe(line)
  })
})
