/**
 * The peer: what most developers would build for "answer questions from these reports" with
 * LangChain.js, used as the yardstick for our own figures.
 *
 *   RecursiveCharacterTextSplitter({ chunkSize: 1000, chunkOverlap: 200 })
 *   → HNSWLib.fromDocuments(chunks, embeddings)        (@langchain/community, hnswlib-node)
 *   → store.similaritySearch(question, k)
 *
 * Everything is left at LangChain's defaults (separators, HNSW M=16 / efConstruction=200, and
 * no setEf, so hnswlib searches with ef = max(10, k)), because defaults are what the typical
 * setup runs. Only the embedding model is pinned to ours (./xenova-embeddings.ts) so the
 * comparison isolates chunking, indexing and ranking. The peer never abstains.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { folderBytes } from './output.js';
import { loadEval, scoreAnswers, timeQuestions, type QualityFigures, type RankedAnswer } from './quality.js';
import { MB, RssPeak, round, type LatencySummary } from './stats.js';
import { formatTable } from './table.js';
import { XenovaEmbeddings } from './xenova-embeddings.js';

export interface PeerOptions {
  corpusDirs: string[];
  evalFile: string;
  /** Results per question (quality uses the top 10 at most). */
  k?: number;
  /** Same model as our index (a folder under models/); default the bundled stand-in. */
  modelId?: string;
  /** Passes over the eval questions for latency percentiles (after one warm-up pass). */
  rounds?: number;
  batchSize?: number;
  log?: (msg: string) => void;
}

export interface PeerFigures {
  system: 'langchain-hnswlib';
  modelId: string;
  files: number;
  chars: number;
  chunks: number;
  /** Read + split + embed + index build, seconds. */
  ingestSeconds: number;
  embedSeconds: number;
  chunksPerSecond: number;
  embedMsPerChunk: number;
  /** HNSWLib.save() folder: hnswlib.index + docstore.json + args.json. */
  indexDiskMb: number;
  rss: { ingestPeakMb: number; ingestDeltaMb: number; queryPeakMb: number };
  /** One question end to end: embed the question + HNSW search + docstore lookup. */
  queryMs: LatencySummary;
  quality: QualityFigures;
}

/** .md / .txt files under each folder, recursively, skipping the SOURCE.md provenance notes. */
export function listTextFiles(dirs: string[]): { dir: string; file: string }[] {
  const out: { dir: string; file: string }[] = [];
  const walk = (dir: string, abs: string) => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(abs, e.name);
      if (e.isDirectory()) walk(dir, p);
      else if (/\.(md|txt)$/i.test(e.name) && e.name.toUpperCase() !== 'SOURCE.MD') out.push({ dir, file: p });
    }
  };
  for (const d of dirs) walk(d, d);
  return out;
}

export async function runPeer(opts: PeerOptions): Promise<PeerFigures> {
  const log = opts.log ?? (() => {});
  const k = opts.k ?? 10;
  const embeddings = new XenovaEmbeddings({ modelId: opts.modelId, batchSize: opts.batchSize ?? 32 });

  // Ingest: what the typical script does, top to bottom.
  const ingestRss = new RssPeak();
  const t0 = performance.now();
  const files = listTextFiles(opts.corpusDirs);
  const texts = files.map((f) => fs.readFileSync(f.file, 'utf8'));
  const splitter = new RecursiveCharacterTextSplitter({ chunkSize: 1000, chunkOverlap: 200 });
  const docs = await splitter.createDocuments(
    texts,
    files.map((f) => ({ source: path.relative(f.dir, f.file) })),
  );
  log(`peer: ${files.length} files → ${docs.length} chunks; embedding…`);
  const store = await HNSWLib.fromDocuments(docs, embeddings);
  const ingestSeconds = (performance.now() - t0) / 1000;
  const ingestMem = ingestRss.stop();

  const saveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-peer-'));
  let indexDiskMb: number;
  try {
    await store.save(saveDir);
    indexDiskMb = round(folderBytes(saveDir) / MB, 3);
  } finally {
    fs.rmSync(saveDir, { recursive: true, force: true });
  }
  log(`peer: ingest ${round(ingestSeconds, 2)} s; querying…`);

  const items = loadEval(opts.evalFile);
  const queryRss = new RssPeak();
  const ask = async (q: string): Promise<RankedAnswer> => {
    // Capped by the chunk count: past it LangChain warns on every call (and returns all anyway).
    const found = await store.similaritySearch(q, Math.min(k, docs.length));
    return { abstained: false, results: found.map((d) => ({ source: String(d.metadata.source), text: d.pageContent })) };
  };
  const { answers, latency } = await timeQuestions(items, opts.rounds ?? 5, ask);
  const queryMem = queryRss.stop();
  const chars = texts.reduce((n, t) => n + t.length, 0);
  const embedMs = embeddings.passageStats.ms;

  return {
    system: 'langchain-hnswlib',
    modelId: embeddings.modelId,
    files: files.length,
    chars,
    chunks: docs.length,
    ingestSeconds: round(ingestSeconds, 2),
    embedSeconds: round(embedMs / 1000, 2),
    chunksPerSecond: round(docs.length / ingestSeconds, 1),
    embedMsPerChunk: round(embedMs / Math.max(1, docs.length), 2),
    indexDiskMb,
    rss: { ingestPeakMb: ingestMem.peakMb, ingestDeltaMb: ingestMem.deltaMb, queryPeakMb: queryMem.peakMb },
    queryMs: latency,
    quality: scoreAnswers(items, answers),
  };
}

/** Key-value view of one peer run, for the terminal. */
export function formatPeer(p: PeerFigures): string {
  const q = p.quality;
  return formatTable(
    ['figure', 'value'],
    [
      ['files / chunks', `${p.files} / ${p.chunks}`],
      ['ingest s (embed s)', `${p.ingestSeconds} (${p.embedSeconds})`],
      ['chunks/s, embed ms/chunk', `${p.chunksPerSecond}, ${p.embedMsPerChunk}`],
      ['index on disk MB', p.indexDiskMb],
      ['RSS peak ingest / query MB', `${p.rss.ingestPeakMb} / ${p.rss.queryPeakMb}`],
      ['query p50/p95/p99 ms', `${p.queryMs.p50} / ${p.queryMs.p95} / ${p.queryMs.p99}`],
      ['Hit@1/3/5', `${q.hit1} / ${q.hit3} / ${q.hit5}`],
      ['MRR@10', q.mrr10],
      ['abstained right (of unanswerable)', `${q.abstainCorrect} / ${q.unanswerable}`],
    ],
  );
}
