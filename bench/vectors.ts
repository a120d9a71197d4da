/**
 * Synthetic embedding sets for the scale benchmark, and exact nearest neighbours to
 * measure recall against. Everything is seeded so two runs measure the same data.
 *
 * Two kinds of data, because HNSW's cost depends on the data's structure far more than on
 * its size:
 * - `uniform`: points spread evenly on the 384-d unit sphere. All pairwise cosines are near 0,
 *   so no neighbour is much closer than any other: the worst case for any graph index.
 * - `clustered`: a gaussian mixture (1000 centres by default) whose within-cluster noise has a
 *   decaying spectrum (variance of direction i ∝ (i+1)^-decay). Real sentence embeddings look
 *   like this: topics form clusters, and most variance lies in a few dozen directions.
 */

export type DatasetKind = 'uniform' | 'clustered';

export interface VectorSet {
  kind: DatasetKind;
  /** Row-major, `count` rows of `dim` floats, each row of unit length. */
  data: Float32Array;
  count: number;
  dim: number;
}

export interface ClusterShape {
  centers: number;
  /** Length of the noise vector added to a unit centre, before renormalising. */
  spread: number;
  /** Power-law decay of the noise variance across directions (0 = isotropic). */
  decay: number;
}

export const DEFAULT_CLUSTERS: ClusterShape = { centers: 1000, spread: 0.6, decay: 1 };

/** mulberry32: tiny, fast, good enough for test data (Math.random cannot be seeded). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box–Muller, both outputs used). */
export function gaussian(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Scales row `i` of a row-major matrix to unit length in place. */
export function normalizeRow(data: Float32Array, i: number, dim: number): void {
  let s = 0;
  const o = i * dim;
  for (let j = 0; j < dim; j++) s += data[o + j]! * data[o + j]!;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let j = 0; j < dim; j++) data[o + j]! *= inv;
}

function uniformRows(count: number, dim: number, seed: number): Float32Array {
  const g = gaussian(rng(seed));
  const data = new Float32Array(count * dim);
  for (let i = 0; i < data.length; i++) data[i] = g();
  for (let i = 0; i < count; i++) normalizeRow(data, i, dim);
  return data;
}

/**
 * Mixture points: a random centre plus noise. The centres depend only on `centerSeed`, so a
 * query set drawn with another `seed` comes from the same clusters as the indexed set.
 */
function clusteredRows(count: number, dim: number, seed: number, centerSeed: number, shape: ClusterShape): Float32Array {
  const centres = uniformRows(shape.centers, dim, centerSeed);
  // Per-direction noise scale, normalised so the expected noise length is `spread`.
  const scale = new Float32Array(dim);
  let total = 0;
  for (let j = 0; j < dim; j++) total += (scale[j] = (j + 1) ** -shape.decay);
  for (let j = 0; j < dim; j++) scale[j] = shape.spread * Math.sqrt(scale[j]! / total);
  const rand = rng(seed);
  const g = gaussian(rand);
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const c = Math.floor(rand() * shape.centers) * dim;
    const o = i * dim;
    for (let j = 0; j < dim; j++) data[o + j] = centres[c + j]! + scale[j]! * g();
    normalizeRow(data, i, dim);
  }
  return data;
}

/** The indexed set (seed) and a disjoint query set from the same distribution (seed + 1). */
export function makeDataset(kind: DatasetKind, count: number, queries: number, dim: number, seed = 42, shape = DEFAULT_CLUSTERS): { base: VectorSet; queries: VectorSet } {
  const make = (n: number, s: number) => (kind === 'uniform' ? uniformRows(n, dim, s) : clusteredRows(n, dim, s, seed ^ 0x5eed, shape));
  return {
    base: { kind, data: make(count, seed), count, dim },
    queries: { kind, data: make(queries, seed + 1), count: queries, dim },
  };
}

/**
 * Exact top-k by inner product (= cosine for unit rows), brute force over Float32Arrays.
 * This is the ground truth for recall, and also what "no index at all" would cost per query.
 * Returns, per query, the k row ids in descending similarity.
 */
export function exactTopK(base: VectorSet, queries: VectorSet, k: number): Int32Array[] {
  const { data, count, dim } = base;
  const out: Int32Array[] = [];
  const ids = new Int32Array(k);
  const sims = new Float32Array(k);
  for (let q = 0; q < queries.count; q++) {
    const qo = q * dim;
    const qv = queries.data.subarray(qo, qo + dim);
    ids.fill(-1);
    sims.fill(-Infinity);
    for (let i = 0; i < count; i++) {
      const o = i * dim;
      let s = 0;
      for (let j = 0; j < dim; j++) s += qv[j]! * data[o + j]!;
      if (s <= sims[k - 1]!) continue;
      // Insertion into the small sorted list: k is 10, cheaper than a heap.
      let p = k - 1;
      while (p > 0 && sims[p - 1]! < s) {
        sims[p] = sims[p - 1]!;
        ids[p] = ids[p - 1]!;
        p--;
      }
      sims[p] = s;
      ids[p] = i;
    }
    out.push(ids.slice());
  }
  return out;
}

/** Row i as a plain array: hnswlib-node's addPoint/searchKnn accept only JS arrays. */
export function rowArray(set: VectorSet, i: number): number[] {
  return Array.from(set.data.subarray(i * set.dim, (i + 1) * set.dim));
}

/** Fraction of the true neighbours found, averaged over queries. */
export function recallAtK(found: ArrayLike<number>[], truth: Int32Array[], k: number): number {
  let hits = 0;
  for (let q = 0; q < truth.length; q++) {
    const want = new Set(truth[q]!.subarray(0, k));
    for (let i = 0; i < Math.min(k, found[q]!.length); i++) if (want.has(found[q]![i]!)) hits++;
  }
  return hits / (truth.length * k);
}
