/**
 * `npm run bench:answers -- [--index DIR] [--rounds N] QUESTIONS.jsonl…`: answer latency as a serving
 * process sees it (`npm start`'s --optimize-for-size, the searcher warmed up, the second stage and the
 * answer line on), over the questions of eval files, and the process's memory after them. A quick check
 * on an index built already (seeds + corpus-large for issue 19's targets: p95 ≤ 150 ms, ≤ 400 MB);
 * `npm run bench` measures the same within its full run (ingest included).
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { openSearcher } from '../src/search/searcher.js';
import { saveResults } from './output.js';
import { summarize } from './stats.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { index: { type: 'string' }, rounds: { type: 'string', default: '2' } } });
if (positionals.length === 0) {
  process.stderr.write('usage: npm run bench:answers -- [--index DIR] [--rounds N] QUESTIONS.jsonl…\n');
  process.exit(2);
}
const config = loadConfig(values.index ? { indexDir: values.index } : {});
const searcher = await openSearcher(config, { warmUp: true });
const questions = positionals.flatMap((file) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => (JSON.parse(l) as { q: string }).q));
const ms: number[] = [];
const rounds = Math.max(1, Number(values.rounds));
// The first round fills the caches a server has filled after its first minutes; the others are timed.
for (let round = 0; round <= rounds; round++) {
  for (const q of questions) {
    const t0 = performance.now();
    await searcher.search(q);
    if (round > 0) ms.push(performance.now() - t0);
  }
}
const latency = summarize(ms);
const figures = { index: config.indexDir, passages: searcher.info().passages, questions: questions.length, rounds, latency, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20), loadAverage: os.loadavg()[0] ?? 0 };
console.log(`${figures.passages} passages, ${ms.length} answers: p50 ${latency.p50} ms, p95 ${latency.p95} ms, max ${latency.max} ms; memory ${figures.rssMb} MB (load average ${figures.loadAverage.toFixed(1)})`);
console.log(`saved ${saveResults('answers', figures)}`);
