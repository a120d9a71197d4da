/**
 * Dense retrieval: an hnswlib-node graph in cosine space. Labels are passage ids (0..n-1).
 * hnswlib-node searches with ef = 10 unless told otherwise, which loses recall: ef is always set,
 * and raised to the number of neighbours asked for.
 */
import hnswlib from 'hnswlib-node';
import { IndexError, readHnswHeader } from './store.js';

const { HierarchicalNSW } = hnswlib;
type Graph = InstanceType<typeof HierarchicalNSW>;

export interface DenseHit {
  id: number;
  /** Cosine similarity. */
  similarity: number;
}

export interface HnswParams {
  m: number;
  efConstruction: number;
  efSearch: number;
}

/** Fixed seed: the same vectors give the same graph. */
const RANDOM_SEED = 100;

export class DenseIndex {
  private constructor(
    private readonly graph: Graph,
    readonly dim: number,
    private efSearch: number,
  ) {}

  static build(vectors: Float32Array[], dim: number, params: HnswParams): DenseIndex {
    const graph = new HierarchicalNSW('cosine', dim);
    graph.initIndex({ maxElements: Math.max(1, vectors.length), m: params.m, efConstruction: params.efConstruction, randomSeed: RANDOM_SEED });
    vectors.forEach((v, id) => graph.addPoint(Array.from(v), id));
    return new DenseIndex(graph, dim, params.efSearch);
  }

  static load(file: string, dim: number, expectedCount: number, efSearch: number): DenseIndex {
    // hnswlib reads a graph of another dimension without a word and then searches garbage
    // (getNumDimensions() only echoes the constructor's): check the file's own header first.
    const header = readHnswHeader(file);
    if (header && (header.dim !== dim || header.count !== expectedCount)) {
      throw new IndexError(
        `HNSW graph does not match the passage store (${header.count} vectors of ${header.dim} dims, expected ${expectedCount} of ${dim}); run \`npm run ingest\` to rebuild the index`,
      );
    }
    const graph = new HierarchicalNSW('cosine', dim);
    try {
      graph.readIndexSync(file);
    } catch (err) {
      throw new IndexError(`HNSW graph is missing or corrupt (${(err as Error).message}); run \`npm run ingest\` to rebuild the index`);
    }
    if (graph.getNumDimensions() !== dim || graph.getCurrentCount() !== expectedCount) {
      throw new IndexError(
        `HNSW graph does not match the passage store (${graph.getCurrentCount()} vectors of ${graph.getNumDimensions()} dims, expected ${expectedCount} of ${dim}); run \`npm run ingest\` to rebuild the index`,
      );
    }
    return new DenseIndex(graph, dim, efSearch);
  }

  save(file: string): void {
    this.graph.writeIndexSync(file);
  }

  get size(): number {
    return this.graph.getCurrentCount();
  }

  search(query: Float32Array, k: number): DenseHit[] {
    const n = Math.min(k, this.size);
    if (n === 0) return [];
    this.graph.setEf(Math.max(this.efSearch, n));
    const { neighbors, distances } = this.graph.searchKnn(Array.from(query), n);
    return neighbors.map((id, i) => ({ id, similarity: 1 - distances[i]! }));
  }
}


/**
 * Exact cosine search among a few passages (vectors are normalized: a dot product). HNSW with a
 * filter that keeps 0.1 % of the points has to walk most of the graph to find k of them; for a
 * known, small set of passages this is both exact and far cheaper. `blocks`: runs of consecutive
 * passages (a report's), each with its vectors row by row.
 */
export function exactSearch(blocks: { first: number; vectors: Float32Array }[], dim: number, query: Float32Array, k: number): DenseHit[] {
  const hits: DenseHit[] = [];
  for (const { first, vectors } of blocks) {
    for (let row = 0, at = 0; at < vectors.length; row++) {
      let dot = 0;
      for (let i = 0; i < dim; i++, at++) dot += vectors[at]! * query[i]!;
      hits.push({ id: first + row, similarity: dot });
    }
  }
  return hits.sort((a, b) => b.similarity - a.similarity || a.id - b.id).slice(0, k);
}
