/**
 * `npm run bench:opensearch`: the OpenSearch backend beside the embedded index, on the same generation.
 *
 *   npm run bench:opensearch                                   the seeds (ingested with the real model into a temp folder)
 *   npm run bench:opensearch -- --index /tmp/idx-large         an existing embedded index (read only: its vectors are reused)
 *   npm run bench:opensearch -- --eval a.jsonl --eval b.jsonl  question sets (default: ../shared/eval dev + dev-natural, else examples/)
 *
 * Starts a 3-node cluster (test/support/opensearch-cluster.ts; 2 shards, 1 replica) unless OPENSEARCH_URL
 * is set, publishes the generation (bulk: passages/s), then asks every question of both backends in turn:
 * query p50/p95, Hit@1 and answer line@1 of each, how many top quotes and answer lines are the same,
 * memory (this process after opening each searcher; the cluster's resident memory). Prints a table and
 * writes bench/results/opensearch-<time>.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { score, readQuestions, type EvalQuestion } from '../src/cli/eval.js';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { loadEmbedder } from '../src/embed/embedder.js';
import { ingest } from '../src/index/ingest.js';
import { publishToOpenSearch } from '../src/index/opensearch/publish.js';
import { readManifest } from '../src/index/store.js';
import { openSearcher, type Searcher } from '../src/search/searcher.js';
import type { Answer } from '../src/search/types.js';
import { OpenSearchCluster } from '../test/support/opensearch-cluster.js';

const { values } = parseArgs({ options: { index: { type: 'string' }, eval: { type: 'string', multiple: true }, out: { type: 'string' } } });
const log = (m: string) => process.stderr.write(m + '\n');
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

function rssOf(pid: number): number {
  const line = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) * 1024;
}

function questionSets(): string[] {
  if (values.eval?.length) return values.eval;
  const shared = ['dev.jsonl', 'dev-natural.jsonl'].map((f) => path.resolve(PROJECT_ROOT, '..', 'shared', 'eval', f)).filter((f) => fs.existsSync(f));
  return shared.length ? shared : [path.join(PROJECT_ROOT, 'examples', 'questions.jsonl')];
}

const p = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil((q / 100) * sorted.length) - 1)] ?? NaN;

async function main(): Promise<void> {
  const indexDir = values.index ? path.resolve(values.index) : fs.mkdtempSync('/tmp/rqb-bench-os-');
  const base = loadConfig({ indexDir });
  const embedder = await loadEmbedder(base.model, log);
  if (!values.index) await ingest(base, { embedder, log });
  const manifest = readManifest(indexDir);
  if (!manifest) throw new Error(`no index at ${indexDir}`);

  const cluster = process.env.OPENSEARCH_URL ? undefined : await OpenSearchCluster.start(3);
  try {
    const urls = cluster?.urls ?? base.backend.opensearchUrls;
    const alias = `bench-${process.pid}`;
    const engineConfig = { ...base, backend: { ...base.backend, kind: 'opensearch' as const, opensearchUrls: urls, opensearchIndex: alias, shards: 2, replicas: 1 } };
    log(`publishing ${manifest.passageCount} passages to ${urls.length} node(s)…`);
    const published = await publishToOpenSearch(engineConfig, { log });
    const clusterRss = cluster ? cluster.pids.reduce<number>((sum, pid) => sum + (pid ? rssOf(pid) : 0), 0) : NaN;

    const rss0 = process.memoryUsage().rss;
    const embedded = await openSearcher(base, { embedder, warmUp: true });
    const rssEmbedded = process.memoryUsage().rss;
    const engine = await openSearcher(engineConfig, { embedder, warmUp: true });
    const rssEngine = process.memoryUsage().rss;

    const questions: EvalQuestion[] = questionSets().flatMap((f) => readQuestions(f));
    const runs = { embedded: { searcher: embedded, ms: [] as number[], answers: [] as Answer[] }, opensearch: { searcher: engine, ms: [] as number[], answers: [] as Answer[] } };
    for (const q of questions) {
      for (const run of Object.values(runs) as { searcher: Searcher; ms: number[]; answers: Answer[] }[]) {
        const t = performance.now();
        run.answers.push(await run.searcher.search(q.q, { k: 10 }));
        run.ms.push(performance.now() - t);
      }
    }
    const top = (a: Answer) => (a.abstained || !a.results[0] ? 'refused' : `${a.results[0].source}:${a.results[0].start}`);
    const line = (a: Answer) => a.results[0]?.answer?.text ?? '';
    const same = questions.filter((_, i) => top(runs.embedded.answers[i]!) === top(runs.opensearch.answers[i]!)).length;
    const sameLine = questions.filter((_, i) => line(runs.embedded.answers[i]!) === line(runs.opensearch.answers[i]!)).length;
    const figures = Object.fromEntries(
      Object.entries(runs).map(([name, run]) => {
        const sorted = [...run.ms].sort((a, b) => a - b);
        const s = score(questions.map((question, i) => ({ question, answer: run.answers[i]! })));
        return [name, { p50: +p(sorted, 50).toFixed(1), p95: +p(sorted, 95).toFixed(1), hit1: +s.hit1.toFixed(3), answerLine1: +s.answerLine.toFixed(3) }];
      }),
    );
    const result = {
      date: new Date().toISOString(),
      passages: manifest.passageCount,
      reports: manifest.files.length,
      questions: questions.length,
      cluster: { nodes: urls.length, shards: 2, replicas: 1, started: Boolean(cluster), rssMb: mb(clusterRss) },
      publish: { seconds: +published.seconds.toFixed(1), passagesPerSecond: Math.round(manifest.passageCount / published.seconds) },
      memoryMb: { embeddedSearcher: mb(rssEmbedded - rss0), openSearchSearcher: mb(rssEngine - rssEmbedded), embeddedIndexOnDisk: mb(Object.values(manifest.fileBytes ?? {}).reduce<number>((a, b) => a + (b ?? 0), 0)) },
      query: figures,
      sameTopQuote: same,
      sameAnswerLine: sameLine,
    };
    process.stdout.write(
      [
        `OpenSearch beside the embedded index: ${result.passages} passages of ${result.reports} reports, ${result.questions} questions`,
        `publish (bulk, ${result.cluster.nodes} nodes, 2 shards, 1 replica): ${result.publish.seconds} s, ${result.publish.passagesPerSecond} passages/s; cluster RSS ${result.cluster.rssMb} MB`,
        `| backend | query p50 ms | query p95 ms | Hit@1 | answer line@1 | searcher memory MB |`,
        `|---|---|---|---|---|---|`,
        `| embedded | ${figures.embedded!.p50} | ${figures.embedded!.p95} | ${figures.embedded!.hit1} | ${figures.embedded!.answerLine1} | ${result.memoryMb.embeddedSearcher} (+ index files ${result.memoryMb.embeddedIndexOnDisk} MB on disk) |`,
        `| opensearch | ${figures.opensearch!.p50} | ${figures.opensearch!.p95} | ${figures.opensearch!.hit1} | ${figures.opensearch!.answerLine1} | ${result.memoryMb.openSearchSearcher} (+ cluster) |`,
        `same top quote: ${same} of ${questions.length}; same answer line: ${sameLine} of ${questions.length}`,
      ].join('\n') + '\n',
    );
    const out = values.out ?? path.join(PROJECT_ROOT, 'bench', 'results', `opensearch-${result.date.replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
    log(`figures: ${out}`);
  } finally {
    await cluster?.stop();
    if (!values.index) fs.rmSync(indexDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  },
);
