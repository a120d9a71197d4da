/**
 * The LangChain.js peer alone (see bench/peer.ts).
 *   npx tsx scripts/bench-peer.ts [--corpus DIR]... [--eval FILE] [--no-large]
 * Default corpora: corpus/ plus ../shared/corpus-large when present.
 */
import { parseArgs } from 'node:util';
import { benchPaths } from '../bench/paths.js';
import { machineInfo, saveResults } from '../bench/output.js';
import { formatPeer, runPeer } from '../bench/peer.js';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string', multiple: true },
    eval: { type: 'string' },
    'no-large': { type: 'boolean', default: false },
  },
});
const paths = benchPaths({ corpus: values.corpus, eval: values.eval });
const corpusDirs = values['no-large'] || !paths.largeDir || values.corpus?.length ? paths.seedDirs : [...paths.seedDirs, paths.largeDir];
const figures = await runPeer({ corpusDirs, evalFile: paths.evalFile, log: (m) => console.error(m) });
console.log(formatPeer(figures));
console.log(`saved ${saveResults('peer', { machine: machineInfo(), corpusDirs, peer: figures })}`);
