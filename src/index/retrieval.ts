/**
 * What the searcher asks of an index, whatever holds it: dense top-k, lexical (BM25) top-k over the
 * jieba + bigram terms, each optionally within some reports, and passage vectors by id. The embedded
 * index (HNSW + the typed-array BM25 + the vector file) is one implementation, OpenSearch
 * (src/index/opensearch/retrieval.ts) another. Passage ids are positions in the generation's passage store.
 */
import { DenseIndex, exactSearch } from './hnsw.js';
import type { Manifest } from './store.js';
import { VectorFile } from './store.js';
import type { LexicalIndex } from '../search/lexical.js';

export interface ScoredId {
  id: number;
  score: number;
}

export interface PassageRetrieval {
  /** Nearest passages to a normalized query vector, best first; within `docs` (report indexes) an exact scan. */
  dense(vector: Float32Array, k: number, docs?: ReadonlySet<number>): Promise<ScoredId[]>;
  /** BM25 top passages for weighted terms (a weight multiplies its term's contribution), best first, ties by id. */
  lexical(terms: Map<string, number>, k: number, docs?: ReadonlySet<number>): Promise<ScoredId[]>;
  /** The stored vectors of some passages. */
  vectors(ids: number[]): Promise<Map<number, Float32Array>>;
}

/** The embedded index: everything in this process. */
export class EmbeddedRetrieval implements PassageRetrieval {
  constructor(
    private readonly manifest: Manifest,
    /** Report index of each passage. */
    private readonly docOf: (id: number) => number,
    private readonly hnsw: DenseIndex,
    private readonly bm25: LexicalIndex,
    private readonly file: VectorFile,
  ) {}

  async dense(vector: Float32Array, k: number, docs?: ReadonlySet<number>): Promise<ScoredId[]> {
    const scored = (hits: { id: number; similarity: number }[]) => hits.map((h) => ({ id: h.id, score: h.similarity }));
    if (!docs) return scored(this.hnsw.search(vector, k));
    // Within a few reports: HNSW with a filter that keeps 0.1 % of the points has to walk most of the graph.
    const blocks = [...docs].map((d) => this.manifest.files[d]!).map((f) => ({ first: f.firstPassage, vectors: this.file.rows(f.firstPassage, f.passages) }));
    return scored(exactSearch(blocks, this.hnsw.dim, vector, k));
  }

  async lexical(terms: Map<string, number>, k: number, docs?: ReadonlySet<number>): Promise<ScoredId[]> {
    return this.bm25.search(terms, k, docs && ((id) => docs.has(this.docOf(id))));
  }

  async vectors(ids: number[]): Promise<Map<number, Float32Array>> {
    return new Map(ids.map((id) => [id, this.file.rows(id, 1)]));
  }
}
