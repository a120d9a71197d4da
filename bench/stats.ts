/**
 * Small measuring helpers shared by every benchmark: latency percentiles, wall-clock
 * timing, and memory in MB. Kept free of any project module so the scale and peer
 * benchmarks run before (and independently of) the core.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

export interface LatencySummary {
  /** Number of samples the percentiles come from. */
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Milliseconds, rounded to what a benchmark table can honestly show (µs). */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function summarize(samplesMs: number[]): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort();
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return {
    n: sorted.length,
    mean: round(mean),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.length ? sorted[sorted.length - 1]! : NaN),
  };
}

/** High-resolution milliseconds since an arbitrary origin. */
export function nowMs(): number {
  return performance.now();
}

/** Runs fn and returns its value with the elapsed wall-clock milliseconds. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

export const MB = 1024 * 1024;
export function toMb(bytes: number): number {
  return round(bytes / MB, 1);
}

let gcFn: (() => void) | undefined;
/**
 * Full garbage collection, so an RSS delta measures what a step kept rather than the
 * garbage it left. tsx gives no way to pass --expose-gc, hence the V8 flag trick; where it
 * is refused the delta is simply noisier.
 */
export function forceGc(): void {
  if (!gcFn) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    } catch {
      gcFn = () => {};
    }
  }
  gcFn();
}

/**
 * Peak resident memory over a phase. process.resourceUsage().maxRSS is a whole-process
 * lifetime peak, useless for the second phase of a run, so RSS is sampled on a timer and at
 * every explicit `sample()` (a long synchronous native loop blocks the timer: callers sample
 * after such loops).
 */
export class RssPeak {
  readonly baseline: number;
  private peak: number;
  private timer: NodeJS.Timeout;

  constructor(intervalMs = 25) {
    this.baseline = process.memoryUsage.rss();
    this.peak = this.baseline;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
  }

  /** Stops sampling; MB figures: RSS at start, peak during the phase, and their difference. */
  stop(): { baselineMb: number; peakMb: number; deltaMb: number } {
    this.sample();
    clearInterval(this.timer);
    return { baselineMb: toMb(this.baseline), peakMb: toMb(this.peak), deltaMb: toMb(this.peak - this.baseline) };
  }
}
