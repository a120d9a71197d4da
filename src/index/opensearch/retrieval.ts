/**
 * PassageRetrieval on OpenSearch: one generation's index (a concrete name, read once from the alias, so
 * that a question never mixes two generations), queried the way the embedded index answers.
 */
import type { PassageRetrieval, ScoredId } from '../retrieval.js';
import { type Engine, EngineError } from './engine.js';
import { FIELD_BOOSTS } from './schema.js';

interface Hits {
  hits: { hits: { _id: string; _score: number }[] };
}

/** Attempts of a request before its error reaches the user: a node lost mid-search costs one more. */
const ATTEMPTS = 3;

/** Best first; equal scores by passage id, as the embedded index orders them. */
function ranked(result: Hits): ScoredId[] {
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

export class OpenSearchRetrieval implements PassageRetrieval {
  constructor(
    private readonly engine: Engine,
    private readonly index: string,
    private readonly efSearch: number,
  ) {}

  async dense(vector: Float32Array, k: number, docs?: ReadonlySet<number>): Promise<ScoredId[]> {
    const queryValue = Array.from(vector);
    const query = docs
      ? // Within a few reports an exact scan, as the embedded index does (HNSW with so narrow a filter walks the graph).
        {
          script_score: {
            query: { terms: { doc: [...docs] } },
            script: { source: 'knn_score', lang: 'knn', params: { field: 'vector', query_value: queryValue, space_type: 'cosinesimil' } },
          },
        }
      : { knn: { vector: { vector: queryValue, k, method_parameters: { ef_search: Math.max(this.efSearch, k) } } } };
    return this.search({ size: k, _source: false, query });
  }

  async lexical(terms: Map<string, number>, k: number, docs?: ReadonlySet<number>): Promise<ScoredId[]> {
    const should = [...terms]
      .filter(([, weight]) => weight > 0)
      .flatMap(([term, weight]) => Object.entries(FIELD_BOOSTS).map(([field, boost]) => ({ term: { [field]: { value: term, boost: weight * boost } } })));
    if (should.length === 0) return [];
    const query = { bool: { should, minimum_should_match: 1, filter: docs ? [{ terms: { doc: [...docs] } }] : [{ term: { kind: 'passage' } }] } };
    // dfs_query_then_fetch: term statistics of the whole index, not of each shard, as one embedded BM25 has.
    return this.search({ size: k, _source: false, query }, { search_type: 'dfs_query_then_fetch' });
  }

  /**
   * One search, whole or not at all: partial results (a shard whose copy was on a node that just died)
   * would silently rank differently, so they are refused and the search is asked again.
   */
  private search(body: object, querystring: Record<string, string> = {}): Promise<ScoredId[]> {
    return retried(async () =>
      ranked(await this.engine.call<Hits>('POST', `/${this.index}/_search`, body, { ...querystring, allow_partial_search_results: false })),
    );
  }

  async vectors(ids: number[]): Promise<Map<number, Float32Array>> {
    if (ids.length === 0) return new Map();
    return retried(async () => {
      const result = await this.engine.call<{ docs: { _id: string; found?: boolean; _source?: { vector: number[] } }[] }>(
        'POST',
        `/${this.index}/_mget`,
        { ids: ids.map(String) },
        { _source_includes: 'vector' },
      );
      const rows = new Map(result.docs.filter((d) => d.found && d._source).map((d) => [Number(d._id), Float32Array.from(d._source!.vector)]));
      // A document is missing only while its shard has no live copy (a node just died): asked again.
      if (rows.size < new Set(ids).size) throw new EngineError(`OpenSearch index ${this.index} lacks ${ids.length - rows.size} passage vectors; its shards may be unavailable`, 503);
      return rows;
    });
  }
}
