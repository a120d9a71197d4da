/**
 * The search facade: opens an index and answers questions.
 *
 *   question → analyze (words, English bridge) → dense (HNSW) + lexical (BM25)
 *            → reciprocal rank fusion → abstain rule → quotes → Answer
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import type { Span } from '../corpus/chunk.js';
import { pageAt, pagesWithin } from '../corpus/clean.js';
import { type Embedder, loadEmbedder } from '../embed/embedder.js';
import { DenseIndex, exactSearch } from '../index/hnsw.js';
import { FILES, IndexError, type Manifest, type PassageStore, readJson, readLive, VectorFile, verifyGeneration, verifyPassageStore } from '../index/store.js';
import { EMPTY_BRIDGE, type EnglishBridge, sharedGlossWords } from './english.js';
import { DocumentFrequencies, LexicalIndex } from './lexical.js';
import { isMetadataText } from '../corpus/report-header.js';
import { reportLabel, reportMeta } from '../corpus/report-meta.js';
import { ReportDirectory } from './named-reports.js';
import { type AnalyzedQuery, analyzeQuery, coverage } from './query.js';
import { extractQuote } from './quote.js';
import { normalize } from './text.js';
import type { Answer, ReportId, Result, SearchOptions, SourceInfo } from './types.js';

export interface Searcher {
  /** Answers a question: ranked quotes with sources, or abstained. Never throws on odd input. */
  search(question: string, options?: SearchOptions): Promise<Answer>;
  /** The reports in the index, with passage counts. */
  sources(): SourceInfo[];
  /** Labels of the reports a text names by place and year ("柏山镇", "Yantian 2019"); empty if none. */
  reportsNamed(text: string): string[];
  info(): { model: string; dim: number; passages: number; builtAt: string; generation: string };
  /** Ranked passage ids of one retriever alone (for benchmarks and diagnostics). */
  retrieve(question: string, mode: 'dense' | 'lexical' | 'hybrid', k: number): Promise<number[]>;
}

export interface OpenOptions {
  log?: (message: string) => void;
  /** An already loaded embedder (one model per process). */
  embedder?: Embedder;
  /**
   * Answer a few kinds of question once before returning: tables built on first use and code not yet
   * compiled would otherwise cost the first users 50–150 ms each. A serving process does this.
   */
  warmUp?: boolean;
}

/** Questions that go through every lazy path once: a lone noun, a word the reports lack, English. */
const WARM_UP_QUESTIONS = ['一共有几个村？', '骗子多不多', 'What was done about petitions?'];

/** Share of the final score that comes from how much of the question a passage covers. */
const COVERAGE_WEIGHT = 0.5;

/**
 * The three outcomes, from two signals that generalize (calibrated on all development sets together,
 * see README "Answer, caveat or refusal"): `dense`, the best cosine between the question and a shown
 * passage under the multilingual model, and `coverage`, the share of the question's content words
 * (IDF-weighted, question words and relative time excluded) in the best passage, its headings and title.
 * - refused: neither the meaning nor the words are near anything in the reports;
 * - high: the words are there and the meaning agrees, or the two retrievers agree on the passage;
 * - low: everything between — shown with a caveat, never refused.
 */
export const LEVELS = {
  /** Refused only when the best passage is also this far in meaning (and covers < ABSTAIN_BELOW). */
  refuseBelowDense: 0.87,
  /** An answer, without caveat, covers this much of the question … */
  highCoverage: 0.85,
  /** … and is this near in meaning, or is first for both retrievers. */
  highDense: 0.85,
};

/** A ranked candidate before quoting. */
interface Candidate {
  id: number;
  score: number;
}

/** Reciprocal rank fusion: each list adds weight / (k + rank). */
export function fuse(lists: { ids: number[]; weight: number }[], k: number): Candidate[] {
  const scores = new Map<number, number>();
  for (const { ids, weight } of lists) ids.forEach((id, rank) => scores.set(id, (scores.get(id) ?? 0) + weight / (k + rank + 1)));
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id);
}

class IndexSearcher implements Searcher {
  private readonly normalizedCache = new Map<number, string>();
  /** Normalized report titles, by doc index (computed on first use). */
  private titles: string[] | undefined;
  /** Place and year of each report, for questions that name one. */
  readonly directory: ReportDirectory;
  private readonly labels: string[];

  constructor(
    private readonly config: Config,
    private readonly manifest: Manifest,
    private readonly store: PassageStore,
    private readonly dense: DenseIndex,
    private readonly lexical: LexicalIndex,
    private readonly df: DocumentFrequencies,
    private readonly bridge: EnglishBridge,
    private readonly embedder: Embedder,
    /** The passage vectors on disk (for exact search among the passages of named reports). */
    private readonly vectors: VectorFile,
  ) {
    const metas = store.docs.map((d) => reportMeta(d.source, d.title));
    this.directory = new ReportDirectory(metas);
    this.labels = metas.map((m, i) => reportLabel(m, store.docs[i]!.title));
  }

  /** Passage ids of a report (a report's passages are contiguous). */
  private passagesOf(doc: number): number[] {
    const f = this.manifest.files[doc]!;
    return Array.from({ length: f.passages }, (_, i) => f.firstPassage + i);
  }

  info() {
    const m = this.manifest;
    return { model: m.model.id, dim: m.model.dim, passages: m.passageCount, builtAt: m.builtAt, generation: m.generation };
  }

  sources(): SourceInfo[] {
    return this.manifest.files.map((f) => ({ source: f.source, title: f.title, passages: f.passages, corpusDir: f.corpusDir }));
  }

  reportsNamed(text: string): string[] {
    return [...new Set(this.directory.resolve(normalize(text)).docs.map((d) => this.labels[d]!))];
  }

  private passageText(id: number): string {
    const p = this.store.passages[id]!;
    return this.store.docs[p.doc]!.text.slice(p.start, p.end);
  }

  /** Passage text with its report title and headings, normalized: what a question's words are looked for in. */
  private matchText(id: number): string {
    let text = this.normalizedCache.get(id);
    if (text === undefined) {
      const p = this.store.passages[id]!;
      const doc = this.store.docs[p.doc]!;
      text = normalize(`${doc.title}\n${p.section.join('\n')}\n${this.passageText(id)}`);
      if (this.normalizedCache.size > 20000) this.normalizedCache.clear();
      this.normalizedCache.set(id, text);
    }
    return text;
  }

  /** The one report asked for (by identity, never by a part of its name), or undefined for all. */
  private docsMatching(only?: ReportId): Set<number> | undefined {
    if (!only) return undefined;
    return new Set(this.store.docs.flatMap((d, i) => (d.corpusDir === only.corpusDir && d.source === only.source ? [i] : [])));
  }

  private normalizedTitles(): string[] {
    return (this.titles ??= this.store.docs.map((d) => normalize(d.title)));
  }

  private analyze(question: string, docs?: number[]): AnalyzedQuery {
    const titles = this.normalizedTitles();
    const bridge = this.config.search.englishBridge ? this.bridge : EMPTY_BRIDGE;
    const scope = docs?.length ? docs.flatMap((d) => this.passagesOf(d)).map((id) => this.matchText(id)) : undefined;
    return analyzeQuery(
      question,
      this.df,
      bridge,
      (w) => titles.some((t) => t.includes(w)),
      scope && ((w) => scope.some((t) => t.includes(w))),
      (w) => sharedGlossWords(w, this.bridge),
    );
  }

  /**
   * Dense and lexical rankings, fused. Within a few reports (a source filter, or the reports the
   * question names) dense search is an exact scan of their vectors: HNSW with a filter that keeps
   * 0.1 % of the points has to walk most of the graph.
   */
  private rank(query: AnalyzedQuery, mode: 'dense' | 'lexical' | 'hybrid', candidates: number, vectors: Float32Array[], only?: Set<number>) {
    const lists: { ids: number[]; weight: number }[] = [];
    const inDocs = only && ((id: number) => only.has(this.store.passages[id]!.doc));
    let dense: number[] = [];
    let lexical: number[] = [];
    if (mode !== 'lexical') {
      const blocks = only && [...only].map((d) => this.manifest.files[d]!).map((f) => ({ first: f.firstPassage, vectors: this.vectors.rows(f.firstPassage, f.passages) }));
      for (const vector of vectors) {
        const hits = only ? exactSearch(blocks!, this.dense.dim, vector, candidates) : this.dense.search(vector, candidates);
        if (dense.length === 0) dense = hits.map((h) => h.id);
        lists.push({ ids: hits.map((h) => h.id), weight: 1 / vectors.length });
      }
    }
    if (mode !== 'dense') {
      lexical = this.lexical.search(query.terms, candidates, inDocs).map((h) => h.id);
      lists.push({ ids: lexical, weight: this.config.search.lexicalWeight });
    }
    return { fused: fuse(lists, this.config.search.rrfK), dense, lexical };
  }

  /**
   * The question's vectors. An English question is embedded as asked and, when the bridge found
   * Chinese words for it, with them added: each finds what the other misses (measured on the dev sets).
   */
  private async queryVectors(query: AnalyzedQuery): Promise<Float32Array[]> {
    const texts = [...new Set([query.denseText, ...(query.english ? [query.question] : [])].filter(Boolean))];
    return Promise.all(texts.map((t) => this.embedder.embedQuery(t)));
  }

  /** Cosine between the question and a passage (both vectors are normalized). */
  private similarity(vector: Float32Array, id: number): number {
    const row = this.vectors.rows(id, 1);
    let dot = 0;
    for (let k = 0; k < row.length; k++) dot += vector[k]! * row[k]!;
    return dot;
  }

  async retrieve(question: string, mode: 'dense' | 'lexical' | 'hybrid', k: number): Promise<number[]> {
    const query = this.analyze(question);
    const named = this.directory.resolve(query.normalized).docs;
    const vectors = mode === 'lexical' ? [] : await this.queryVectors(query);
    return this.rank(query, mode, k, vectors, named.length ? new Set(named) : undefined).fused.slice(0, k).map((c) => c.id);
  }

  async search(question: string, options: SearchOptions = {}): Promise<Answer> {
    const s = this.config.search;
    const k = Math.max(1, Math.min(options.k ?? s.topK, 50));
    const notices: string[] = [];
    let asked = typeof question === 'string' ? question : String(question ?? '');
    if (asked.length > s.maxQuestionChars) {
      asked = asked.slice(0, s.maxQuestionChars);
      notices.push(`question shortened to ${s.maxQuestionChars} characters`);
    }
    let query = this.analyze(asked);
    const shortenedTo = asked.length < question.length ? asked.length : undefined;
    const none: Answer = { q: query.question, abstained: true, results: [], notices, confidence: 0, level: 'none', shortenedTo };
    if (query.concepts.length === 0) return none;

    // A report named by place and year is searched on its own; a year that place has no report for is said.
    const named = this.directory.resolve(query.normalized);
    if (named.missing && !options.onlyReport) return { ...none, missingReport: named.missing };
    if (query.english && named.docs.length && !options.onlyReport) query = this.analyze(asked, named.docs);
    const only = this.docsMatching(options.onlyReport) ?? (named.docs.length ? new Set(named.docs) : undefined);
    if (named.docs.length && !options.onlyReport) {
      // The words that named the report (史村镇, 2023年) are in every passage of it through its title:
      // within it they tell passages apart no more, and what the question asks about must decide.
      const titles = named.docs.map((d) => this.normalizedTitles()[d]!);
      const asked = query.concepts.filter((c) => !titles.some((t) => c.forms.some((f) => t.includes(f))));
      if (asked.length) query = { ...query, concepts: asked };
    }
    const vectors = await this.queryVectors(query);
    const ranked = this.rank(query, 'hybrid', Math.max(s.candidates, k), vectors, only);
    // Rerank: fused rank evidence and coverage together (coverage alone ties too often; rank alone
    // lets a passage that matches one rare word beat one that answers the whole question).
    const best = ranked.fused[0]?.score ?? 1;
    const scored = ranked.fused
      .slice(0, Math.max(s.candidates, k))
      // A report's title lines, signature and date are its metadata (for citations), never an answer.
      .filter((c) => !isMetadataText(this.passageText(c.id)))
      .map((c) => {
        const cov = coverage(this.matchText(c.id), query.concepts);
        return { id: c.id, coverage: cov, score: (1 - COVERAGE_WEIGHT) * (c.score / best) + COVERAGE_WEIGHT * cov };
      })
      .sort((a, b) => b.score - a.score || a.id - b.id);
    const top = scored.slice(0, k);
    const namedReports = named.docs.length && !options.onlyReport ? [...new Set(named.docs.map((d) => this.labels[d]!))] : undefined;
    if (top.length === 0) return { ...none, namedReports };

    const signals = {
      coverage: top.reduce((m, c) => Math.max(m, c.coverage), 0),
      dense: vectors.length ? Math.max(...top.slice(0, 3).map((c) => this.similarity(vectors[0]!, c.id))) : 0,
      agree: ranked.dense.slice(0, 3).includes(top[0]!.id) && ranked.lexical.slice(0, 3).includes(top[0]!.id),
    };
    const level = decideLevel(signals, s.abstainBelow, named.docs.length > 0);
    const confidence = signals.coverage;
    if (level === 'none') return { ...none, confidence, signals, namedReports };
    const results: Result[] = top.map((c, i) => this.toResult(c, i + 1, query));
    return { q: query.question, abstained: false, results, notices, confidence, level, signals, namedReports, shortenedTo };
  }

  private toResult(c: Candidate, rank: number, query: AnalyzedQuery): Result {
    const p = this.store.passages[c.id]!;
    const doc = this.store.docs[p.doc]!;
    const sentences: Span[] = [];
    for (let i = 0; i < p.sentences.length; i += 2) sentences.push({ start: p.sentences[i]!, end: p.sentences[i + 1]! });
    const quote = extractQuote(doc.text, sentences, query.concepts, this.config.search.quoteMaxChars, query.asksQuantity);
    return {
      rank,
      score: Number(c.score.toFixed(6)),
      source: doc.source,
      corpusDir: doc.corpusDir,
      title: doc.title,
      section: p.section.join(' > '),
      sectionPath: p.section,
      quote: quote.text,
      start: quote.start,
      end: quote.end,
      highlights: quote.highlights,
      passage: doc.text.slice(p.start, p.end),
      passageStart: p.start,
      passageEnd: p.end,
      passageId: c.id,
      ...(doc.pageStarts ? { page: pageAt(doc.pageStarts, quote.start), pages: pagesWithin(doc.pageStarts, p.start, p.end) } : {}),
    };
  }
}

/**
 * The outcome of a search from its signals. `abstainBelow` (ABSTAIN_BELOW) is the coverage under which
 * a question whose meaning is also far from every passage is refused; a question that names a report
 * is on that report's subject and is never refused for lack of words.
 */
export function decideLevel(signals: NonNullable<Answer['signals']>, abstainBelow: number, namesReport: boolean): Answer['level'] {
  const { coverage, dense, agree } = signals;
  if (!namesReport && coverage < abstainBelow && dense < LEVELS.refuseBelowDense) return 'none';
  if (coverage >= LEVELS.highCoverage && (dense >= LEVELS.highDense || agree)) return 'high';
  return 'low';
}

/**
 * Opens the live index in config.indexDir. Throws IndexError with a one-line reason (and what to run)
 * when it cannot: missing, damaged, built with another model, or parts out of step with each other.
 */
export async function openSearcher(config: Config, options: OpenOptions = {}): Promise<Searcher> {
  const live = readLive(config.indexDir);
  if (!live) throw new IndexError(`no index at ${config.indexDir}; run \`npm run ingest\` first`);
  const { dir, manifest } = live;
  const embedder = options.embedder ?? (await loadEmbedder(config.model, options.log));
  if (embedder.modelId !== manifest.model.id || embedder.dim !== manifest.model.dim) {
    throw new IndexError(
      `the index was built with model ${manifest.model.id} (${manifest.model.dim} dims) but the model now is ${embedder.modelId} (${embedder.dim} dims); run \`npm run ingest\` to rebuild it`,
    );
  }
  verifyGeneration(dir, manifest);
  const outOfStep = (what: string) => new IndexError(`the index is damaged (${what} does not match the manifest); run \`npm run ingest\` to rebuild it`);
  const store = readJson<PassageStore>(path.join(dir, FILES.passages));
  verifyPassageStore(manifest, store);
  const dense = DenseIndex.load(path.join(dir, FILES.hnsw), manifest.model.dim, manifest.passageCount, config.hnsw.efSearch);
  let lexical: LexicalIndex;
  try {
    lexical = LexicalIndex.fromBuffer(readIndexFile(path.join(dir, FILES.lexical)));
  } catch (err) {
    throw err instanceof IndexError ? err : new IndexError(`the lexical index is corrupt (${(err as Error).message}); run \`npm run ingest\` to rebuild it`);
  }
  if (lexical.size !== manifest.passageCount) throw outOfStep('the lexical index');
  const terms = readJson<{ df: { total: number; df: Record<string, number> }; bridge: EnglishBridge }>(path.join(dir, FILES.terms));
  if (terms?.df?.total !== manifest.passageCount) throw outOfStep('the term statistics');
  const vectors = VectorFile.open(dir, manifest.passageCount, manifest.model.dim);
  let df: DocumentFrequencies;
  try {
    df = DocumentFrequencies.fromJSON(terms.df, lexical);
  } catch {
    throw outOfStep('the term statistics');
  }
  const searcher = new IndexSearcher(config, manifest, store, dense, lexical, df, terms.bridge ?? EMPTY_BRIDGE, embedder, vectors);
  if (options.warmUp) for (const question of WARM_UP_QUESTIONS) await searcher.search(question);
  return searcher;
}

function readIndexFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new IndexError(`index file ${path.basename(file)} is missing (${(err as Error).message}); run \`npm run ingest\` to rebuild it`);
  }
}
