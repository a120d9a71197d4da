/**
 * npm run bench [-- --quick] [--corpus DIR]... [--index DIR] [--eval FILE] [--no-large] [--scale-1m] [--out DIR] [--no-docs]
 *
 * --quick     seconds, for CI: seeds only, scale at 2k, no corpus-large, no 1M
 * --corpus    seed corpus folder(s) instead of corpus/ (repeatable)
 * --index     keep the benchmark indexes under DIR/<corpus set> (default: a temp folder, removed)
 * --no-large  skip the seeds + ../shared/corpus-large run
 * --scale-1m  add 1M vectors to the scale benchmark (~30 min more on 2 cores)
 * --out       folder for the JSON results (default bench/results)
 * --no-docs   do not update the end-to-end section of docs/PERFORMANCE.md
 *
 * Prints the tables and saves the figures as JSON. A full run on the default corpora also
 * rewrites the "End-to-end" section of docs/PERFORMANCE.md.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/config.js';
import { runBench } from '../bench/index.js';
import { machineInfo, saveResults } from '../bench/output.js';
import { formatBench, writeDocSection } from '../bench/report.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    corpus: { type: 'string', multiple: true },
    index: { type: 'string' },
    eval: { type: 'string' },
    'no-large': { type: 'boolean', default: false },
    'scale-1m': { type: 'boolean', default: false },
    'no-scale': { type: 'boolean', default: false },
    out: { type: 'string' },
    'no-docs': { type: 'boolean', default: false },
  },
});

const t0 = performance.now();
const figures = await runBench({
  quick: values.quick,
  corpus: values.corpus,
  index: values.index,
  eval: values.eval,
  noLarge: values['no-large'],
  scale1m: values['scale-1m'],
  noScale: values['no-scale'],
  out: values.out,
  log: (m) => console.error(m),
});
const machine = machineInfo();
console.log(`\n${formatBench(figures)}`);
console.log(`saved ${saveResults('bench', { machine, seconds: Math.round((performance.now() - t0) / 1000), ...figures }, values.out ?? undefined)}`);

// Only a full run on the default corpora speaks for the project in its docs.
if (!values.quick && !values.corpus?.length && !values.eval && !values['no-docs']) {
  const doc = path.join(PROJECT_ROOT, 'docs', 'PERFORMANCE.md');
  const where = `${machine.cpus} × ${machine.cpuModel}, ${machine.memGb} GB, Node ${machine.node}, ${machine.at.slice(0, 10)}`;
  if (writeDocSection(doc, figures, where)) console.log(`updated ${path.relative(PROJECT_ROOT, doc)}`);
}
