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
import { type CleanedReport, cleanReport } from '../corpus/clean.js';
import { printable } from '../corpus/display.js';
import { listCorpusFiles, type LoadedReport, readReport, type SkippedFile, sha256, skippedAs, titleOf } from '../corpus/load.js';
import { readReportHeader } from '../corpus/report-header.js';
import { SAME_REPORT_SIMILARITY, similarity, sketchText, type TextSketch } from '../corpus/same-report.js';
import { type Embedder, loadEmbedder } from '../embed/embedder.js';
import { buildEnglishBridge } from '../language/english.js';
import { LexicalBuilder } from './lexical.js';
import { bigrams, indexTokens, normalize, words } from '../language/text.js';
import { DenseIndex } from './hnsw.js';
import {
  acquireLock,
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
  removeUnpublished,
  type StoredPassage,
  VectorFile,
  verifyGeneration,
  verifyPassageStore,
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
  /** The caller holds the index lock (reports.ts changes the corpus folder under it, then ingests). */
  lockHeld?: boolean;
}

/** The text a passage is embedded as: report title and nearest heading give it context. */
export function embeddingText(title: string, section: string[], text: string): string {
  return normalize(`${title}\n${section[section.length - 1] ?? ''}\n${text}`);
}

/** A report read and cleaned. */
type CleanReport = LoadedReport & { cleaned: CleanedReport };

/** Reads every report of the corpus folders to text; what cannot be read is skipped, with the reason. */
async function readCorpus(config: Config): Promise<{ reports: LoadedReport[]; skipped: SkippedFile[] }> {
  const { files, skipped } = listCorpusFiles(config.corpusDirs);
  const reports: LoadedReport[] = [];
  for (const file of files) {
    const r = await readReport(file);
    if ('reason' in r) skipped.push(r);
    else reports.push(r);
  }
  return { reports, skipped };
}

/**
 * Cleans every report. The same report twice is indexed once: the same text by its letters and digits
 * (same-report.ts), whatever the bytes, encoding, format or folder (a GBK and a UTF-8 copy, the PDF and
 * the text of one report, one report in two folders of the corpus). The older file is kept (on a tie,
 * the first in folder order), so a copy added later is the one skipped, named with the one kept.
 */
function cleanCorpus(loaded: LoadedReport[], skipped: SkippedFile[]): CleanReport[] {
  const read: { report: CleanReport; sketch: TextSketch; order: number }[] = [];
  for (const r of loaded) {
    const cleaned = cleanReport(r.text);
    if (!/\S/.test(cleaned.text)) {
      skipped.push(skippedAs(r, 'no text (only page numbers or markup)', 'no-text'));
      continue;
    }
    read.push({ report: { ...r, cleaned }, sketch: sketchText(cleaned.text), order: read.length });
  }
  const kept: typeof read = [];
  const duplicateOf = new Map<CleanReport, CleanReport>();
  for (const r of [...read].sort((x, y) => x.report.mtimeMs - y.report.mtimeMs || x.order - y.order)) {
    const twin = kept.find((k) => similarity(k.sketch, r.sketch) >= SAME_REPORT_SIMILARITY);
    if (twin) duplicateOf.set(r.report, twin.report);
    else kept.push(r);
  }
  const reports: CleanReport[] = [];
  for (const { report } of read) {
    const twin = duplicateOf.get(report);
    if (!twin) reports.push(report);
    else skipped.push(skippedAs(report, `duplicate of ${twin.corpusDir === report.corpusDir ? twin.source : path.join(path.basename(twin.corpusDir), twin.source)}`, 'duplicate', twin.source));
  }
  return reports;
}

/** Why the index must be rebuilt from scratch for this configuration, or null if it can be reused. */
function incompatibility(previous: Manifest, config: Config, modelId: string, dim: number): string | null {
  if (previous.model.id !== modelId) return `the model changed (${previous.model.id} → ${modelId})`;
  if (previous.model.dim !== dim) return `the model dimension changed (${previous.model.dim} → ${dim})`;
  if (previous.model.passagePrefix !== config.model.passagePrefix && previous.model.id === config.model.id) return 'the passage prefix changed';
  return null;
}

function sameContent(previous: Manifest, config: Config, reports: LoadedReport[], skipped: SkippedFile[]): boolean {
  if (previous.chunkerVersion !== CHUNKER_VERSION) return false;
  // Written before file sizes were recorded: rewritten once (vectors reused), so that damage can be seen.
  if (!previous.fileBytes) return false;
  if (previous.hnsw.m !== config.hnsw.m || previous.hnsw.efConstruction !== config.hnsw.efConstruction) return false;
  if (!sameFolders(previous.corpusDirs, config.corpusDirs)) return false;
  if (previous.files.length !== reports.length) return false;
  const byKey = new Map(previous.files.map((f) => [`${f.corpusDir}\0${f.source}`, f.sha256]));
  if (!reports.every((r) => byKey.get(`${r.corpusDir}\0${r.source}`) === r.sha256)) return false;
  // The same files left out, as they were: otherwise the manifest is rewritten so that status can tell.
  return sameSkipped(previous.skipped, skipped);
}

function sameSkipped(a: SkippedFile[], b: SkippedFile[]): boolean {
  const key = (s: SkippedFile) => JSON.stringify([s.corpusDir, s.file, s.bytes, s.mtimeMs, s.reason]);
  const [ka, kb] = [a.map(key).sort(), b.map(key).sort()];
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** True when two lists name the same corpus folders, in any order. */
function sameFolders(a: string[], b: string[]): boolean {
  const [sa, sb] = [[...a].sort(), [...b].sort()];
  return sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}

/** Vectors of the previous generation by cache key, when they can be reused. */
function previousVectors(dir: string, manifest: Manifest, store: PassageStore): Map<string, Float32Array> {
  const cache = new Map<string, Float32Array>();
  try {
    const dim = manifest.model.dim;
    const file = VectorFile.open(dir, store.passages.length, dim);
    const all = file.rows(0, store.passages.length);
    file.close();
    store.passages.forEach((p, i) => cache.set(p.hash, all.subarray(i * dim, (i + 1) * dim)));
  } catch {
    // An unreadable previous index only means nothing is reused.
  }
  return cache;
}

/**
 * The lexical index, document frequencies and body vocabulary of the passages, built one passage at a
 * time. A function of its own so that the builder's working lists are freed before the files are written.
 */
function buildLexical(store: PassageStore) {
  const builder = new LexicalBuilder();
  for (const p of store.passages) {
    const doc = store.docs[p.doc]!;
    builder.add({ body: indexTokens(normalize(doc.text.slice(p.start, p.end))), head: indexTokens(normalize([doc.title, ...p.section].join(' '))) });
  }
  return { lexical: builder.build(), df: builder.documentFrequencies(), vocabulary: builder.bodyVocabulary() };
}

/**
 * Builds or updates the index. Atomic; holds a lock so two ingests cannot run at once. With
 * INDEX_BACKEND=opensearch the embedded index is then published to the cluster (opensearch/publish.ts),
 * under the same lock.
 */
export async function ingest(config: Config, options: IngestOptions = {}): Promise<IngestSummary> {
  if (config.backend.kind !== 'opensearch') return ingestEmbedded(config, options);
  const release = options.lockHeld ? () => {} : acquireLock(config.indexDir);
  try {
    const summary = await ingestEmbedded(config, { ...options, lockHeld: true });
    const { publishToOpenSearch } = await import('./opensearch/publish.js');
    const progress = options.onProgress ?? (() => {});
    const log = options.log ?? ((m: string) => process.stderr.write(m + '\n'));
    const published = await publishToOpenSearch(config, { log, onProgress: (done, total) => progress({ phase: 'write', done, total }) });
    // A bot on this machine follows CURRENT (search/live.ts), which moved before the alias did: rewritten
    // as it is, it makes that bot look again now that the alias names the new generation.
    const pointer = path.join(config.indexDir, 'CURRENT');
    if (published.published) writeFileAtomic(pointer, fs.readFileSync(pointer));
    return { ...summary, changed: summary.changed || published.published, seconds: summary.seconds + published.seconds };
  } finally {
    release();
  }
}

/** Builds or updates the embedded index (INDEX_DIR). */
async function ingestEmbedded(config: Config, options: IngestOptions = {}): Promise<IngestSummary> {
  const log = options.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const progress = options.onProgress ?? (() => {});
  const started = performance.now();
  const release = options.lockHeld ? () => {} : acquireLock(config.indexDir);
  try {
    removeUnpublished(config.indexDir);
    const { reports: loaded, skipped } = await readCorpus(config);
    progress({ phase: 'read', done: loaded.length, total: loaded.length });
    const embedder = options.embedder ?? (await loadEmbedder(config.model, log));

    let previous: Manifest | null = null;
    let previousDir = '';
    let previousStore: PassageStore = { docs: [], passages: [] };
    let rebuildReason: string | undefined;
    try {
      const live = readLive(config.indexDir);
      if (live) {
        // Checked as deeply as a searcher opening it checks it: what would not open is rebuilt, never "up to date".
        verifyGeneration(live.dir, live.manifest);
        previousStore = readJson<PassageStore>(path.join(live.dir, FILES.passages));
        verifyPassageStore(live.manifest, previousStore);
        previousDir = live.dir;
      }
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
      }
    }
    const warnSkipped = () => {
      for (const s of skipped) log(`warning: skipped ${printable(s.file)}: ${printable(s.reason)}`);
    };
    const unchanged = (index: Manifest, files: number): IngestSummary => {
      warnSkipped();
      return { files, passages: index.passageCount, embedded: 0, reused: index.passageCount, seconds: (performance.now() - started) / 1000, changed: false, skipped, model: embedder.modelId };
    };
    // Every file as the index has it: nothing to do, not even cleaning (duplicates, if any, are found below).
    if (previous && sameContent(previous, config, loaded, skipped)) return unchanged(previous, loaded.length);
    const reports = cleanCorpus(loaded, skipped);
    if (previous && sameContent(previous, config, reports, skipped)) return unchanged(previous, reports.length);
    warnSkipped();

    // Passages.
    const store: PassageStore = { docs: [], passages: [] };
    const files: ManifestFile[] = [];
    const embedTexts: string[] = [];
    for (const report of reports) {
      const { cleaned } = report;
      const chunks = chunkReport(cleaned);
      const title = titleOf(report.source);
      const doc = store.docs.length;
      store.docs.push({ corpusDir: report.corpusDir, source: report.source, title, text: cleaned.text, ...(cleaned.pageStarts.length ? { pageStarts: cleaned.pageStarts } : {}) });
      files.push({
        corpusDir: report.corpusDir,
        source: report.source,
        sha256: report.sha256,
        bytes: report.bytes,
        mtimeMs: report.mtimeMs,
        encoding: report.encoding,
        ...(report.pages ? { pages: report.pages } : {}),
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
    // The raw texts and the cleaner's offset maps are done with: let them go before embedding.
    const fileCount = reports.length;
    loaded.length = 0;
    reports.length = 0;

    // Vectors: reuse what the previous generation has, embed the rest.
    const cache = previous ? previousVectors(previousDir, previous, previousStore) : new Map<string, Float32Array>();
    const vectors: (Float32Array | undefined)[] = passages.map((p) => cache.get(p.hash));
    const missing = passages.map((_, i) => i).filter((i) => !vectors[i]);
    progress({ phase: 'embed', done: 0, total: missing.length });
    const fresh = await embedder.embedPassages(
      missing.map((i) => embedTexts[i]!),
      (done, total) => progress({ phase: 'embed', done, total }),
    );
    missing.forEach((i, j) => (vectors[i] = fresh[j]));
    // One matrix, written as the vector file; the dense index reads its rows in place.
    const matrix = new Float32Array(passages.length * embedder.dim);
    vectors.forEach((v, i) => {
      matrix.set(v!, i * embedder.dim);
      vectors[i] = matrix.subarray(i * embedder.dim, (i + 1) * embedder.dim);
    });
    fresh.length = 0;
    cache.clear();
    embedTexts.length = 0;
    previousStore = { docs: [], passages: [] };

    // Dense and lexical indexes.
    progress({ phase: 'index', done: 0, total: passages.length });
    const dense = DenseIndex.build(vectors as Float32Array[], embedder.dim, config.hnsw);
    const { lexical, df, vocabulary } = buildLexical(store);
    const names = new Set<string>();
    for (const doc of store.docs) for (const w of [...words(normalize(doc.title)), ...bigrams(normalize(doc.title))]) names.add(w);
    for (const doc of store.docs) for (const run of normalize(doc.title).match(/[\u4e00-\u9fff]{3}/g) ?? []) names.add(run);
    const bridge = await buildEnglishBridge(vocabulary, names);
    progress({ phase: 'index', done: passages.length, total: passages.length });

    // Write the new generation; publishing it is the last, atomic step.
    progress({ phase: 'write', done: 0, total: 1 });
    const { name, dir } = newGeneration(config.indexDir);
    writeFileAtomic(path.join(dir, FILES.vectors), new Uint8Array(matrix.buffer));
    dense.save(path.join(dir, FILES.hnsw));
    writeFileAtomic(path.join(dir, FILES.passages), JSON.stringify(store));
    writeFileAtomic(path.join(dir, FILES.lexical), lexical.toParts());
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
      files: fileCount,
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

function readable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return true;
  } catch {
    return false;
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
  const skippedFiles = new Map(manifest.skipped.map((s) => [`${s.corpusDir}\0${s.file}`, s]));
  let seen = 0;
  for (const file of files) {
    const entry = known.get(`${file.corpusDir}\0${file.source}`);
    if (!entry) {
      const skipped = skippedFiles.get(`${file.corpusDir}\0${file.source}`);
      if (!skipped) return { status: 'stale', reason: `${file.source} is new` };
      if (skipped.bytes !== file.bytes || skipped.mtimeMs !== file.mtimeMs) return { status: 'stale', reason: `${file.source} changed since it was skipped (${skipped.reason})` };
      if (skipped.unreadable && readable(file.absPath)) return { status: 'stale', reason: `${file.source} can be read now` };
      continue;
    }
    seen++;
    if (entry.bytes !== file.bytes) return { status: 'stale', reason: `${file.source} changed` };
    if (entry.mtimeMs !== file.mtimeMs && sha256(fs.readFileSync(file.absPath)) !== entry.sha256) return { status: 'stale', reason: `${file.source} changed` };
  }
  if (seen !== manifest.files.length) return { status: 'stale', reason: 'reports were removed' };
  return { status: 'ok', reason: 'up to date' };
}

