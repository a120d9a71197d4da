// PLACEHOLDER — the real implementation is being written now; the signatures below are the contract.
import type { Config } from '../config.js';
import type { Answer, SearchOptions, SourceInfo } from './types.js';

export interface Searcher {
  /** Answers a question: ranked quotes with sources, or abstained. Never throws on odd input. */
  search(question: string, options?: SearchOptions): Promise<Answer>;
  /** The reports in the index, with passage counts. */
  sources(): SourceInfo[];
  /** Model id the index was built with, passage count, build time. */
  info(): { model: string; dim: number; passages: number; builtAt: string; generation: string };
}

/** Opens the index in config.indexDir and loads the embedding model. Throws IndexError (clear one-line message) when missing/corrupt/other model. */
export async function openSearcher(_config: Config): Promise<Searcher> {
  throw new Error('not implemented yet');
}
