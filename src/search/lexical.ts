/**
 * Lexical retrieval: BM25 over the tokens of text.ts, with two fields: `body` (the passage) and
 * `head` (report title and heading path, so "柏山镇…" finds 柏山镇's report).
 *
 * Why not a library: MiniSearch (used first) keeps every posting as JS objects; with the 14.6k
 * passages of the seeds plus corpus-large its index took 7.1 s and ~670 MB to load, and its queries
 * were the slowest part of search. This index is the same BM25 in typed arrays (compressed-row
 * postings per field), saved as one binary file: it loads in a fraction of a second and scores a
 * query by walking only the postings of its terms.
 */

export interface LexicalDoc {
  id: number;
  body: string[];
  head: string[];
}

export interface LexicalHit {
  id: number;
  score: number;
}

/** BM25 parameters (the usual ones). */
const K1 = 1.2;
const B = 0.75;
/** How much a match in the heading counts against one in the passage. */
const FIELD_BOOSTS = { body: 1, head: 0.6 } as const;
type FieldName = keyof typeof FIELD_BOOSTS;
const FIELD_NAMES = Object.keys(FIELD_BOOSTS) as FieldName[];

const MAGIC = 'BM25v1\n';

/** BM25's inverse document frequency (always positive): rare terms weigh more. */
export function bm25Idf(total: number, df: number): number {
  return Math.log(1 + (total - df + 0.5) / (df + 0.5));
}

/** Postings of one field, compressed-row: term t's documents are docIds[offsets[t]..offsets[t+1]]. */
interface FieldPostings {
  docLength: Uint32Array;
  avgLength: number;
  offsets: Uint32Array;
  docIds: Uint32Array;
  tfs: Uint16Array;
}

function buildField(docs: LexicalDoc[], field: FieldName, termIds: Map<string, number>): FieldPostings {
  const perTerm: number[][] = Array.from({ length: termIds.size }, () => []);
  const docLength = new Uint32Array(docs.length);
  docs.forEach((doc, d) => {
    const counts = new Map<number, number>();
    for (const t of doc[field]) {
      const id = termIds.get(t)!;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    docLength[d] = doc[field].length;
    // Each posting is stored as a pair (doc, tf) in the term's list.
    for (const [t, tf] of counts) perTerm[t]!.push(d, Math.min(tf, 0xffff));
  });
  const offsets = new Uint32Array(termIds.size + 1);
  perTerm.forEach((list, t) => (offsets[t + 1] = offsets[t]! + list.length / 2));
  const docIds = new Uint32Array(offsets[termIds.size]!);
  const tfs = new Uint16Array(offsets[termIds.size]!);
  perTerm.forEach((list, t) => {
    for (let i = 0, at = offsets[t]!; i < list.length; i += 2, at++) {
      docIds[at] = list[i]!;
      tfs[at] = list[i + 1]!;
    }
  });
  const total = docLength.reduce((a, b) => a + b, 0);
  return { docLength, avgLength: docs.length ? total / docs.length : 0, offsets, docIds, tfs };
}

export class LexicalIndex {
  private readonly termIds: Map<string, number>;
  private scores: Float64Array;

  private constructor(
    private readonly terms: string[],
    private readonly fields: Record<FieldName, FieldPostings>,
    private readonly docCount: number,
  ) {
    this.termIds = new Map(terms.map((t, i) => [t, i]));
    this.scores = new Float64Array(docCount);
  }

  static build(docs: LexicalDoc[]): LexicalIndex {
    const termIds = new Map<string, number>();
    for (const doc of docs) for (const field of FIELD_NAMES) for (const t of doc[field]) if (!termIds.has(t)) termIds.set(t, termIds.size);
    docs.forEach((d, i) => {
      if (d.id !== i) throw new Error('lexical documents must be numbered 0..n-1 in order');
    });
    const fields = Object.fromEntries(FIELD_NAMES.map((f) => [f, buildField(docs, f, termIds)])) as Record<FieldName, FieldPostings>;
    return new LexicalIndex([...termIds.keys()], fields, docs.length);
  }

  /** Passages indexed. */
  get size(): number {
    return this.docCount;
  }

  /** The index as one binary file: a JSON header, the term list, then each field's arrays. */
  toBuffer(): Buffer {
    const header = Buffer.from(
      JSON.stringify({ docCount: this.docCount, termCount: this.terms.length, fields: FIELD_NAMES.map((f) => ({ name: f, avgLength: this.fields[f].avgLength, postings: this.fields[f].docIds.length })) }),
    );
    const termText = Buffer.from(this.terms.join('\n'));
    const u32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(n);
      return b;
    };
    const parts: Buffer[] = [Buffer.from(MAGIC), u32(header.length), header, u32(termText.length), termText];
    const pad = () => {
      const length = parts.reduce((n, p) => n + p.length, 0);
      if (length % 4) parts.push(Buffer.alloc(4 - (length % 4)));
    };
    for (const f of FIELD_NAMES) {
      const p = this.fields[f];
      for (const array of [p.docLength, p.offsets, p.docIds, p.tfs]) {
        pad();
        parts.push(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
      }
    }
    return Buffer.concat(parts);
  }

  static fromBuffer(buf: Buffer): LexicalIndex {
    if (buf.subarray(0, MAGIC.length).toString() !== MAGIC) throw new Error('not a lexical index file');
    let at = MAGIC.length;
    const u32 = () => {
      const v = buf.readUInt32LE(at);
      at += 4;
      return v;
    };
    const headerLength = u32();
    const header = JSON.parse(buf.subarray(at, (at += headerLength)).toString()) as {
      docCount: number;
      termCount: number;
      fields: { name: FieldName; avgLength: number; postings: number }[];
    };
    const termLength = u32();
    const terms = termLength ? buf.subarray(at, (at += termLength)).toString().split('\n') : [];
    if (terms.length !== header.termCount) throw new Error('term list does not match its header');
    // Copies: the file buffer need not be aligned, and must not be kept alive.
    const take = <T extends Uint32Array | Uint16Array>(Type: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, count: number): T => {
      if (at % 4) at += 4 - (at % 4);
      const bytes = count * Type.BYTES_PER_ELEMENT;
      if (at + bytes > buf.length) throw new Error('lexical index file is truncated');
      const array = new Type(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + bytes) as ArrayBuffer);
      at += bytes;
      return array;
    };
    const fields = {} as Record<FieldName, FieldPostings>;
    for (const f of header.fields) {
      const docLength = take(Uint32Array, header.docCount);
      const offsets = take(Uint32Array, header.termCount + 1);
      const docIds = take(Uint32Array, f.postings);
      const tfs = take(Uint16Array, f.postings);
      fields[f.name] = { docLength, avgLength: f.avgLength, offsets, docIds, tfs };
    }
    return new LexicalIndex(terms, fields, header.docCount);
  }

  /** Top passages for weighted query terms (a term's weight multiplies its BM25 contribution). */
  search(terms: Map<string, number>, limit: number, filter?: (id: number) => boolean): LexicalHit[] {
    const scores = this.scores;
    const touched: number[] = [];
    for (const [term, weight] of terms) {
      const t = this.termIds.get(term);
      if (t === undefined) continue;
      for (const f of FIELD_NAMES) {
        const p = this.fields[f];
        const from = p.offsets[t]!;
        const to = p.offsets[t + 1]!;
        if (from === to) continue;
        const df = to - from;
        const idf = bm25Idf(this.docCount, df);
        const boost = weight * FIELD_BOOSTS[f] * idf;
        for (let i = from; i < to; i++) {
          const d = p.docIds[i]!;
          const tf = p.tfs[i]!;
          const norm = K1 * (1 - B + (B * p.docLength[d]!) / (p.avgLength || 1));
          if (scores[d] === 0) touched.push(d);
          scores[d]! += (boost * tf * (K1 + 1)) / (tf + norm);
        }
      }
    }
    const hits: LexicalHit[] = [];
    for (const d of touched) {
      if (!filter || filter(d)) hits.push({ id: d, score: scores[d]! });
      scores[d] = 0; // the buffer is reused by the next query
    }
    return hits.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, limit);
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

  private byLastChar: Map<string, string[]> | undefined;

  /**
   * Corpus words of two or three characters ending in a character, most frequent first: in Chinese
   * the last character heads a compound (行政村 is a kind of 村), so they are what a lone 村 asks about.
   */
  wordsEndingIn(char: string, limit = 6): string[] {
    if (!this.byLastChar) {
      this.byLastChar = new Map();
      for (const [t, n] of this.df) {
        if (t.length < 2 || t.length > 3 || n < 2 || !/^[\u4e00-\u9fff]+$/.test(t)) continue;
        const last = t.slice(-1);
        const list = this.byLastChar.get(last) ?? [];
        list.push(t);
        this.byLastChar.set(last, list);
      }
      for (const list of this.byLastChar.values()) list.sort((a, b) => this.get(b) - this.get(a));
    }
    return (this.byLastChar.get(char) ?? []).slice(0, limit);
  }

  /** Inverse document frequency (BM25's form, always positive). */
  idf(df: number): number {
    return bm25Idf(this.total, df);
  }

  toJSON(): { total: number; df: Record<string, number> } {
    return { total: this.total, df: Object.fromEntries(this.df) };
  }

  static fromJSON(json: { total: number; df: Record<string, number> }): DocumentFrequencies {
    return new DocumentFrequencies(json.total, new Map(Object.entries(json.df)));
  }
}
