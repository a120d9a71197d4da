#!/usr/bin/env -S npx tsx
import { runMain } from '../src/cli/options.js';
import { main } from '../src/cli/loadtest.js';
import { hostsMain } from '../src/cli/loadtest-hosts.js';

// --hosts N: the bot on N hosts (network namespaces) sharing Redis (src/cli/loadtest-hosts.ts).
const argv = process.argv.slice(2);
runMain(() => (argv.includes('--hosts') ? hostsMain(argv) : main(argv)));
