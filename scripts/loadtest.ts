#!/usr/bin/env -S npx tsx
import { runMain } from '../src/cli/options.js';
import { main } from '../bench/loadtest.js';

runMain(() => main(process.argv.slice(2)));
