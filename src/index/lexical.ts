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

/** A passage as the lexical index sees it: its tokens, per field. */
export interface LexicalDoc {
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

/** A growable array of unsigned 32-bit numbers (millions of postings as JS arrays would cost 8+ bytes each). */
class U32List {
  private data = new Uint32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  at(i: number): number {
    return this.data[i]!;
  }

  set(i: number, value: number): void {
    this.data[i] = value;
  }

  toArray(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/** One field's documents as they come: for each, its distinct terms and their counts. */
class FieldBuilder {
  readonly docLength = new U32List();
  private readonly docStart = new U32List();
  private readonly terms = new U32List();
  private readonly tfs = new U32List();

  addDoc(termIds: number[]): Map<number, number> {
    const counts = new Map<number, number>();
    for (const id of termIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    this.docStart.push(this.terms.length);
    this.docLength.push(termIds.length);
    for (const [t, tf] of counts) {
      this.terms.push(t);
      this.tfs.push(Math.min(tf, 0xffff));
    }
    return counts;
  }

  /** Compressed-row postings: each term's documents in document order. */
  build(termCount: number): FieldPostings {
    const docs = this.docLength.length;
    const offsets = new Uint32Array(termCount + 1);
    for (let i = 0; i < this.terms.length; i++) offsets[this.terms.at(i) + 1]!++;
    for (let t = 0; t < termCount; t++) offsets[t + 1]! += offsets[t]!;
    const docIds = new Uint32Array(this.terms.length);
    const tfs = new Uint16Array(this.terms.length);
    const next = offsets.slice(0, termCount);
    for (let d = 0; d < docs; d++) {
      const end = d + 1 < docs ? this.docStart.at(d + 1) : this.terms.length;
      for (let i = this.docStart.at(d); i < end; i++) {
        const at = next[this.terms.at(i)]!++;
        docIds[at] = d;
        tfs[at] = this.tfs.at(i);
      }
    }
    const docLength = this.docLength.toArray();
    const total = docLength.reduce((a, b) => a + b, 0);
    return { docLength, avgLength: docs ? total / docs : 0, offsets, docIds, tfs };
  }
}

/**
 * Builds the lexical index, its document frequencies and the body vocabulary one passage at a time:
 * tokens become term ids as they come, so an ingest never holds every passage's tokens (for the seeds +
 * corpus-large, ~7 million strings: most of its peak memory before this builder).
 */
export class LexicalBuilder {
  private readonly termIds = new Map<string, number>();
  private readonly fields: Record<FieldName, FieldBuilder> = { body: new FieldBuilder(), head: new FieldBuilder() };
  /** Per term: passages containing it in either field. */
  private readonly df = new U32List();
  /** Per term: 1 when it occurs in a passage body. */
  private readonly inBody = new U32List();
  private docs = 0;

  private idOf(term: string): number {
    let id = this.termIds.get(term);
    if (id === undefined) {
      id = this.termIds.size;
      this.termIds.set(term, id);
      this.df.push(0);
      this.inBody.push(0);
    }
    return id;
  }

  /** Adds the next passage (passages are numbered 0, 1, 2… in the order they are added). */
  add(doc: LexicalDoc): void {
    const seen = new Set<number>();
    for (const field of FIELD_NAMES) {
      const counts = this.fields[field].addDoc(doc[field].map((t) => this.idOf(t)));
      for (const id of counts.keys()) {
        seen.add(id);
        if (field === 'body') this.inBody.set(id, 1);
      }
    }
    for (const id of seen) this.df.set(id, this.df.at(id) + 1);
    this.docs++;
  }

  build(): LexicalIndex {
    const termCount = this.termIds.size;
    const fields = Object.fromEntries(FIELD_NAMES.map((f) => [f, this.fields[f].build(termCount)])) as Record<FieldName, FieldPostings>;
    return LexicalIndex.fromParts([...this.termIds.keys()], fields, this.docs);
  }

  documentFrequencies(): DocumentFrequencies {
    return new DocumentFrequencies(this.docs, this.termIds, this.df.toArray());
  }

  /** Every term that occurs in a passage body. */
  bodyVocabulary(): Set<string> {
    const vocabulary = new Set<string>();
    for (const [term, id] of this.termIds) if (this.inBody.at(id)) vocabulary.add(term);
    return vocabulary;
  }
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

  /** @internal for LexicalBuilder */
  static fromParts(terms: string[], fields: Record<FieldName, FieldPostings>, docCount: number): LexicalIndex {
    return new LexicalIndex(terms, fields, docCount);
  }

  /** Term → term id, shared with DocumentFrequencies. */
  get termIdMap(): ReadonlyMap<string, number> {
    return this.termIds;
  }

  /** Passages indexed. */
  get size(): number {
    return this.docCount;
  }

  /** The index as one binary file: a JSON header, the term list, then each field's arrays. */
  toBuffer(): Buffer {
    return Buffer.concat(this.toParts());
  }

  /** The file of toBuffer() in parts, to be written one after another (the arrays are not copied). */
  toParts(): Buffer[] {
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
    return parts;
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
  search(terms: ReadonlyMap<string, number>, limit: number, filter?: (id: number) => boolean): LexicalHit[] {
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

/**
 * Document frequency of every token (passages containing it), for IDF weights outside BM25. Keyed by
 * the lexical index's own term ids (the same tokens): one term dictionary in memory, not two.
 */
export class DocumentFrequencies {
  constructor(
    readonly total: number,
    private readonly termIds: ReadonlyMap<string, number>,
    private readonly counts: Uint32Array,
  ) {}

  get(token: string): number {
    const id = this.termIds.get(token);
    return id === undefined ? 0 : this.counts[id]!;
  }

  private byLastChar: Map<string, string[]> | undefined;

  /**
   * Corpus words of two or three characters ending in a character, most frequent first: in Chinese
   * the last character heads a compound (行政村 is a kind of 村), so they are what a lone 村 asks about.
   */
  wordsEndingIn(char: string, limit = 6): string[] {
    if (!this.byLastChar) {
      // Built on first use, in one pass over the terms (a lone noun is a common question).
      const isHan = (c: number) => c >= 0x4e00 && c <= 0x9fff;
      const byLast = new Map<string, [string, number][]>();
      for (const [t, id] of this.termIds) {
        const n = this.counts[id]!;
        if (t.length < 2 || t.length > 3 || n < 2) continue;
        if (!isHan(t.charCodeAt(0)) || !isHan(t.charCodeAt(1)) || (t.length === 3 && !isHan(t.charCodeAt(2)))) continue;
        const last = t[t.length - 1]!;
        const list = byLast.get(last);
        if (list) list.push([t, n]);
        else byLast.set(last, [[t, n]]);
      }
      this.byLastChar = new Map([...byLast].map(([last, list]) => [last, list.sort((a, b) => b[1] - a[1]).map(([t]) => t)]));
    }
    return (this.byLastChar.get(char) ?? []).slice(0, limit);
  }

  /** Inverse document frequency (BM25's form, always positive). */
  idf(df: number): number {
    return bm25Idf(this.total, df);
  }

  toJSON(): { total: number; df: Record<string, number> } {
    return { total: this.total, df: Object.fromEntries([...this.termIds].map(([t, id]) => [t, this.counts[id]!])) };
  }

  /** The saved counts, over the term ids of the index they were saved with; a token it lacks is an error. */
  static fromJSON(json: { total: number; df: Record<string, number> }, lexical: LexicalIndex): DocumentFrequencies {
    const termIds = lexical.termIdMap;
    const counts = new Uint32Array(termIds.size);
    for (const [t, n] of Object.entries(json.df)) {
      const id = termIds.get(t);
      if (id === undefined) throw new Error(`term "${t}" of the statistics is not in the lexical index`);
      counts[id] = n;
    }
    return new DocumentFrequencies(json.total, termIds, counts);
  }
}
