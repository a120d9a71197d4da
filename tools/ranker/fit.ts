/**
 * The two small models of the second stage, fitted by full-batch gradient descent (Adam) with L2:
 * - a listwise ranker: a linear score per candidate sentence, softmax over one question's candidates,
 *   maximizing the probability of the answering sentences (questions without one are skipped);
 * - a logistic model of "the first answer is right", for the caveat.
 * Deterministic: same data, same weights.
 */

export interface RankGroup {
  /** Feature vectors of the candidates. */
  x: number[][];
  /** 1 for a candidate that answers, else 0. */
  y: number[];
}

export interface Standardizer {
  mean: number[];
  scale: number[];
}

/** Mean and spread of each feature over all candidates; the bias column (all 1) is left as it is. */
export function standardizer(rows: number[][]): Standardizer {
  const d = rows[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(1);
  for (let j = 0; j < d; j++) {
    const col = rows.map((r) => r[j]!);
    const m = col.reduce((a, b) => a + b, 0) / col.length;
    const sd = Math.sqrt(col.reduce((a, b) => a + (b - m) ** 2, 0) / col.length);
    if (sd > 1e-9) {
      mean[j] = m;
      scale[j] = sd;
    }
  }
  return { mean, scale };
}

function adam(dim: number, gradient: (w: number[]) => number[], iterations: number, rate: number): number[] {
  const w = new Array<number>(dim).fill(0);
  const m = new Array<number>(dim).fill(0);
  const v = new Array<number>(dim).fill(0);
  for (let t = 1; t <= iterations; t++) {
    const g = gradient(w);
    for (let j = 0; j < dim; j++) {
      m[j] = 0.9 * m[j]! + 0.1 * g[j]!;
      v[j] = 0.999 * v[j]! + 0.001 * g[j]! ** 2;
      w[j]! -= (rate * (m[j]! / (1 - 0.9 ** t))) / (Math.sqrt(v[j]! / (1 - 0.999 ** t)) + 1e-8);
    }
  }
  return w;
}

const dot = (w: number[], x: number[]) => x.reduce((s, v, j) => s + w[j]! * v, 0);

/** Listwise softmax ranker on standardized features; returns weights for standardized input. */
export function fitRanker(groups: RankGroup[], std: Standardizer, l2 = 0.02, iterations = 400): number[] {
  const usable = groups
    .filter((g) => g.y.some((v) => v > 0) && g.y.some((v) => v === 0))
    .map((g) => ({ x: g.x.map((r) => r.map((v, j) => (v - std.mean[j]!) / std.scale[j]!)), y: g.y }));
  const dim = std.mean.length;
  return adam(
    dim,
    (w) => {
      const grad = w.map((v, j) => (j === 0 ? 0 : l2 * v));
      for (const g of usable) {
        const s = g.x.map((r) => dot(w, r));
        const max = Math.max(...s);
        const e = s.map((v) => Math.exp(v - max));
        const z = e.reduce((a, b) => a + b, 0);
        const positives = g.y.reduce((a, b) => a + b, 0);
        // Loss: −log Σ_{positive} p_i  (any answering sentence is a right first pick).
        const pPos = e.reduce((a, v, i) => a + (g.y[i]! > 0 ? v : 0), 0);
        for (let i = 0; i < g.x.length; i++) {
          const p = e[i]! / z;
          const q = g.y[i]! > 0 ? e[i]! / pPos : 0;
          for (let j = 0; j < dim; j++) grad[j]! += ((p - q) * g.x[i]![j]!) / usable.length;
        }
        void positives;
      }
      return grad;
    },
    iterations,
    0.05,
  );
}

/** Logistic regression (raw features, first column the bias); returns weights. */
export function fitLogistic(x: number[][], y: number[], l2 = 0.05, iterations = 1500): number[] {
  const dim = x[0]?.length ?? 0;
  return adam(
    dim,
    (w) => {
      const grad = w.map((v, j) => (j === 0 ? 0 : l2 * v));
      x.forEach((r, i) => {
        const p = 1 / (1 + Math.exp(-dot(w, r)));
        for (let j = 0; j < dim; j++) grad[j]! += ((p - y[i]!) * r[j]!) / x.length;
      });
      return grad;
    },
    iterations,
    0.05,
  );
}

/** A held-out answer as the caveat sees it. */
export interface CaveatItem {
  /** The caveat model's probability that rank 1 is right. */
  p: number;
  /** Coverage of the question by the winning passage, its headings and title. */
  coverage: number;
  /** False when a counting question's line does not name what it counts (never confident). */
  counted: boolean;
  right: boolean;
  unanswerable: boolean;
}

export interface OperatingPoint {
  threshold: number;
  /** A confident answer also covers at least this share of the question. */
  gate: number;
}

/**
 * The caveat's threshold and coverage gate, chosen together: as few answerable questions caveated as
 * possible while confident answers stay right at least `precision` of the time and at most
 * `maxUnanswerable` of the unanswerable questions get a confident answer. When nothing meets both, the
 * point that caveats everything below the strictest gate.
 */
export function operatingPoint(items: CaveatItem[], precision: number, maxUnanswerable: number, gates: number[], minConfident = 5): OperatingPoint {
  const unanswerable = items.filter((i) => i.unanswerable).length;
  const thresholds = [...new Set(items.map((i) => i.p))].sort((a, b) => a - b);
  let best: { point: OperatingPoint; confident: number; precision: number } | undefined;
  for (const gate of gates) {
    for (const threshold of thresholds) {
      const confident = items.filter((i) => i.p >= threshold && i.coverage >= gate && i.counted);
      const answerable = confident.filter((i) => !i.unanswerable);
      if (answerable.length < minConfident) continue;
      const p = answerable.filter((i) => i.right).length / answerable.length;
      const wrongClaims = confident.length - answerable.length;
      if (p < precision || wrongClaims > maxUnanswerable * unanswerable) continue;
      if (!best || answerable.length > best.confident || (answerable.length === best.confident && p > best.precision)) {
        best = { point: { threshold, gate }, confident: answerable.length, precision: p };
      }
    }
  }
  return best?.point ?? { threshold: 1, gate: Math.max(...gates) };
}

/** Group k-fold: every group (a report) in one fold, folds of about equal size, deterministic. */
export function groupFolds(groups: string[], k: number): number[] {
  const sizes = new Map<string, number>();
  for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  const load = new Array<number>(k).fill(0);
  const foldOf = new Map<string, number>();
  for (const [g, n] of [...sizes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    const f = load.indexOf(Math.min(...load));
    foldOf.set(g, f);
    load[f]! += n;
  }
  return groups.map((g) => foldOf.get(g)!);
}
