#!/usr/bin/env -S npx tsx
import { runMain } from '../src/cli/options.js';
import { main } from '../bench/loadtest.js';
import { hostsMain } from '../bench/loadtest-hosts.js';

// --hosts N: the bot on N hosts (network namespaces) sharing Redis (bench/loadtest-hosts.ts).
const argv = process.argv.slice(2);
runMain(() => (argv.includes('--hosts') ? hostsMain(argv) : main(argv)));
