#!/usr/bin/env node
// The `sluice` command (bin/launch.js runs it). Relative paths mean what the user typed them
// against: `npm run sluice` runs from the package root, so then the child starts in INIT_CWD,
// the directory npm was called from.
import { launch } from './launch.js'

const viaNpmScript = process.env.npm_lifecycle_event === 'sluice' && process.env.INIT_CWD
launch('sluice', process.argv.slice(2), viaNpmScript ? process.env.INIT_CWD : process.cwd())
