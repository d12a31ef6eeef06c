#!/usr/bin/env node
// `npm start`: the quick start (cli/start.ts) on ./lake of the package, through bin/launch.js.
import { launch } from './launch.js'

launch('start', process.argv.slice(2), process.cwd())
