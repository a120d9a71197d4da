/**
 * The IndexReader (reader.ts) of the index ingest builds: the live generation folder under INDEX_DIR,
 * its HNSW graph, BM25 file, passage store, vectors and term statistics, checked against its manifest
 * and held in memory (the vectors stay on disk, read a few rows at a time). Everything answers at once;
 * the Promises are there for readers that go over a network.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EMPTY_BRIDGE, type EnglishBridge } from '../language/english.js';
import { DenseIndex, exactSearch } from './hnsw.js';
import { DocumentFrequencies, LexicalIndex } from './lexical.js';
import { HeldGeneration } from './held-generation.js';
import type { Hit, IndexInfo, IndexReader, PassageRecord, ReportInfo, ReportText, TermStatistics } from './reader.js';
import { FILES, IndexError, type Manifest, type PassageStore, readJson, readLive, VectorFile, verifyGeneration, verifyPassageStore } from './store.js';

export interface LocalIndexOptions {
  /** HNSW_EF_SEARCH: candidates the graph walk keeps (more is slower and finds more). */
  efSearch: number;
  /**
   * Called with the index's info once its manifest is read, before any large file is: refusing an index
   * built with another model there costs nothing (the searcher checks its embedding model).
   */
  check?: (info: IndexInfo) => void | Promise<void>;
}

class LocalIndexReader implements IndexReader {
  readonly info: IndexInfo;
  private readonly held: HeldGeneration;
  private readonly reportList: ReportInfo[];

  constructor(
    manifest: Manifest,
    store: PassageStore,
    private readonly dense: DenseIndex,
    private readonly lexical: LexicalIndex,
    private readonly df: DocumentFrequencies,
    private readonly bridge: EnglishBridge,
    /** The passage vectors on disk (for exact search among the passages of a few reports). */
    private readonly vectorFile: VectorFile,
  ) {
    this.held = new HeldGeneration(manifest, store);
    this.info = this.held.info;
    this.reportList = this.held.reports;
  }

  async reports(): Promise<ReportInfo[]> {
    return this.reportList;
  }

  async reportText(report: number): Promise<ReportText> {
    return this.held.reportText(report);
  }

  async passages(ids: readonly number[]): Promise<PassageRecord[]> {
    return this.held.passages(ids);
  }

  async vectors(ids: readonly number[]): Promise<Float32Array[]> {
    return ids.map((id) => this.vectorFile.rows(id, 1));
  }

  /**
   * Within a few reports dense search is an exact scan of their vectors: HNSW with a filter that keeps
   * 0.1 % of the points has to walk most of the graph.
   */
  async denseSearch(vector: Float32Array, k: number, within?: readonly number[]): Promise<Hit[]> {
    const hits = within
      ? exactSearch(
          within.map((d) => this.reportList[d]!).map((r) => ({ first: r.firstPassage, vectors: this.vectorFile.rows(r.firstPassage, r.passages) })),
          this.dense.dim,
          vector,
          k,
        )
      : this.dense.search(vector, k);
    return hits.map((h) => ({ id: h.id, score: h.similarity }));
  }

  async lexicalSearch(terms: ReadonlyMap<string, number>, k: number, within?: readonly number[]): Promise<Hit[]> {
    const reports = within && new Set(within);
    return this.lexical.search(terms, k, reports && ((id: number) => reports.has(this.held.reportOf(id))));
  }

  async termStatistics(): Promise<TermStatistics> {
    return this.df;
  }

  async englishBridge(): Promise<EnglishBridge> {
    return this.bridge;
  }

  close(): void {
    this.vectorFile.close();
  }
}

/**
 * Opens the live generation in indexDir. Throws IndexError with a one-line reason (and what to run)
 * when it cannot: missing, damaged, or parts out of step with each other (or what `check` refuses).
 */
export async function openLocalIndex(indexDir: string, options: LocalIndexOptions): Promise<IndexReader> {
  const live = readLive(indexDir);
  if (!live) throw new IndexError(`no index at ${indexDir}; run \`npm run ingest\` first`);
  const { dir, manifest } = live;
  await options.check?.({ generation: manifest.generation, builtAt: manifest.builtAt, model: { id: manifest.model.id, dim: manifest.model.dim }, passageCount: manifest.passageCount });
  verifyGeneration(dir, manifest);
  const outOfStep = (what: string) => new IndexError(`the index is damaged (${what} does not match the manifest); run \`npm run ingest\` to rebuild it`);
  const store = readJson<PassageStore>(path.join(dir, FILES.passages));
  verifyPassageStore(manifest, store);
  const dense = DenseIndex.load(path.join(dir, FILES.hnsw), manifest.model.dim, manifest.passageCount, options.efSearch);
  let lexical: LexicalIndex;
  try {
    lexical = LexicalIndex.fromBuffer(readIndexFile(path.join(dir, FILES.lexical)));
  } catch (err) {
    throw err instanceof IndexError ? err : new IndexError(`the lexical index is corrupt (${(err as Error).message}); run \`npm run ingest\` to rebuild it`);
  }
  if (lexical.size !== manifest.passageCount) throw outOfStep('the lexical index');
  const terms = readJson<{ df: { total: number; df: Record<string, number> }; bridge: EnglishBridge }>(path.join(dir, FILES.terms));
  if (terms?.df?.total !== manifest.passageCount) throw outOfStep('the term statistics');
  const vectors = VectorFile.open(dir, manifest.passageCount, manifest.model.dim);
  let df: DocumentFrequencies;
  try {
    df = DocumentFrequencies.fromJSON(terms.df, lexical);
  } catch {
    throw outOfStep('the term statistics');
  }
  return new LocalIndexReader(manifest, store, dense, lexical, df, terms.bridge ?? EMPTY_BRIDGE, vectors);
}

function readIndexFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new IndexError(`index file ${path.basename(file)} is missing (${(err as Error).message}); run \`npm run ingest\` to rebuild it`);
  }
}
