/**
 * `npm run bench`: the end-to-end benchmark of our system, side by side with the LangChain.js
 * peer, plus the HNSW scale benchmark.
 *
 * For each corpus set (the seeds; the seeds + ../shared/corpus-large as distractors):
 *   ingest (child process: passages/s, phase times, index size, peak RSS)
 *   → query latency p50/p95/p99 (hybrid search, and each retriever alone)
 *   → dev-set quality (Hit@1/3/5, MRR@10, abstentions) by the rule of ./quality.ts
 *   → cold start (child process: start to first answer)
 *   → the peer on the same corpus (child process), and ours/peer ratios.
 * Then the embedding batch-size sweep and the scale benchmark.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config, type ConfigOverrides } from '../src/config.js';
import { titleOf, listCorpusFiles, readReport } from '../src/corpus/load.js';
import { cleanReport } from '../src/corpus/clean.js';
import { chunkReport } from '../src/corpus/chunk.js';
import { loadEmbedder } from '../src/embed/embedder.js';
import { embeddingText, type IngestSummary } from '../src/index/ingest.js';
import { currentGeneration, FILES, readJson, type PassageStore } from '../src/index/store.js';
import { openSearcher, type Searcher } from '../src/search/searcher.js';
import { runChild } from './child.js';
import { benchPaths } from './paths.js';
import type { PeerFigures } from './peer.js';
import { loadEval, scoreAnswers, timeQuestions, type EvalItem, type QualityFigures, type RankedAnswer } from './quality.js';
import { scaleOptionsFromFlags, type ScaleFigures } from './scale.js';
import type { ShowPageFigures } from './show-page.js';
import { MB, round, type LatencySummary } from './stats.js';

export interface BenchFlags {
  corpus?: string[];
  index?: string;
  eval?: string;
  quick?: boolean;
  noLarge?: boolean;
  scale1m?: boolean;
  /** Skip the synthetic HNSW scale benchmark (it does not depend on the corpus or the search code). */
  noScale?: boolean;
  /** Folder for the JSON results (default bench/results). */
  out?: string;
  log?: (msg: string) => void;
}

export interface IngestFigures {
  files: number;
  passages: number;
  seconds: number;
  passagesPerSecond: number;
  /** Seconds per ingest phase (read, embed, index, write). */
  phaseSeconds: Record<string, number>;
  indexDiskMb: number;
  peakRssMb: number;
  model: string;
}

export type RetrieverMode = 'dense' | 'lexical' | 'hybrid';

export interface CorpusFigures {
  name: string;
  corpusDirs: string[];
  /** The model the index was built with (the fallback stand-in when the configured one is unreachable). */
  model: { id: string; dim: number };
  ingest: IngestFigures;
  /** End-to-end search (retrieve, fuse, abstain, quote), and each retriever alone. */
  queryMs: { search: LatencySummary } & Partial<Record<RetrieverMode, LatencySummary>>;
  /** Scored on the quote shown to the user, and on the whole passage it comes from. */
  quality: { quote: QualityFigures; passage: QualityFigures } & Partial<Record<RetrieverMode, QualityFigures>>;
  coldStart: { startToFirstAnswerMs: number; openMs: number; firstSearchMs: number; wallMs: number; peakRssMb: number; servedQuestions: number; serveP50Ms: number; serveP95Ms: number };
  peer: PeerFigures & { peakRssMb: number };
  /** ours ÷ peer (below 1 = we are faster / smaller), and ours − peer for quality. */
  versusPeer: Record<string, number>;
}

export interface BenchFigures {
  flags: Omit<BenchFlags, 'log'>;
  model: { id: string; dim: number };
  corpora: CorpusFigures[];
  embedBatchSweep: { batchSize: number; passages: number; msPerPassage: number }[];
  scale?: ScaleFigures;
  /** "Show page" on a 4-page PDF, in its own process. */
  showPage?: ShowPageFigures & { peakRssMb: number };
}

/** Query passes over the dev set for latency percentiles (after one warm-up pass). */
const ROUNDS = { quick: 2, full: 10 };
const SWEEP_BATCHES = [1, 8, 32, 128];
const SWEEP_PASSAGES = { quick: 32, full: 256 };

/** Passage id → source and text, from the index on disk (for scoring one retriever alone). */
function passageLookup(indexDir: string): (id: number) => { source: string; text: string } {
  const store = readJson<PassageStore>(path.join(currentGeneration(indexDir)!, FILES.passages));
  return (id) => {
    const p = store.passages[id]!;
    const doc = store.docs[p.doc]!;
    return { source: doc.source, text: doc.text.slice(p.start, p.end) };
  };
}

async function measureQueries(searcher: Searcher, indexDir: string, items: EvalItem[], rounds: number) {
  const search = await timeQuestions(items, rounds, (q) => searcher.search(q, { k: 10 }));
  const asRanked = (text: 'quote' | 'passage'): RankedAnswer[] =>
    search.answers.map((a) => ({ abstained: a.abstained, results: a.results.map((r) => ({ source: r.source, text: r[text] })) }));
  const queryMs: CorpusFigures['queryMs'] = { search: search.latency };
  const quality: CorpusFigures['quality'] = { quote: scoreAnswers(items, asRanked('quote')), passage: scoreAnswers(items, asRanked('passage')) };
  // Each retriever alone, when the searcher exposes them (never abstains: it only ranks).
  if (typeof searcher.retrieve === 'function') {
    const lookup = passageLookup(indexDir);
    for (const mode of ['dense', 'lexical', 'hybrid'] as const) {
      const r = await timeQuestions(items, rounds, (q) => searcher.retrieve(q, mode, 10));
      queryMs[mode] = r.latency;
      quality[mode] = scoreAnswers(
        items,
        r.answers.map((ids) => ({ abstained: false, results: ids.map(lookup) })),
      );
    }
  }
  return { queryMs, quality };
}

/** Ours ÷ peer for costs, ours − peer for quality. */
function compare(c: Omit<CorpusFigures, 'versusPeer'>): Record<string, number> {
  const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 2) : NaN);
  const p = c.peer;
  return {
    ingestSeconds: ratio(c.ingest.seconds, p.ingestSeconds),
    queryP50: ratio(c.queryMs.search.p50, p.queryMs.p50),
    queryP95: ratio(c.queryMs.search.p95, p.queryMs.p95),
    indexDisk: ratio(c.ingest.indexDiskMb, p.indexDiskMb),
    ingestPeakRss: ratio(c.ingest.peakRssMb, p.peakRssMb),
    hit1Delta: round(c.quality.quote.hit1 - p.quality.hit1, 3),
    hit5Delta: round(c.quality.quote.hit5 - p.quality.hit5, 3),
    mrr10Delta: round(c.quality.quote.mrr10 - p.quality.mrr10, 3),
  };
}

async function benchCorpus(name: string, corpusDirs: string[], indexDir: string, items: EvalItem[], evalFile: string, quick: boolean, log: (m: string) => void): Promise<CorpusFigures> {
  const overrides: ConfigOverrides = { corpusDirs, indexDir };
  log(`[${name}] ingest…`);
  const ing = await runChild<{ summary: IngestSummary; wallSeconds: number; phaseSeconds: Record<string, number>; indexBytes: number }>('ingest', overrides, log);
  const s = ing.figures.summary;
  const ingest: IngestFigures = {
    files: s.files,
    passages: s.passages,
    seconds: ing.figures.wallSeconds,
    passagesPerSecond: round(s.passages / ing.figures.wallSeconds, 1),
    phaseSeconds: ing.figures.phaseSeconds,
    indexDiskMb: round(ing.figures.indexBytes / MB, 3),
    peakRssMb: ing.maxRssMb,
    model: s.model,
  };

  log(`[${name}] queries and quality…`);
  const config = loadConfig(overrides);
  const searcher = await openSearcher(config);
  const info = searcher.info();
  const { queryMs, quality } = await measureQueries(searcher, indexDir, items, quick ? ROUNDS.quick : ROUNDS.full);

  log(`[${name}] cold start…`);
  // Then 50 answers in the same process: the serving memory and latency of a small server (issue 12).
  const served = Array.from({ length: quick ? 10 : 50 }, (_, i) => items[i % items.length]!.q);
  const cold = await runChild<Omit<CorpusFigures['coldStart'], 'wallMs' | 'peakRssMb'>>('cold', { overrides, question: items[0]!.q, questions: served }, log);
  const coldStart = { ...cold.figures, wallMs: cold.wallMs, peakRssMb: cold.maxRssMb };

  log(`[${name}] peer (LangChain.js)…`);
  const peer = await runChild<PeerFigures>('peer', { corpusDirs, evalFile, k: 10, modelId: ingest.model, rounds: quick ? ROUNDS.quick : ROUNDS.full }, log);
  const figures = { name, corpusDirs, model: { id: info.model, dim: info.dim }, ingest, queryMs, quality, coldStart, peer: { ...peer.figures, peakRssMb: peer.maxRssMb } };
  return { ...figures, versusPeer: compare(figures) };
}

/**
 * Embedding cost per passage at several batch sizes, on real passages (as ingest embeds them)
 * sampled evenly across the corpus: one model load, batches fed by hand.
 */
async function batchSweep(config: Config, samples: number): Promise<BenchFigures['embedBatchSweep']> {
  const texts: string[] = [];
  for (const file of listCorpusFiles(config.corpusDirs).files) {
    const report = await readReport(file);
    if ('reason' in report) continue;
    const cleaned = cleanReport(report.text);
    for (const c of chunkReport(cleaned)) texts.push(embeddingText(titleOf(report.source), c.sectionPath, cleaned.text.slice(c.start, c.end)));
  }
  const step = Math.max(1, Math.floor(texts.length / samples));
  const sample = texts.filter((_, i) => i % step === 0).slice(0, samples);
  const embedder = await loadEmbedder({ ...config.model, batchSize: Math.max(...SWEEP_BATCHES) }, () => {});
  await embedder.embedPassages(sample.slice(0, 8)); // warm-up
  const out: BenchFigures['embedBatchSweep'] = [];
  for (const bs of SWEEP_BATCHES) {
    const t0 = performance.now();
    for (let i = 0; i < sample.length; i += bs) await embedder.embedPassages(sample.slice(i, i + bs));
    out.push({ batchSize: bs, passages: sample.length, msPerPassage: round((performance.now() - t0) / sample.length, 2) });
  }
  return out;
}

export async function runBench(flags: BenchFlags): Promise<BenchFigures> {
  const log = flags.log ?? (() => {});
  const quick = !!flags.quick;
  const paths = benchPaths({ corpus: flags.corpus, eval: flags.eval });
  const items = loadEval(paths.evalFile);
  const sets: { name: string; dirs: string[] }[] = [{ name: 'seeds', dirs: paths.seedDirs }];
  if (!quick && !flags.noLarge && paths.largeDir) sets.push({ name: 'seeds+large', dirs: [...paths.seedDirs, paths.largeDir] });

  // Each corpus set gets its own index folder: under --index DIR, or a temporary one.
  const tmpRoot = flags.index ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'bench-index-'));
  const root = flags.index ? path.resolve(flags.index) : tmpRoot!;
  try {
    const corpora: CorpusFigures[] = [];
    for (const set of sets) corpora.push(await benchCorpus(set.name, set.dirs, path.join(root, set.name), items, paths.evalFile, quick, log));

    log('embedding batch-size sweep…');
    const sweepConfig = loadConfig({ corpusDirs: sets[sets.length - 1]!.dirs, indexDir: path.join(root, sets[0]!.name) });
    const embedBatchSweep = await batchSweep(sweepConfig, quick ? SWEEP_PASSAGES.quick : SWEEP_PASSAGES.full);

    let scale: ScaleFigures | undefined;
    if (!flags.noScale) {
      log('scale (HNSW alone, synthetic vectors)…');
      scale = (await runChild<ScaleFigures>('scale', scaleOptionsFromFlags({ quick, 'scale-1m': flags.scale1m }), log)).figures;
    }

    log('show page (a 4-page PDF, quote marked)…');
    const shown = await runChild<ShowPageFigures>('showpage', {}, log);
    const showPage = { ...shown.figures, peakRssMb: shown.maxRssMb };

    const { log: _log, ...flagValues } = flags;
    return { flags: flagValues, model: corpora[0]!.model, corpora, embedBatchSweep, scale, showPage };
  } finally {
    if (tmpRoot) fs.rmSync(tmpRoot, { recursive: true, force: true });
  }
}
