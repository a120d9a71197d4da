// PLACEHOLDER — the real implementation is being written now; the signatures below are the contract.
import type { Config } from '../config.js';

export interface IngestSummary { files: number; passages: number; embedded: number; reused: number; seconds: number; changed: boolean; skipped: { file: string; reason: string }[] }
export interface IngestProgress { phase: 'load' | 'embed' | 'index' | 'write'; done: number; total: number }

/** Builds or updates the index of config.corpusDirs in config.indexDir; does nothing when nothing changed. Atomic. */
export async function ingest(_config: Config, _opts: { onProgress?: (p: IngestProgress) => void; log?: (msg: string) => void } = {}): Promise<IngestSummary> {
  throw new Error('not implemented yet');
}

/** 'ok' | 'missing' | 'stale' (corpus changed since) | 'incompatible' (other model/chunker/format), with a one-line reason. */
export async function indexStatus(_config: Config): Promise<{ status: 'ok' | 'missing' | 'stale' | 'incompatible'; reason: string }> {
  throw new Error('not implemented yet');
}
