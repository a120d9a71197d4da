/**
 * Scale benchmark of the HNSW index alone (no corpus, no model needed).
 *   npx tsx scripts/bench-scale.ts [--quick] [--scale-1m] [--no-m-sweep] [--sizes 10000,100000]
 * Prints a table and saves JSON under bench/results/.
 */
import { parseArgs } from 'node:util';
import { machineInfo, saveResults } from '../bench/output.js';
import { formatScale, runScale, scaleOptionsFromFlags } from '../bench/scale.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'scale-1m': { type: 'boolean', default: false },
    'no-m-sweep': { type: 'boolean', default: false },
    sizes: { type: 'string' },
  },
});
const figures = await runScale({ ...scaleOptionsFromFlags(values), log: (m) => console.error(m) });
console.log(formatScale(figures));
console.log(`saved ${saveResults('scale', { machine: machineInfo(), scale: figures })}`);
