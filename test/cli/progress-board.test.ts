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
    expect(output).toMatch(/files \d+\/500, [\d,]+ rows, [\d.]+ [kM]B at [\d.]+ MB\/s, \d\S*/)
    expect(output).toMatch(/loading 500 file\(s\) of 3 dataset\(s\): [\d,]+ part\(s\) published, [\d,]+\/500 committed/)
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
    expect(frame[0]).toBe('files 0/1,000, 0 rows, 2 kB at 0.0 MB/s, 2s')
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

describe('the progress board over time', () => {
  const MB = 1e6

  /** A board on a fake clock, with `files` files of 10 MB planned and running. */
  function boardOf(files: number) {
    const clock = { now: 0 }
    const board = new ProgressBoard({ write: () => true }, () => clock.now)
    board.plannedBatch(files, files * 10 * MB, false)
    for (let i = 0; i < files; i++) board.start(`big/f${i}.csv`, 10 * MB)
    /** Reads `perSecond` bytes of file `i` each second for `seconds` seconds. */
    const readFor = (seconds: number, perSecond: number, i = 0) => {
      for (let s = 0; s < seconds; s++) {
        clock.now += 1000
        board.read(`big/f${i}.csv`, perSecond)
      }
    }
    return { board, clock, readFor, totals: () => board.frame(10, 200)[0]! }
  }

  it('shows no ETA after 1 s, nor before a share of the work is done', () => {
    // Prepare
    const { readFor, totals } = boardOf(10)

    // Act
    readFor(1, 0.5 * MB)
    const early = totals()
    readFor(9, 0.1 * MB)
    const slow = totals()

    // Assess: 0.5 MB of 100 MB after 1 s; 1.4 MB (1.4 %) after 10 s.
    expect(early).not.toContain('ETA')
    expect(slow).not.toContain('ETA')
  })

  it('gives an ETA at the recent rate once enough time has passed and work is done', () => {
    // Prepare
    const { readFor, totals } = boardOf(2)

    // Act: 2 MB/s for 6 s, over both files.
    readFor(3, 2 * MB, 0)
    readFor(3, 2 * MB, 1)

    // Assess: 12 MB of 20 MB at 2 MB/s: 8 MB left, 4 s.
    expect(totals()).toBe('files 0/2, 0 rows, 12.0 MB at 2.0 MB/s, 6s, ETA 4s')
  })

  it('shows the throughput of the last seconds, not one that a long load dragged down', () => {
    // Prepare: 10 s at 35 MB/s, then a Load of 30 s that reads nothing.
    const { board, readFor, totals, clock } = boardOf(100)
    readFor(10, 35 * MB)
    board.loadStarted(100, 3)
    clock.now += 30_000
    board.phase('transforming')

    // Act: the next batch reads at 35 MB/s again.
    readFor(10, 35 * MB, 1)

    // Assess: the average since the start would be 14.0 MB/s.
    expect(totals()).toMatch(/ at 35\.0 MB\/s, 50s, ETA /)
  })

  it('counts a load\'s publishes and commits in its phase line', () => {
    // Prepare
    const { board, clock } = boardOf(0)

    // Act
    board.loadStarted(500, 3)
    for (let i = 0; i < 812; i++) board.loadProgress('published')
    for (let i = 0; i < 120; i++) board.loadProgress('committed')
    clock.now += 41_000

    // Assess
    expect(board.frame(10, 200)[1]).toBe('  loading 500 file(s) of 3 dataset(s): 812 part(s) published, 120/500 committed, 41s')
  })
})
