/**
 * Opens a searcher on the generation the OpenSearch alias names: its meta (manifest, passage store,
 * term statistics) is read once, the searches go to the cluster. The cluster unreachable at start is
 * one line saying so, or, with OPENSEARCH_FALLBACK_EMBEDDED=true, a warning and the embedded index.
 */
import type { Config } from '../../config.js';
import { loadEmbedder } from '../../embed/embedder.js';
import type { EnglishBridge } from '../../search/english.js';
import { EMPTY_BRIDGE } from '../../search/english.js';
import { DocumentFrequencies } from '../../search/lexical.js';
import { type OpenOptions, openSearcher, type Searcher, searcherOver } from '../../search/searcher.js';
import { IndexError, type Manifest, type PassageStore, verifyPassageStore } from '../store.js';
import { connect, EngineError, type Engine } from './engine.js';
import { aliasTargets } from './publish.js';
import { type MetaDoc, metaDocId } from './schema.js';
import { OpenSearchRetrieval } from './retrieval.js';

interface GenerationMeta {
  manifest: Manifest;
  store: PassageStore;
  terms: { df: { total: number; df: Record<string, number> }; bridge?: EnglishBridge };
}

/** The live generation's index (what the alias names), or null when nothing was published. */
async function liveIndex(engine: Engine, alias: string): Promise<string | null> {
  const targets = await aliasTargets(engine, alias);
  if (targets.length > 1) throw new EngineError(`the OpenSearch alias ${alias} names ${targets.length} indexes; run \`npm run ingest\` to publish one`);
  return targets[0] ?? null;
}

async function readMeta(engine: Engine, index: string): Promise<GenerationMeta> {
  const get = (part: number) => engine.call<{ found: boolean; _source?: MetaDoc }>('GET', `/${index}/_doc/${metaDocId(part)}`);
  const first = await get(0);
  if (!first.found || !first._source) throw new EngineError(`OpenSearch index ${index} has no meta; run \`npm run ingest\` to publish it again`);
  const parts = [first._source.meta.data];
  for (let part = 1; part < first._source.parts; part++) {
    const next = await get(part);
    if (!next._source) throw new EngineError(`OpenSearch index ${index} lacks meta part ${part}; run \`npm run ingest\` to publish it again`);
    parts.push(next._source.meta.data);
  }
  return JSON.parse(parts.join('')) as GenerationMeta;
}

/** Term statistics from their saved counts (the embedded searcher keys them by its lexical index's term ids). */
function documentFrequencies(saved: GenerationMeta['terms']['df']): DocumentFrequencies {
  const terms = Object.keys(saved.df);
  return new DocumentFrequencies(saved.total, new Map(terms.map((t, i) => [t, i])), Uint32Array.from(terms, (t) => saved.df[t]!));
}

export async function openOpenSearchSearcher(config: Config, options: OpenOptions = {}): Promise<Searcher> {
  const alias = config.backend.opensearchIndex;
  const engine = connect(config.backend);
  let index: string | null;
  try {
    index = await liveIndex(engine, alias);
  } catch (err) {
    await engine.close();
    if (!config.backend.fallbackToEmbedded || !/unreachable/.test((err as Error).message)) throw err;
    options.log?.(`warning: ${(err as Error).message}; answering from the embedded index at ${config.indexDir} (OPENSEARCH_FALLBACK_EMBEDDED)`);
    return openSearcher({ ...config, backend: { ...config.backend, kind: 'embedded' } }, options);
  }
  if (!index) {
    await engine.close();
    throw new EngineError(`nothing is published under the OpenSearch alias ${alias}; run \`npm run ingest\` with INDEX_BACKEND=opensearch first`);
  }
  const { manifest, store, terms } = await readMeta(engine, index);
  const embedder = options.embedder ?? (await loadEmbedder(config.model, options.log));
  if (embedder.modelId !== manifest.model.id || embedder.dim !== manifest.model.dim) {
    throw new IndexError(
      `the OpenSearch index was built with model ${manifest.model.id} (${manifest.model.dim} dims) but the model now is ${embedder.modelId} (${embedder.dim} dims); run \`npm run ingest\` to rebuild it`,
    );
  }
  verifyPassageStore(manifest, store);
  if (terms?.df?.total !== manifest.passageCount) throw new EngineError(`OpenSearch index ${index}: the term statistics do not match the manifest; run \`npm run ingest\` to publish it again`);
  const retrieval = new OpenSearchRetrieval(engine, index, config.hnsw.efSearch);
  return searcherOver({ config, manifest, store, retrieval, df: documentFrequencies(terms.df), bridge: terms.bridge ?? EMPTY_BRIDGE, embedder }, options);
}
