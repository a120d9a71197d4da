/**
 * The index the configuration names (INDEX_BACKEND): the generation folder in INDEX_DIR, or a
 * generation published to OpenSearch. With OPENSEARCH_FALLBACK_EMBEDDED, a cluster that cannot be
 * reached at start is said in one warning and the local index answers instead.
 */
import type { Config } from '../config.js';
import { openLocalIndex } from './local-reader.js';
import type { IndexInfo, IndexReader } from './reader.js';

export async function openIndexReader(config: Config, options: { check?: (info: IndexInfo) => void | Promise<void>; log?: (message: string) => void } = {}): Promise<IndexReader> {
  const local = () => openLocalIndex(config.indexDir, { efSearch: config.hnsw.efSearch, check: options.check });
  if (config.backend.kind !== 'opensearch') return local();
  // Loaded only for this backend: the embedded one never loads the client.
  const { openOpenSearchIndex } = await import('./opensearch/reader.js');
  try {
    return await openOpenSearchIndex(config, options.check);
  } catch (err) {
    if (!config.backend.fallbackToEmbedded || !/ is unreachable /.test((err as Error).message)) throw err;
    options.log?.(`warning: ${(err as Error).message}; answering from the embedded index at ${config.indexDir} (OPENSEARCH_FALLBACK_EMBEDDED)`);
    return local();
  }
}
