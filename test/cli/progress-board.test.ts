import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProgressBoard } from '../../cli/progress-board'
import { createLake, type E2ELake } from '../support/e2e-lake'
import { FakeTerminal } from '../support/fake-terminal'

const FILES = 500
const DATASETS = ['orders', 'customers', 'payments']

let lake: E2ELake

/** 500 small CSV files over three datasets. */
beforeAll(async () => {
  lake = await createLake({ seed: 'none' })
  for (let i = 0; i < FILES; i++) {
    const dataset = DATASETS[i % DATASETS.length]!
    const rows = Array.from({ length: 20 }, (_, r) => `${i * 100 + r},item ${r},${(r * 1.25).toFixed(2)}`)
    await lake.putRaw(`${dataset}/part-${String(i).padStart(4, '0')}.csv`, `id,name,amount\n${rows.join('\n')}\n`)
  }
}, 120_000)

afterAll(async () => {
  await lake.dispose()
})

describe('the progress board of a run', () => {
  it('never writes more rows than a 40-row terminal has over a 500-file run', async () => {
    // Prepare
    const terminal = new FakeTerminal(40, 120)
    const board = new ProgressBoard(terminal)

    // Act
    const { report } = await lake.run({ trigger: 'schedule', maxConcurrency: 16 }, { board })
    board.stop()
    await terminal.settled()

    // Assess
    expect(report.totals).toMatchObject({ files: FILES, loaded: FILES, failed: 0 })
    expect(terminal.scrolledOff).toBe(0)
    const output = terminal.written.join('')
    expect(output).toMatch(/files \d+\/500, [\d,]+ rows, [\d.]+ [kM]B at [\d.]+ MB\/s, \S+, ETA /)
    expect(output).toMatch(/part-\d{4}\.csv +[█░]{20} +\d+%/)
    expect(output).toContain('loading 500 file(s) of 3 dataset(s)')
    expect(terminal.screen()[0]).toMatch(/^files 500\/500, 10,000 rows, /)
    terminal.dispose()
  }, 300_000)

  it('keeps a frame of many running files within the terminal, with a line for those not shown', () => {
    // Prepare
    let now = 0
    const board = new ProgressBoard({ write: () => true }, () => now)
    board.plannedBatch(1000, 1000 * 4000, false)

    // Act
    for (let i = 0; i < 100; i++) board.start(`orders/file-${i}.csv`, 4000)
    board.read('orders/file-0.csv', 2000)
    now = 2000
    const frame = board.frame(39, 120)

    // Assess
    expect(frame).toHaveLength(39)
    expect(frame[0]).toBe('files 0/1,000, 0 rows, 2 kB at 0.0 MB/s, 2s, ETA 1h06m')
    expect(frame[1]).toBe('  transforming')
    expect(frame[2]).toMatch(/^  orders\/file-0\.csv +█{10}░{10}  50%  2 kB of 4 kB$/)
    expect(frame[38]).toBe('  … and 64 more running')
    expect(frame.every((l) => [...l].length < 120)).toBe(true)
  })

  it('prints one plain line per finished file when not on a terminal', async () => {
    // Prepare
    const lines: string[] = []
    const board = new ProgressBoard({ write: (text: string) => lines.push(text) })
    board.plannedBatch(3, 300, false)

    // Act
    board.start('orders/a.csv', 100)
    board.read('orders/a.csv', 100)
    board.finish('orders/a.csv', true, '20 rows in, 20 loaded, 0 rejected', 20)
    board.start('orders/b.csv', 100)
    board.finish('orders/b.csv', false, 'RejectThresholdError: too many rejects')
    board.stop()

    // Assess
    expect(lines).toEqual(['✓ orders/a.csv  20 rows in, 20 loaded, 0 rejected\n', '✗ orders/b.csv  RejectThresholdError: too many rejects\n'])
  })
})
