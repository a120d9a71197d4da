/**
 * The index of one generation on OpenSearch, and what its documents look like.
 *
 * Passages: `body` and `head` hold the very tokens the embedded BM25 indexes (jieba search-mode words +
 * Chinese bigrams, text.ts's indexTokens), joined by spaces and split again by the whitespace analyzer,
 * scored by BM25 with the embedded index's k1 and b, so both rank alike (Lucene leaves out BM25's
 * constant (k1 + 1) factor and stores lengths in one byte: scores differ by a factor, order hardly ever).
 * `vector` is a knn_vector in HNSW, cosine, on the **lucene** engine — never the default faiss, whose
 * native library a cluster may lack (its first flush then fails and the node hangs; issue 24's spike).
 *
 * Meta: the generation's manifest, passage store (report texts, offsets, sections) and term statistics,
 * in parts of a few MB (not indexed): a searcher reads them once at start, as it reads passages.json.
 */
import type { Config } from '../../config.js';
import type { LexicalDoc } from '../lexical.js';

/** The embedded BM25's parameters (src/index/lexical.ts) and field boosts: the same here. */
export const BM25 = { k1: 1.2, b: 0.75 };
export const FIELD_BOOSTS = { body: 1, head: 0.6 };

/** Largest meta part, in characters (requests stay far below http.max_content_length, 100 MB). */
export const META_PART_CHARS = 4_000_000;

export interface PassageDoc {
  kind: 'passage';
  pid: number;
  /** Index of its report in the manifest. */
  doc: number;
  source: string;
  corpus_dir: string;
  title: string;
  section: string[];
  start: number;
  end: number;
  body: string;
  head: string;
  vector: number[];
}

export interface MetaDoc {
  kind: 'meta';
  part: number;
  parts: number;
  meta: { data: string };
}

export function passageDocId(pid: number): string {
  return String(pid);
}

export function metaDocId(part: number): string {
  return `meta-${part}`;
}

/** A passage's lexical tokens as one field value. */
export function tokenField(tokens: LexicalDoc['body']): string {
  return tokens.join(' ');
}

/** Settings and mappings of a generation's index. */
export function indexDefinition(config: Config, dim: number): Record<string, unknown> {
  const unindexedKeyword = { type: 'keyword', index: false, doc_values: false };
  const unindexedInt = { type: 'integer', index: false, doc_values: false };
  const terms = { type: 'text', analyzer: 'whitespace', similarity: 'embedded_bm25' };
  return {
    settings: {
      index: {
        number_of_shards: config.backend.shards,
        number_of_replicas: config.backend.replicas,
        knn: true,
        'knn.algo_param.ef_search': config.hnsw.efSearch,
        similarity: { embedded_bm25: { type: 'BM25', ...BM25 } },
      },
    },
    mappings: {
      dynamic: 'strict',
      properties: {
        kind: { type: 'keyword' },
        pid: { type: 'integer' },
        doc: { type: 'integer' },
        source: { type: 'keyword' },
        corpus_dir: unindexedKeyword,
        title: unindexedKeyword,
        section: unindexedKeyword,
        start: unindexedInt,
        end: unindexedInt,
        body: terms,
        head: terms,
        vector: {
          type: 'knn_vector',
          dimension: dim,
          method: { name: 'hnsw', space_type: 'cosinesimil', engine: 'lucene', parameters: { m: config.hnsw.m, ef_construction: config.hnsw.efConstruction } },
        },
        part: { type: 'integer' },
        parts: { type: 'integer' },
        meta: { type: 'object', enabled: false },
      },
    },
  };
}
