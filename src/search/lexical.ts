/**
 * Lexical retrieval: BM25 (MiniSearch) over the tokens of text.ts, with two fields:
 * `body` (the passage) and `head` (report title and heading path, so "柏山镇…" finds 柏山镇's report).
 * Documents are tokenized once by us; MiniSearch receives tokens joined by spaces.
 */
import MiniSearch from 'minisearch';

export interface LexicalDoc {
  id: number;
  body: string[];
  head: string[];
}

export interface LexicalHit {
  id: number;
  score: number;
}

const OPTIONS = {
  fields: ['body', 'head'],
  idField: 'id',
  // Tokens come pre-computed: split on the spaces we joined them with.
  tokenize: (text: string) => text.split(' ').filter(Boolean),
  processTerm: (term: string) => term,
  extractField: (doc: Record<string, unknown>, field: string) => {
    const v = doc[field];
    return Array.isArray(v) ? v.join(' ') : String(v);
  },
  searchOptions: { combineWith: 'OR' as const, prefix: false, fuzzy: false },
};

/** How much a match in the heading counts against one in the passage. */
const HEAD_BOOST = 0.6;

export class LexicalIndex {
  private constructor(private readonly mini: MiniSearch) {}

  static build(docs: LexicalDoc[]): LexicalIndex {
    const mini = new MiniSearch(OPTIONS);
    mini.addAll(docs as unknown as Record<string, unknown>[]);
    return new LexicalIndex(mini);
  }

  static load(json: string): LexicalIndex {
    return new LexicalIndex(MiniSearch.loadJSON(json, OPTIONS));
  }

  toJSON(): string {
    return JSON.stringify(this.mini);
  }

  /** Passages indexed. */
  get size(): number {
    return this.mini.documentCount;
  }

  /** Top passages for weighted query terms (a term's weight multiplies its BM25 contribution). */
  search(terms: Map<string, number>, limit: number, filter?: (id: number) => boolean): LexicalHit[] {
    if (terms.size === 0) return [];
    const list = [...terms.keys()];
    const results = this.mini.search(list.join(' '), {
      boost: { body: 1, head: HEAD_BOOST },
      boostTerm: (term: string) => terms.get(term) ?? 1,
      filter: filter ? (r) => filter(Number(r.id)) : undefined,
    });
    // Ids come back as strings after loadJSON.
    return results.slice(0, limit).map((r) => ({ id: Number(r.id), score: r.score }));
  }
}

/** Document frequency of every token (passages containing it), for IDF weights outside BM25. */
export class DocumentFrequencies {
  constructor(
    readonly total: number,
    private readonly df: Map<string, number>,
  ) {}

  static count(docs: LexicalDoc[]): DocumentFrequencies {
    const df = new Map<string, number>();
    for (const d of docs) for (const t of new Set([...d.body, ...d.head])) df.set(t, (df.get(t) ?? 0) + 1);
    return new DocumentFrequencies(docs.length, df);
  }

  get(token: string): number {
    return this.df.get(token) ?? 0;
  }

  /** Inverse document frequency (BM25's form, always positive). */
  idf(df: number): number {
    return Math.log(1 + (this.total - df + 0.5) / (df + 0.5));
  }

  toJSON(): { total: number; df: Record<string, number> } {
    return { total: this.total, df: Object.fromEntries(this.df) };
  }

  static fromJSON(json: { total: number; df: Record<string, number> }): DocumentFrequencies {
    return new DocumentFrequencies(json.total, new Map(Object.entries(json.df)));
  }
}
