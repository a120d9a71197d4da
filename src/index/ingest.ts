/**
 * Ingest: corpus → cleaned reports → passages → vectors → index, written as a new generation.
 *
 * Nothing changed (same files by hash, same model, chunker and settings) → no work at all.
 * Something changed → passages are re-cut (cheap) and only passages whose text is new are embedded;
 * the others reuse their vectors from the previous generation (the cache key is model id + text hash).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { CHUNKER_VERSION, chunkReport } from '../corpus/chunk.js';
import { cleanReport } from '../corpus/clean.js';
import { readReportHeader } from '../corpus/report-header.js';
import { listCorpusFiles, type LoadedReport, readReport, type SkippedFile, sha256, titleOf } from '../corpus/load.js';
import { type Embedder, loadEmbedder } from '../embed/embedder.js';
import { buildEnglishBridge } from '../search/english.js';
import { DocumentFrequencies, LexicalIndex, type LexicalDoc } from '../search/lexical.js';
import { bigrams, indexTokens, normalize, words } from '../search/text.js';
import { DenseIndex } from './hnsw.js';
import {
  acquireLock,
  currentGeneration,
  FILES,
  FORMAT_VERSION,
  type Manifest,
  type ManifestFile,
  newGeneration,
  type PassageStore,
  fileSizes,
  publishGeneration,
  readJson,
  readLive,
  readVectors,
  removeUnpublished,
  type StoredPassage,
  verifyGeneration,
  writeFileAtomic,
} from './store.js';

export interface IngestSummary {
  files: number;
  passages: number;
  /** Passages embedded now / taken from the previous index. */
  embedded: number;
  reused: number;
  seconds: number;
  /** False when the index was already up to date. */
  changed: boolean;
  skipped: SkippedFile[];
  model: string;
  /** Why a full rebuild happened, if it did. */
  rebuildReason?: string;
}

export interface IngestProgress {
  phase: 'read' | 'embed' | 'index' | 'write';
  done: number;
  total: number;
}

export interface IngestOptions {
  onProgress?: (p: IngestProgress) => void;
  log?: (message: string) => void;
  /** An already loaded embedder (saves loading the model twice in one process). */
  embedder?: Embedder;
}

/** The text a passage is embedded as: report title and nearest heading give it context. */
export function embeddingText(title: string, section: string[], text: string): string {
  return normalize(`${title}\n${section[section.length - 1] ?? ''}\n${text}`);
}

function readCorpus(config: Config, log: (m: string) => void): { reports: LoadedReport[]; skipped: SkippedFile[] } {
  const { files, skipped } = listCorpusFiles(config.corpusDirs);
  const reports: LoadedReport[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const r = readReport(file);
    if ('reason' in r) {
      skipped.push(r);
      continue;
    }
    // Same text, whatever the bytes: a GBK and a UTF-8 copy of one report are duplicates too.
    const key = sha256(r.text.replace(/\r\n?/g, '\n').trim());
    const twin = seen.get(key);
    if (twin) {
      skipped.push({ file: r.source, reason: `duplicate of ${twin}` });
      continue;
    }
    seen.set(key, r.source);
    reports.push(r);
  }
  for (const s of skipped) log(`warning: skipped ${s.file}: ${s.reason}`);
  return { reports, skipped };
}

/** Why the index must be rebuilt from scratch for this configuration, or null if it can be reused. */
function incompatibility(previous: Manifest, config: Config, modelId: string, dim: number): string | null {
  if (previous.model.id !== modelId) return `the model changed (${previous.model.id} → ${modelId})`;
  if (previous.model.dim !== dim) return `the model dimension changed (${previous.model.dim} → ${dim})`;
  if (previous.model.passagePrefix !== config.model.passagePrefix && previous.model.id === config.model.id) return 'the passage prefix changed';
  return null;
}

function sameContent(previous: Manifest, config: Config, reports: LoadedReport[]): boolean {
  if (previous.chunkerVersion !== CHUNKER_VERSION) return false;
  // Written before file sizes were recorded: rewritten once (vectors reused), so that damage can be seen.
  if (!previous.fileBytes) return false;
  if (previous.hnsw.m !== config.hnsw.m || previous.hnsw.efConstruction !== config.hnsw.efConstruction) return false;
  if (!sameFolders(previous.corpusDirs, config.corpusDirs)) return false;
  if (previous.files.length !== reports.length) return false;
  const byKey = new Map(previous.files.map((f) => [`${f.corpusDir}\0${f.source}`, f.sha256]));
  return reports.every((r) => byKey.get(`${r.corpusDir}\0${r.source}`) === r.sha256);
}

/** True when two lists name the same corpus folders, in any order. */
function sameFolders(a: string[], b: string[]): boolean {
  const [sa, sb] = [[...a].sort(), [...b].sort()];
  return sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}

/** Vectors of the previous generation by cache key, when they can be reused. */
function previousVectors(indexDir: string, manifest: Manifest): Map<string, Float32Array> {
  const dir = currentGeneration(indexDir)!;
  const cache = new Map<string, Float32Array>();
  try {
    const store = readJson<PassageStore>(path.join(dir, FILES.passages));
    const dim = manifest.model.dim;
    const all = readVectors(dir, store.passages.length, dim);
    store.passages.forEach((p, i) => cache.set(p.hash, all.slice(i * dim, (i + 1) * dim)));
  } catch {
    // An unreadable previous index only means nothing is reused.
  }
  return cache;
}

/** Builds or updates the index. Atomic; holds a lock so two ingests cannot run at once. */
export async function ingest(config: Config, options: IngestOptions = {}): Promise<IngestSummary> {
  const log = options.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const progress = options.onProgress ?? (() => {});
  const started = performance.now();
  const release = acquireLock(config.indexDir);
  try {
    removeUnpublished(config.indexDir);
    const { reports, skipped } = readCorpus(config, log);
    progress({ phase: 'read', done: reports.length, total: reports.length });
    const embedder = options.embedder ?? (await loadEmbedder(config.model, log));

    let previous: Manifest | null = null;
    let rebuildReason: string | undefined;
    try {
      const live = readLive(config.indexDir);
      if (live) verifyGeneration(live.dir, live.manifest);
      previous = live?.manifest ?? null;
    } catch (err) {
      rebuildReason = `the previous index is unreadable (${(err as Error).message.replace(/; run `npm run ingest`.*$/, '')})`;
      log(`Rebuilding the whole index: ${rebuildReason}.`);
    }
    if (previous) {
      const why = incompatibility(previous, config, embedder.modelId, embedder.dim);
      if (why) {
        rebuildReason = why;
        log(`Rebuilding the whole index: ${why}.`);
        previous = null;
      } else if (sameContent(previous, config, reports)) {
        return { files: reports.length, passages: previous.passageCount, embedded: 0, reused: previous.passageCount, seconds: (performance.now() - started) / 1000, changed: false, skipped, model: embedder.modelId };
      }
    }

    // Passages.
    const store: PassageStore = { docs: [], passages: [] };
    const files: ManifestFile[] = [];
    const embedTexts: string[] = [];
    for (const report of reports) {
      const cleaned = cleanReport(report.text);
      const chunks = chunkReport(cleaned);
      const title = titleOf(report.source);
      const doc = store.docs.length;
      store.docs.push({ corpusDir: report.corpusDir, source: report.source, title, text: cleaned.text });
      files.push({
        corpusDir: report.corpusDir,
        source: report.source,
        sha256: report.sha256,
        bytes: report.bytes,
        mtimeMs: report.mtimeMs,
        encoding: report.encoding,
        title,
        header: readReportHeader(cleaned.text),
        firstPassage: store.passages.length,
        passages: chunks.length,
      });
      for (const c of chunks) {
        const text = embeddingText(title, c.sectionPath, cleaned.text.slice(c.start, c.end));
        embedTexts.push(text);
        store.passages.push({
          doc,
          start: c.start,
          end: c.end,
          srcStart: cleaned.toSource[c.start]!,
          srcEnd: cleaned.toSource[c.end]!,
          section: c.sectionPath,
          sentences: c.sentences.flatMap((s) => [s.start, s.end]),
          hash: sha256(`${embedder.modelId}\0${text}`),
        });
      }
    }
    const passages = store.passages;

    // Vectors: reuse what the previous generation has, embed the rest.
    const cache = previous ? previousVectors(config.indexDir, previous) : new Map<string, Float32Array>();
    const vectors: (Float32Array | undefined)[] = passages.map((p) => cache.get(p.hash));
    const missing = passages.map((_, i) => i).filter((i) => !vectors[i]);
    progress({ phase: 'embed', done: 0, total: missing.length });
    const fresh = await embedder.embedPassages(
      missing.map((i) => embedTexts[i]!),
      (done, total) => progress({ phase: 'embed', done, total }),
    );
    missing.forEach((i, j) => (vectors[i] = fresh[j]));

    // Dense and lexical indexes.
    progress({ phase: 'index', done: 0, total: passages.length });
    const dense = DenseIndex.build(vectors as Float32Array[], embedder.dim, config.hnsw);
    const lexicalDocs: LexicalDoc[] = passages.map((p, id) => {
      const doc = store.docs[p.doc]!;
      return { id, body: indexTokens(normalize(doc.text.slice(p.start, p.end))), head: indexTokens(normalize([doc.title, ...p.section].join(' '))) };
    });
    const lexical = LexicalIndex.build(lexicalDocs);
    const df = DocumentFrequencies.count(lexicalDocs);
    const vocabulary = new Set<string>();
    for (const d of lexicalDocs) for (const t of d.body) vocabulary.add(t);
    const names = new Set<string>();
    for (const doc of store.docs) for (const w of [...words(normalize(doc.title)), ...bigrams(normalize(doc.title))]) names.add(w);
    for (const doc of store.docs) for (const run of normalize(doc.title).match(/[\u4e00-\u9fff]{3}/g) ?? []) names.add(run);
    const bridge = await buildEnglishBridge(vocabulary, names);
    progress({ phase: 'index', done: passages.length, total: passages.length });

    // Write the new generation; publishing it is the last, atomic step.
    progress({ phase: 'write', done: 0, total: 1 });
    const { name, dir } = newGeneration(config.indexDir);
    const matrix = new Float32Array(passages.length * embedder.dim);
    vectors.forEach((v, i) => matrix.set(v!, i * embedder.dim));
    writeFileAtomic(path.join(dir, FILES.vectors), new Uint8Array(matrix.buffer));
    dense.save(path.join(dir, FILES.hnsw));
    writeFileAtomic(path.join(dir, FILES.passages), JSON.stringify(store));
    writeFileAtomic(path.join(dir, FILES.lexical), lexical.toBuffer());
    writeFileAtomic(path.join(dir, FILES.terms), JSON.stringify({ df: df.toJSON(), bridge }));
    const manifest: Manifest = {
      formatVersion: FORMAT_VERSION,
      generation: name,
      builtAt: new Date().toISOString(),
      chunkerVersion: CHUNKER_VERSION,
      model: {
        id: embedder.modelId,
        dim: embedder.dim,
        pooling: config.model.pooling,
        queryPrefix: config.model.queryPrefix,
        passagePrefix: config.model.passagePrefix,
        quantized: config.model.quantized,
      },
      hnsw: { m: config.hnsw.m, efConstruction: config.hnsw.efConstruction, space: 'cosine' },
      corpusDirs: config.corpusDirs,
      files,
      skipped,
      passageCount: passages.length,
      fileBytes: fileSizes(dir),
    };
    writeFileAtomic(path.join(dir, FILES.manifest), JSON.stringify(manifest, null, 1));
    publishGeneration(config.indexDir, name);
    progress({ phase: 'write', done: 1, total: 1 });
    return {
      files: reports.length,
      passages: passages.length,
      embedded: missing.length,
      reused: passages.length - missing.length,
      seconds: (performance.now() - started) / 1000,
      changed: true,
      skipped,
      model: embedder.modelId,
      rebuildReason,
    };
  } finally {
    release();
  }
}

export type IndexStatus = { status: 'ok' | 'missing' | 'stale' | 'incompatible' | 'corrupt'; reason: string };

const REBUILD = 'run `npm run ingest` to rebuild it';

/**
 * Whether the index matches the corpus, without loading the model: 'stale' when reports were added,
 * changed or removed; 'incompatible' when it was built by another chunker or a model that is neither
 * the configured one nor its fallback; 'corrupt' when its files are unreadable, missing or cut short.
 * Every reason but 'ok' says what to run.
 */
export async function indexStatus(config: Config): Promise<IndexStatus> {
  let live: ReturnType<typeof readLive>;
  try {
    live = readLive(config.indexDir);
  } catch (err) {
    return { status: 'corrupt', reason: (err as Error).message };
  }
  if (!live) return { status: 'missing', reason: `no index at ${config.indexDir}; run \`npm run ingest\`` };
  const { manifest } = live;
  if (manifest.chunkerVersion !== CHUNKER_VERSION) {
    return { status: 'incompatible', reason: `the index was built by another version of the chunker (${manifest.chunkerVersion}, this one is ${CHUNKER_VERSION}); ${REBUILD}` };
  }
  if (manifest.model.id !== config.model.id && manifest.model.id !== config.model.fallbackId) {
    return { status: 'incompatible', reason: `the index was built with model ${manifest.model.id}, the configured model is ${config.model.id}; ${REBUILD}` };
  }
  try {
    verifyGeneration(live.dir, manifest);
  } catch (err) {
    return { status: 'corrupt', reason: (err as Error).message };
  }
  if (!manifest.fileBytes) return { status: 'stale', reason: 'the index was written by an older version, without file sizes; run `npm run ingest` to update it' };
  if (!sameFolders(manifest.corpusDirs, config.corpusDirs)) {
    return { status: 'stale', reason: 'the index was built from other corpus folders' };
  }
  const { files } = listCorpusFiles(config.corpusDirs);
  const known = new Map(manifest.files.map((f) => [`${f.corpusDir}\0${f.source}`, f]));
  const skippedNames = new Set(manifest.skipped.map((s) => s.file));
  let seen = 0;
  for (const file of files) {
    const entry = known.get(`${file.corpusDir}\0${file.source}`);
    if (!entry) {
      if (skippedNames.has(file.source)) continue;
      return { status: 'stale', reason: `${file.source} is new` };
    }
    seen++;
    if (entry.bytes !== file.bytes) return { status: 'stale', reason: `${file.source} changed` };
    if (entry.mtimeMs !== file.mtimeMs && sha256(fs.readFileSync(file.absPath)) !== entry.sha256) return { status: 'stale', reason: `${file.source} changed` };
  }
  if (seen !== manifest.files.length) return { status: 'stale', reason: 'reports were removed' };
  return { status: 'ok', reason: 'up to date' };
}

