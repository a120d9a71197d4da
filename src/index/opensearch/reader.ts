/**
 * The IndexReader (../reader.ts) of a generation published to OpenSearch (publish.ts). The alias is
 * read once: every call goes to that generation's concrete index, so that a search never mixes two
 * generations (a new one is read by a new reader). Its meta — manifest, passage store, term statistics —
 * is read once at open and held in memory, as the local reader holds passages.json; dense and lexical
 * search and passage vectors go to the cluster.
 */
import type { Config } from '../../config.js';
import { EMPTY_BRIDGE, type EnglishBridge } from '../../language/english.js';
import { HeldGeneration } from '../held-generation.js';
import { DocumentFrequencies } from '../lexical.js';
import type { Hit, IndexInfo, IndexReader, PassageRecord, ReportInfo, ReportText, TermStatistics } from '../reader.js';
import { type Manifest, type PassageStore, verifyPassageStore } from '../store.js';
import { connect, type Engine, EngineError } from './engine.js';
import { aliasTargets } from './publish.js';
import { FIELD_BOOSTS, type MetaDoc, metaDocId } from './schema.js';

interface GenerationMeta {
  manifest: Manifest;
  store: PassageStore;
  terms: { df: { total: number; df: Record<string, number> }; bridge?: EnglishBridge };
}

interface Hits {
  hits: { hits: { _id: string; _score: number }[] };
}

/** Attempts of a request before its error reaches the user: a node lost mid-search costs one more. */
const ATTEMPTS = 3;

/** Best first; equal scores by passage id, as the local index orders them. */
function ranked(result: Hits): Hit[] {
  return result.hits.hits.map((h) => ({ id: Number(h._id), score: h._score })).sort((a, b) => b.score - a.score || a.id - b.id);
}

/** Runs `attempt` again (after a short pause) while it fails with a transient engine error. */
async function retried<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof EngineError && err.transient) || n === ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, 200 * n));
    }
  }
}

class OpenSearchReader implements IndexReader {
  readonly info: IndexInfo;
  private readonly held: HeldGeneration;

  constructor(
    private readonly engine: Engine,
    /** The generation's concrete index. */
    private readonly index: string,
    private readonly efSearch: number,
    manifest: Manifest,
    store: PassageStore,
    private readonly df: DocumentFrequencies,
    private readonly bridge: EnglishBridge,
  ) {
    this.held = new HeldGeneration(manifest, store);
    this.info = this.held.info;
  }

  async reports(): Promise<ReportInfo[]> {
    return this.held.reports;
  }

  async reportText(report: number): Promise<ReportText> {
    return this.held.reportText(report);
  }

  async passages(ids: readonly number[]): Promise<PassageRecord[]> {
    return this.held.passages(ids);
  }

  async vectors(ids: readonly number[]): Promise<Float32Array[]> {
    if (ids.length === 0) return [];
    return retried(async () => {
      const result = await this.engine.call<{ docs: { _id: string; found?: boolean; _source?: { vector: number[] } }[] }>(
        'POST',
        `/${this.index}/_mget`,
        { ids: ids.map(String) },
        { _source_includes: 'vector' },
      );
      const rows = new Map(result.docs.filter((d) => d.found && d._source).map((d) => [Number(d._id), Float32Array.from(d._source!.vector)]));
      const missing = ids.filter((id) => !rows.has(id));
      // A document is missing only while its shard has no live copy (a node just died): asked again.
      if (missing.length) throw new EngineError(`OpenSearch index ${this.index} lacks the vectors of ${missing.length} passages; its shards may be unavailable`, 503);
      return ids.map((id) => rows.get(id)!);
    });
  }

  async denseSearch(vector: Float32Array, k: number, within?: readonly number[]): Promise<Hit[]> {
    const queryValue = Array.from(vector);
    const query = within
      ? // Within a few reports an exact scan, as the local index does (HNSW with so narrow a filter walks the graph).
        {
          script_score: {
            query: { terms: { doc: within } },
            script: { source: 'knn_score', lang: 'knn', params: { field: 'vector', query_value: queryValue, space_type: 'cosinesimil' } },
          },
        }
      : { knn: { vector: { vector: queryValue, k, method_parameters: { ef_search: Math.max(this.efSearch, k) } } } };
    return this.search({ size: k, _source: false, query });
  }

  async lexicalSearch(terms: ReadonlyMap<string, number>, k: number, within?: readonly number[]): Promise<Hit[]> {
    const should = [...terms]
      .filter(([, weight]) => weight > 0)
      .flatMap(([term, weight]) => Object.entries(FIELD_BOOSTS).map(([field, boost]) => ({ term: { [field]: { value: term, boost: weight * boost } } })));
    if (should.length === 0) return [];
    const query = { bool: { should, minimum_should_match: 1, filter: within ? [{ terms: { doc: within } }] : [{ term: { kind: 'passage' } }] } };
    // dfs_query_then_fetch: term statistics of the whole index, not of each shard, as one local BM25 has.
    return this.search({ size: k, _source: false, query }, { search_type: 'dfs_query_then_fetch' });
  }

  async termStatistics(): Promise<TermStatistics> {
    return this.df;
  }

  async englishBridge(): Promise<EnglishBridge> {
    return this.bridge;
  }

  close(): void {
    void this.engine.close();
  }

  /**
   * One search, whole or not at all: partial results (a shard whose copy was on a node that just died)
   * would silently rank differently, so they are refused and the search is asked again.
   */
  private search(body: object, querystring: Record<string, string> = {}): Promise<Hit[]> {
    return retried(async () =>
      ranked(await this.engine.call<Hits>('POST', `/${this.index}/_search`, body, { ...querystring, allow_partial_search_results: false })),
    );
  }
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

/** Term statistics from their saved counts (the local reader keys them by its BM25 file's term ids). */
function documentFrequencies(saved: GenerationMeta['terms']['df']): DocumentFrequencies {
  const terms = Object.keys(saved.df);
  return new DocumentFrequencies(saved.total, new Map(terms.map((t, i) => [t, i])), Uint32Array.from(terms, (t) => saved.df[t]!));
}

/**
 * Opens the generation the alias names. Throws IndexError (EngineError) with one line: the cluster
 * unreachable, nothing published, or a generation whose meta is missing or out of step.
 */
export async function openOpenSearchIndex(config: Config, check?: (info: IndexInfo) => void | Promise<void>): Promise<IndexReader> {
  const alias = config.backend.opensearchIndex;
  const engine = connect(config.backend);
  try {
    const targets = await aliasTargets(engine, alias);
    if (targets.length > 1) throw new EngineError(`the OpenSearch alias ${alias} names ${targets.length} indexes; run \`npm run ingest\` to publish one`);
    const index = targets[0];
    if (!index) throw new EngineError(`nothing is published under the OpenSearch alias ${alias}; run \`npm run ingest\` with INDEX_BACKEND=opensearch first`);
    const { manifest, store, terms } = await readMeta(engine, index);
    await check?.({ generation: manifest.generation, builtAt: manifest.builtAt, model: { id: manifest.model.id, dim: manifest.model.dim }, passageCount: manifest.passageCount });
    verifyPassageStore(manifest, store);
    if (terms?.df?.total !== manifest.passageCount) throw new EngineError(`OpenSearch index ${index}: the term statistics do not match the manifest; run \`npm run ingest\` to publish it again`);
    return new OpenSearchReader(engine, index, config.hnsw.efSearch, manifest, store, documentFrequencies(terms.df), terms.bridge ?? EMPTY_BRIDGE);
  } catch (err) {
    await engine.close();
    throw err;
  }
}
