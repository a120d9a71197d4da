/**
 * Scale benchmark of the vector index alone (hnswlib-node, cosine space) on synthetic
 * normalized vectors: how build time, memory, recall and query latency grow with the
 * number of passages, and what M / efConstruction / ef to use at each size.
 *
 * 384 dimensions by default (the size of common multilingual sentence models such as
 * multilingual-e5-small), not the stand-in's 256: the figures should hold for the real model.
 * Both data kinds of ./vectors.ts are measured, since uniform data is HNSW's worst case and
 * clustered data is what real embeddings resemble.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import { forceGc, round, summarize, toMb, type LatencySummary } from './stats.js';
import { formatTable, type Cell } from './table.js';
import { exactTopK, makeDataset, recallAtK, rowArray, type DatasetKind, type VectorSet } from './vectors.js';

const { HierarchicalNSW } = hnswlib;

export interface ScaleOptions {
  sizes: number[];
  dim: number;
  /** Queries measured per (size, ef): recall and latency percentiles come from these. */
  queries: number;
  k: number;
  efs: number[];
  m: number;
  efConstruction: number;
  datasets: DatasetKind[];
  /** Extra builds at one size with other M values (null to skip). */
  mSweep: { size: number; ms: number[] } | null;
  /** Recall a recommended ef must reach. */
  targetRecall: number;
  /**
   * Largest size measured on uniform data: at 1M a uniform build takes as long again as the
   * clustered one (~half an hour on 2 cores) and only confirms the worst case seen at 100k.
   */
  uniformMaxSize: number;
  log?: (msg: string) => void;
}

export const DEFAULT_SCALE: ScaleOptions = {
  sizes: [10_000, 100_000],
  dim: 384,
  queries: 200,
  k: 10,
  efs: [10, 32, 64, 128, 256],
  m: 16,
  efConstruction: 200,
  datasets: ['clustered', 'uniform'],
  mSweep: { size: 100_000, ms: [8, 16, 32] },
  targetRecall: 0.95,
  uniformMaxSize: 100_000,
};

export interface EfPoint {
  ef: number;
  recall: number;
  latencyMs: LatencySummary;
}

export interface BuildFigures {
  dataset: DatasetKind;
  size: number;
  dim: number;
  m: number;
  efConstruction: number;
  buildSeconds: number;
  /** CPU time of the build: unlike wall time, not inflated when other work shares the cores. */
  buildCpuSeconds: number;
  insertsPerSecond: number;
  /** Resident memory the built index added (after a full GC on both sides). */
  rssDeltaMb: number;
  indexFileMb: number;
  /** Index file bytes per vector: the raw vector is dim × 4 bytes, the rest is the graph. */
  bytesPerVector: number;
  /** Mean cost of one exact (brute-force) query over the same vectors, for comparison. */
  bruteForceMsPerQuery: number;
  points: EfPoint[];
  /** Smallest measured ef whose recall@k reaches the target (null when none does). */
  recommendedEf: number | null;
}

export interface ScaleFigures {
  options: Omit<ScaleOptions, 'log'>;
  builds: BuildFigures[];
}

function buildIndex(base: VectorSet, m: number, efConstruction: number, log: (msg: string) => void) {
  const index = new HierarchicalNSW('cosine', base.dim);
  index.initIndex(base.count, m, efConstruction, 100);
  const step = Math.max(1, Math.floor(base.count / 10));
  for (let i = 0; i < base.count; i++) {
    index.addPoint(rowArray(base, i), i);
    if (base.count >= 100_000 && (i + 1) % step === 0) log(`  … ${i + 1}/${base.count} inserted`);
  }
  return index;
}

function indexFileBytes(index: InstanceType<typeof HierarchicalNSW>): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
  try {
    const file = path.join(dir, 'hnsw.bin');
    index.writeIndexSync(file);
    return fs.statSync(file).size;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function measureEf(index: InstanceType<typeof HierarchicalNSW>, queries: number[][], truth: Int32Array[], k: number, ef: number): EfPoint {
  index.setEf(ef);
  // Warm-up: first searches touch cold pages of the graph.
  for (let q = 0; q < Math.min(20, queries.length); q++) index.searchKnn(queries[q]!, k);
  const found: number[][] = [];
  const ms: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    const r = index.searchKnn(q, k);
    ms.push(performance.now() - t0);
    found.push(r.neighbors);
  }
  return { ef, recall: round(recallAtK(found, truth, k), 4), latencyMs: summarize(ms) };
}

/**
 * Full GC, then let native finalizers run: hnswlib-node frees an index's memory in a
 * finalizer scheduled after the collection, so without the extra turns the previous index
 * would be released in the middle of the next measurement (negative RSS deltas).
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    forceGc();
    await new Promise((r) => setImmediate(r));
  }
}

/** One build at (data, M) and its measurements at every ef. */
async function measureBuild(base: VectorSet, queries: number[][], truth: Int32Array[], bruteMs: number, m: number, opts: ScaleOptions): Promise<BuildFigures> {
  const log = opts.log ?? (() => {});
  await settle();
  const rss0 = process.memoryUsage.rss();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let index: InstanceType<typeof HierarchicalNSW> | null = buildIndex(base, m, opts.efConstruction, log);
  const buildSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await settle();
  const rssDelta = process.memoryUsage.rss() - rss0;
  const fileBytes = indexFileBytes(index);
  const points = opts.efs.map((ef) => measureEf(index!, queries, truth, opts.k, ef));
  index = null; // let the native index be finalized before the next build is measured
  await settle();
  const best = points.find((p) => p.recall >= opts.targetRecall);
  const fig: BuildFigures = {
    dataset: base.kind,
    size: base.count,
    dim: base.dim,
    m,
    efConstruction: opts.efConstruction,
    buildSeconds: round(buildSeconds, 2),
    buildCpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
    insertsPerSecond: Math.round(base.count / buildSeconds),
    rssDeltaMb: toMb(rssDelta),
    indexFileMb: toMb(fileBytes),
    bytesPerVector: Math.round(fileBytes / base.count),
    bruteForceMsPerQuery: round(bruteMs, 2),
    points,
    recommendedEf: best ? best.ef : null,
  };
  log(
    `  ${fig.dataset} n=${fig.size} M=${m}: build ${fig.buildSeconds}s (cpu ${fig.buildCpuSeconds}s), +${fig.rssDeltaMb} MB RSS, file ${fig.indexFileMb} MB; ` +
      points.map((p) => `ef${p.ef} r=${p.recall} p50=${p.latencyMs.p50}ms`).join(', '),
  );
  return fig;
}

export async function runScale(partial: Partial<ScaleOptions> = {}): Promise<ScaleFigures> {
  const opts: ScaleOptions = { ...DEFAULT_SCALE, ...partial };
  const log = opts.log ?? (() => {});
  const builds: BuildFigures[] = [];
  for (const kind of opts.datasets) {
    for (const size of opts.sizes) {
      if (kind === 'uniform' && size > opts.uniformMaxSize) continue;
      log(`scale: ${kind} ${size} × ${opts.dim}d: generating data and exact neighbours…`);
      let data: ReturnType<typeof makeDataset> | null = makeDataset(kind, size, opts.queries, opts.dim);
      const t0 = performance.now();
      const truth = exactTopK(data.base, data.queries, opts.k);
      const bruteMs = (performance.now() - t0) / opts.queries;
      const queries = Array.from({ length: opts.queries }, (_, i) => rowArray(data!.queries, i));
      const ms = opts.mSweep && opts.mSweep.size === size ? [...new Set([opts.m, ...opts.mSweep.ms])] : [opts.m];
      for (const m of ms) builds.push(await measureBuild(data.base, queries, truth, bruteMs, m, opts));
      data = null;
      await settle();
    }
  }
  const { log: _log, ...rest } = opts;
  return { options: rest, builds };
}

/** Main table: one row per (dataset, size, M), recall and p50/p95 per ef. */
export function formatScale(fig: ScaleFigures): string {
  const efs = fig.options.efs;
  const headers = ['data', 'n', 'M', 'build s', 'cpu s', 'ins/s', '+RSS MB', 'file MB', 'B/vec', 'exact ms', ...efs.map((ef) => `ef${ef} R@${fig.options.k}`), ...efs.map((ef) => `ef${ef} p50/p95 ms`), 'ef≥' + fig.options.targetRecall];
  const rows: Cell[][] = fig.builds.map((b) => [
    b.dataset,
    b.size,
    b.m,
    b.buildSeconds,
    b.buildCpuSeconds,
    b.insertsPerSecond,
    b.rssDeltaMb,
    b.indexFileMb,
    b.bytesPerVector,
    b.bruteForceMsPerQuery,
    ...b.points.map((p) => p.recall),
    ...b.points.map((p) => `${p.latencyMs.p50}/${p.latencyMs.p95}`),
    b.recommendedEf,
  ]);
  return formatTable(headers, rows);
}

/**
 * The scale options the command-line flags ask for, shared by scripts/bench-scale.ts and
 * `npm run bench`: --quick = one small size (seconds, for CI), --scale-1m adds a million.
 */
export function scaleOptionsFromFlags(flags: { quick?: boolean; 'scale-1m'?: boolean; 'no-m-sweep'?: boolean; sizes?: string }): Partial<ScaleOptions> {
  if (flags.quick) return { sizes: [2_000], queries: 50, mSweep: null };
  const sizes = flags.sizes ? flags.sizes.split(',').map((s) => Number(s.trim())) : [...DEFAULT_SCALE.sizes];
  if (sizes.some((n) => !Number.isInteger(n) || n < 100)) throw new Error(`--sizes must be whole numbers of at least 100, got "${flags.sizes}"`);
  if (flags['scale-1m'] && !sizes.includes(1_000_000)) sizes.push(1_000_000);
  return { sizes, mSweep: flags['no-m-sweep'] ? null : DEFAULT_SCALE.mSweep };
}
