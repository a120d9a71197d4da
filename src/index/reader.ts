/**
 * What search reads an index through: one small interface, so that search never sees how or where an
 * index is kept. The index built by ingest (a generation folder: HNSW graph, BM25 file, passage store,
 * vectors; src/index/local-reader.ts) is one implementation; a search engine backend (OpenSearch, …)
 * is another. Every call that may go over a network returns a Promise; what search consults for every
 * word of a question (term statistics, the English bridge) is fetched once and then read in memory.
 *
 * Ids: passages are numbered 0 … passageCount − 1 and a report's passages are one contiguous range
 * (`ReportInfo.firstPassage`, `passages`); reports are numbered by their place in `reports()`. Ids are
 * stable for the life of one reader (one index generation); a new generation is read by a new reader.
 * Offsets (`start`, `end`, `sentences`, `pageStarts`) point into the report's cleaned text (`reportText`).
 * A missing, damaged or mismatched index is refused with an IndexError (src/index/store.ts) whose one
 * line says what is wrong and what to run; results are never made up from half an index.
 */
import type { ReportHeader } from '../corpus/report-header.js';
import type { EnglishBridge } from '../language/english.js';

/** The error a reader throws for a missing, damaged or mismatched index (its message says what to run). */
export { IndexError } from './store.js';

/** Which index a reader reads: the generation and the embedding model its vectors are from. */
export interface IndexInfo {
  /** Name of the generation (changes with every ingest). */
  generation: string;
  /** When it was built (ISO 8601). */
  builtAt: string;
  /** The embedding model of the passage vectors: a question must be embedded with the same one. */
  model: { id: string; dim: number };
  passageCount: number;
}

/** A report's metadata: what a citation, `/sources` and a question naming a report need. */
export interface ReportInfo {
  /** The corpus folder the report is in, and its path relative to it: together, what identifies it. */
  corpusDir: string;
  source: string;
  title: string;
  /** The report's own title lines, issuer, addressee and date, read from its text (absent in older indexes). */
  header?: ReportHeader;
  /** Its passages: ids firstPassage … firstPassage + passages − 1. */
  firstPassage: number;
  passages: number;
  /** Number of pages, for reports that have pages (PDF). */
  pages?: number;
}

/** A report's cleaned text: passages, quotes and answer lines are slices of it. */
export interface ReportText {
  text: string;
  /** For reports with pages (PDF): where each page starts in `text`. */
  pageStarts?: number[];
}

/** A passage: a slice of its report's cleaned text, under a heading path. */
export interface PassageRecord {
  id: number;
  /** Index of its report in `reports()`. */
  report: number;
  start: number;
  end: number;
  /** The passage's text: reportText(report).text.slice(start, end). */
  text: string;
  /** Heading path, outermost first (empty before the first heading). */
  section: string[];
  /** Sentence spans as flat [start, end, start, end, …]. */
  sentences: number[];
}

/** A ranked passage: `score` is a cosine for dense search, a BM25 score for lexical search. */
export interface Hit {
  id: number;
  score: number;
}

/**
 * How many passages hold each token (document frequency), for the IDF weights of a question's words.
 * Tokens are those of src/language/text.ts (`indexTokens`): jieba words and Chinese character bigrams
 * of normalized text.
 */
export interface TermStatistics {
  /** Number of passages counted. */
  readonly total: number;
  /** Passages holding the token (0 when none). */
  get(token: string): number;
  /** Corpus words of two or three characters ending in `char`, most frequent first (a lone 村 asks about 行政村). */
  wordsEndingIn(char: string, limit?: number): string[];
  /** Inverse document frequency of a document frequency (always positive). */
  idf(df: number): number;
}

export interface IndexReader {
  readonly info: IndexInfo;
  /** Every report, in id order. */
  reports(): Promise<ReportInfo[]>;
  /** One report's cleaned text. */
  reportText(report: number): Promise<ReportText>;
  /** Passages by id, in the order asked. */
  passages(ids: readonly number[]): Promise<PassageRecord[]>;
  /** The stored (normalized) vectors of passages, in the order asked. */
  vectors(ids: readonly number[]): Promise<Float32Array[]>;
  /**
   * The k passages nearest to a (normalized) question vector by cosine, best first, ties by id; only
   * passages of the reports `within` when given.
   */
  denseSearch(vector: Float32Array, k: number, within?: readonly number[]): Promise<Hit[]>;
  /**
   * The k best passages by BM25 over weighted tokens (token → weight, a factor on its contribution),
   * best first, ties by id; only passages of the reports `within` when given.
   */
  lexicalSearch(terms: ReadonlyMap<string, number>, k: number, within?: readonly number[]): Promise<Hit[]>;
  /** Document frequencies of the index's tokens. */
  termStatistics(): Promise<TermStatistics>;
  /** English words → the corpus' Chinese words (CC-CEDICT glosses, place names by pinyin). */
  englishBridge(): Promise<EnglishBridge>;
  /** Releases what the reader holds open (files, connections). */
  close(): void;
}
