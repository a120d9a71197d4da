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
import { DenseIndex } from '../index/hnsw.js';
import { EmbeddedRetrieval, type PassageRetrieval } from '../index/retrieval.js';
import { FILES, IndexError, type Manifest, type PassageStore, readJson, readLive, VectorFile, verifyGeneration, verifyPassageStore } from '../index/store.js';
import { EMPTY_BRIDGE, type EnglishBridge, sharedGlossWords } from './english.js';
import { DocumentFrequencies, LexicalIndex } from './lexical.js';
import { isMetadataText } from '../corpus/report-header.js';
import { reportLabel, reportMeta } from '../corpus/report-meta.js';
import { ReportDirectory } from './named-reports.js';
import { type AnalyzedQuery, analyzeQuery, containsForm, coverage } from './query.js';
import { countedThing } from './question-kind.js';
import { extractQuote } from './quote.js';
import { headerLinesFor, reportAttribute } from './report-questions.js';
import { answerSpan } from './answer-span.js';
import {
  CAVEAT_FEATURES,
  caveatFeatures,
  caveatProbability,
  linearScore,
  loadRanker,
  type PassageView,
  type RankerModel,
  type SentenceView,
  sentenceFeatures,
  softmax,
  viewQuestion,
} from './sentence-ranker.js';
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
  /** A passage's report and that report's cleaned text (offsets of results and `explain` point into it). */
  passage(id: number): { source: string; corpusDir: string; text: string };
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
  /** The sentence the second stage chose in it (cleaned-text offsets), when it ran. */
  anchor?: { start: number; end: number };
}

/** Sentence vectors kept between questions (a few MB): the same passages come back often. */
const SENTENCE_CACHE_SIZE = 4000;

/** Reciprocal rank fusion: each list adds weight / (k + rank). */
export function fuse(lists: { ids: number[]; weight: number }[], k: number): Candidate[] {
  const scores = new Map<number, number>();
  for (const { ids, weight } of lists) ids.forEach((id, rank) => scores.set(id, (scores.get(id) ?? 0) + weight / (k + rank + 1)));
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id);
}

class IndexSearcher implements Searcher {
  private readonly normalizedCache = new Map<number, string>();
  private readonly sentenceVectors = new Map<string, Float32Array>();
  /** Normalized report titles, by doc index (computed on first use). */
  private titles: string[] | undefined;
  /** Place and year of each report, for questions that name one. */
  readonly directory: ReportDirectory;
  private readonly labels: string[];

  constructor(
    private readonly config: Config,
    private readonly manifest: Manifest,
    private readonly store: PassageStore,
    /** Dense and lexical top-k and passage vectors: the embedded index or a search engine. */
    private readonly retrieval: PassageRetrieval,
    private readonly df: DocumentFrequencies,
    private readonly bridge: EnglishBridge,
    private readonly embedder: Embedder,
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

  passage(id: number) {
    const doc = this.store.docs[this.store.passages[id]!.doc]!;
    return { source: doc.source, corpusDir: doc.corpusDir, text: doc.text };
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
  private async rank(query: AnalyzedQuery, mode: 'dense' | 'lexical' | 'hybrid', candidates: number, vectors: Float32Array[], only?: Set<number>) {
    const lists: { ids: number[]; weight: number }[] = [];
    // Both retrievers at once: on a search engine each is a round trip.
    const [denseLists, lexical] = await Promise.all([
      mode === 'lexical' ? [] : Promise.all(vectors.map((v) => this.retrieval.dense(v, candidates, only).then((hits) => hits.map((h) => h.id)))),
      mode === 'dense' ? [] : this.retrieval.lexical(query.terms, candidates, only).then((hits) => hits.map((h) => h.id)),
    ]);
    for (const ids of denseLists) lists.push({ ids, weight: 1 / vectors.length });
    if (mode !== 'dense') lists.push({ ids: lexical, weight: this.config.search.lexicalWeight });
    return { fused: fuse(lists, this.config.search.rrfK), dense: denseLists[0] ?? [], lexical };
  }

  /**
   * The question's vectors. An English question is embedded as asked and, when the bridge found
   * Chinese words for it, with them added: each finds what the other misses (measured on the dev sets).
   */
  private async queryVectors(query: AnalyzedQuery): Promise<Float32Array[]> {
    const texts = [...new Set([query.denseText, ...(query.english ? [query.question] : [])].filter(Boolean))];
    return Promise.all(texts.map((t) => this.embedder.embedQuery(t)));
  }

  /** Cosines between the question and some passages (all vectors are normalized), fetched in one go. */
  private async similarities(vector: Float32Array | undefined, ids: number[]): Promise<(id: number) => number> {
    if (!vector) return () => 0;
    const rows = await this.retrieval.vectors([...new Set(ids)]);
    return (id) => {
      const row = rows.get(id)!;
      let dot = 0;
      for (let k = 0; k < row.length; k++) dot += vector[k]! * row[k]!;
      return dot;
    };
  }

  async retrieve(question: string, mode: 'dense' | 'lexical' | 'hybrid', k: number): Promise<number[]> {
    const query = this.analyze(question);
    const named = this.directory.resolve(query.normalized).docs;
    const vectors = mode === 'lexical' ? [] : await this.queryVectors(query);
    return (await this.rank(query, mode, k, vectors, named.length ? new Set(named) : undefined)).fused.slice(0, k).map((c) => c.id);
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
    // A question about the report itself (its date, issuer, addressee …) is answered from its header lines.
    const about = only?.size === 1 ? this.aboutReport(asked, [...only][0]!, query) : undefined;
    if (about) return { ...about, notices, shortenedTo, namedReports: named.docs.length && !options.onlyReport ? [this.labels[[...only!][0]!]!] : undefined };
    if (named.docs.length && !options.onlyReport) {
      // The words that named the report (史村镇, 2023年) are in every passage of it through its title:
      // within it they tell passages apart no more, and what the question asks about must decide.
      const titles = named.docs.map((d) => this.normalizedTitles()[d]!);
      const asked = query.concepts.filter((c) => !titles.some((t) => c.forms.some((f) => t.includes(f))));
      if (asked.length) query = { ...query, concepts: asked };
    }
    const vectors = await this.queryVectors(query);
    const ranked = await this.rank(query, 'hybrid', Math.max(s.candidates, k), vectors, only);
    // Rerank: fused rank evidence and coverage together (coverage alone ties too often; rank alone
    // lets a passage that matches one rare word beat one that answers the whole question).
    const best = ranked.fused[0]?.score ?? 1;
    const scored = ranked.fused
      .slice(0, Math.max(s.candidates, k))
      // A report's title lines, signature and date are its metadata (for citations), never an answer.
      .filter((c) => !isMetadataText(this.passageText(c.id)))
      .map((c) => {
        const cov = coverage(this.matchText(c.id), query.concepts);
        return { id: c.id, coverage: cov, fused: c.score / best, score: (1 - COVERAGE_WEIGHT) * (c.score / best) + COVERAGE_WEIGHT * cov };
      })
      .sort((a, b) => b.score - a.score || a.id - b.id);
    const namedReports = named.docs.length && !options.onlyReport ? [...new Set(named.docs.map((d) => this.labels[d]!))] : undefined;
    if (scored.length === 0) return { ...none, namedReports };

    const dense = await this.similarities(vectors[0], [...scored.slice(0, 3), ...scored.slice(0, s.secondStagePassages)].map((c) => c.id));
    const signals = {
      coverage: scored.slice(0, k).reduce((m, c) => Math.max(m, c.coverage), 0),
      dense: vectors.length ? Math.max(...scored.slice(0, 3).map((c) => dense(c.id))) : 0,
      agree: ranked.dense.slice(0, 3).includes(scored[0]!.id) && ranked.lexical.slice(0, 3).includes(scored[0]!.id),
    };
    let level = decideLevel(signals, s.abstainBelow, named.docs.length > 0);
    const confidence = signals.coverage;
    if (level === 'none') return { ...none, confidence, signals, namedReports };

    // Second stage: the sentences of the best few passages decide the order, the quotes and the caveat.
    const ranker = options.ranker === null ? undefined : (options.ranker ?? this.defaultRanker());
    const second = s.secondStagePassages > 0 ? await this.secondStage(query, scored, ranked, vectors, dense, named.docs.length > 0, ranker) : undefined;
    const order: Candidate[] = second?.order ?? scored;
    if (second?.rightProbability !== undefined && ranker) level = second.rightProbability >= ranker.caveat.threshold ? 'high' : 'low';
    const results: Result[] = order.slice(0, k).map((c, i) => this.toResult(c, i + 1, query));
    const terms = query.english && results[0] ? termsIn(normalize(results[0].quote), query) : undefined;
    return {
      ...(terms?.length ? { terms } : {}),
      q: query.question,
      abstained: false,
      results,
      notices,
      confidence,
      level,
      signals: { ...signals, ...(second?.rightProbability !== undefined ? { right: second.rightProbability } : {}) },
      namedReports,
      shortenedTo,
      ...(options.explain && second ? { explain: second.explain } : {}),
    };
  }

  /**
   * Scores the sentences of the best few passages (sentence-ranker.ts) and reorders those passages by
   * their best sentence. Without a fitted model the first-stage order stays and only the features are
   * made (for `explain`, which the fitting tool reads).
   */
  private async secondStage(
    query: AnalyzedQuery,
    scored: (Candidate & { coverage: number; fused: number })[],
    ranked: { dense: number[]; lexical: number[] },
    vectors: Float32Array[],
    /** Cosine with the question of each of the best passages. */
    dense: (id: number) => number,
    named: boolean,
    ranker: RankerModel | undefined,
  ) {
    const s = this.config.search;
    const pool = scored.slice(0, s.secondStagePassages);
    const passages = new Map<number, PassageView>();
    const sentences: SentenceView[] = [];
    pool.forEach((c, rank) => {
      const p = this.store.passages[c.id]!;
      const doc = this.store.docs[p.doc]!;
      passages.set(c.id, {
        id: c.id,
        rank,
        fused: c.fused,
        coverage: c.coverage,
        dense: dense(c.id),
        agree: ranked.dense.slice(0, 3).includes(c.id) && ranked.lexical.slice(0, 3).includes(c.id),
        headings: normalize(`${doc.title}\n${p.section.join('\n')}`),
      });
      for (let i = 0; i < p.sentences.length; i += 2) {
        const start = p.sentences[i]!;
        const end = p.sentences[i + 1]!;
        const text = doc.text.slice(start, end);
        if (text.trim().length < 4 || isMetadataText(text)) continue;
        sentences.push({ passage: c.id, start, end, text, index: i / 2, dense: 0 });
      }
    });
    // Bounded: the best passages' sentences first (pool order), so a long passage cannot crowd out the rest.
    const chosen = sentences.slice(0, s.secondStageSentences);
    if (chosen.length === 0) return undefined;
    if (s.secondStageEmbed) await this.sentenceDense(chosen, vectors[0]);
    else for (const x of chosen) x.dense = passages.get(x.passage)!.dense;
    const placeWords = this.directory.mentions(query.normalized).map((m) => m.alias);
    const view = viewQuestion(query.question, query.normalized, query.concepts, query.english, placeWords);
    const features = sentenceFeatures(view, passages, chosen);
    const explain = { candidates: chosen.map((c, i) => ({ passageId: c.passage, start: c.start, end: c.end, features: features[i]! })) };
    if (!ranker) return { order: undefined, rightProbability: undefined, explain };

    const scores = features.map((x) => linearScore(ranker, x));
    const probs = softmax(scores);
    const bestOf = new Map<number, number>();
    scores.forEach((score, i) => {
      const id = chosen[i]!.passage;
      const b = bestOf.get(id);
      if (b === undefined || score > scores[b]!) bestOf.set(id, i);
    });
    // Ordered by the best sentence; `score` stays the first stage's (the relevance cut reads it on its scale).
    const firstScore = new Map(pool.map((c) => [c.id, c.score]));
    const reranked: Candidate[] = [...bestOf]
      .sort((a, b) => scores[b[1]]! - scores[a[1]]! || a[0] - b[0])
      .map(([id, i]) => ({ id, score: firstScore.get(id)!, anchor: { start: chosen[i]!.start, end: chosen[i]!.end } }));
    const rest = scored.filter((c) => !bestOf.has(c.id));
    const winner = chosen.findIndex((c) => c.start === reranked[0]!.anchor!.start && c.passage === reranked[0]!.id);
    // Does the winner's answer line hold what the question asks for (a figure, a date, a place, an office)?
    const w = chosen[winner]!;
    const line = answerSpan(query.question, { quote: w.text, start: w.start, highlights: [], source: this.store.docs[this.store.passages[w.passage]!.doc]!.source });
    const lineEvidence = !line || !['number', 'date', 'place', 'reason', 'who'].includes(line.kind) || line.focus.start !== line.start || line.focus.end !== line.end;
    const caveat = caveatFeatures(probs, scores, winner, features[winner]!, query.english, named, lineEvidence);
    const covered = caveat[CAVEAT_FEATURES.indexOf('p_cov')]! >= (ranker.caveat?.minCoverage ?? 0);
    // Below the coverage gate the answer is never confident: it shares the topic, not the question's words.
    // A counting question answered by a line that does not name what it counts (几个派出所 → "27个行政村")
    // counts something else: never confident, like an answer below the coverage gate.
    const counted = countedThing(query.question);
    const namesCounted = !counted || query.english || (line !== undefined && containsForm(normalize(line.text), counted));
    const probability = ranker.caveat ? caveatProbability(ranker, caveat) : undefined;
    const rightProbability = probability === undefined || (covered && namesCounted) ? probability : Math.min(probability, ranker.caveat.threshold - 1e-6);
    return { order: [...reranked, ...rest], rightProbability, explain: { ...explain, winner, caveat, namesCounted } };
  }

  /** data/ranker.json when it was fitted with this index's embedding model (else no second-stage model). */
  private defaultRanker(): RankerModel | undefined {
    const model = loadRanker();
    return model?.model === this.manifest.model.id ? model : undefined;
  }

  /** The answer to a question about a report itself from its header or signature lines, or undefined. */
  private aboutReport(question: string, doc: number, query: AnalyzedQuery): Answer | undefined {
    const attribute = reportAttribute(question);
    if (!attribute) return undefined;
    const text = this.store.docs[doc]!.text;
    const found = headerLinesFor(text, attribute);
    if (found.length === 0) return undefined;
    const start = found[0]!.start;
    const end = found[found.length - 1]!.end;
    const f = this.manifest.files[doc]!;
    const ids = this.passagesOf(doc);
    const id = ids.find((i) => this.store.passages[i]!.start <= start && start < this.store.passages[i]!.end) ?? (start > text.length / 2 ? ids[ids.length - 1]! : f.firstPassage);
    const result = this.toResult({ id, score: 1 }, 1, query);
    const span = { text: text.slice(start, end), start, end, focus: { start, end }, kind: 'other' as const };
    const quoted: Result = { ...result, quote: span.text, start, end, highlights: [{ start, end }], answer: span, section: '', sectionPath: [] };
    if (this.store.docs[doc]!.pageStarts) quoted.page = pageAt(this.store.docs[doc]!.pageStarts!, start);
    return { q: query.question, abstained: false, results: [quoted], notices: [], confidence: 1, level: 'high' };
  }

  /** Fills in each sentence's cosine with the question (sentences embedded as passages, cached). */
  private async sentenceDense(sentences: SentenceView[], vector: Float32Array | undefined): Promise<void> {
    if (!vector) return;
    const key = (x: SentenceView) => `${x.passage}:${x.start}`;
    if (this.sentenceVectors.size + sentences.length > SENTENCE_CACHE_SIZE) this.sentenceVectors.clear();
    const missing = sentences.filter((x) => !this.sentenceVectors.has(key(x)));
    if (missing.length) {
      const embedded = await this.embedder.embedPassages(missing.map((x) => x.text));
      missing.forEach((x, i) => this.sentenceVectors.set(key(x), embedded[i]!));
    }
    for (const x of sentences) {
      const row = this.sentenceVectors.get(key(x))!;
      let dot = 0;
      for (let j = 0; j < row.length; j++) dot += vector[j]! * row[j]!;
      x.dense = dot;
    }
  }

  private toResult(c: Candidate, rank: number, query: AnalyzedQuery): Result {
    const p = this.store.passages[c.id]!;
    const doc = this.store.docs[p.doc]!;
    const sentences: Span[] = [];
    for (let i = 0; i < p.sentences.length; i += 2) sentences.push({ start: p.sentences[i]!, end: p.sentences[i + 1]! });
    const anchor = c.anchor ? sentences.findIndex((x) => x.start === c.anchor!.start) : -1;
    const quote = extractQuote(doc.text, sentences, query.concepts, this.config.search.quoteMaxChars, query.asksQuantity, anchor >= 0 ? anchor : undefined);
    // The answer line is taken from the sentence the second stage chose (else from the whole quote).
    const span = answerSpan(
      query.question,
      { quote: quote.text, start: quote.start, highlights: quote.highlights, source: doc.source },
      { anchor: anchor >= 0 ? c.anchor : undefined, words: query.english ? query.concepts.flatMap((x) => x.forms) : undefined },
    );
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
      ...(span ? { answer: span } : {}),
      ...(doc.pageStarts ? { page: pageAt(doc.pageStarts, quote.start), pages: pagesWithin(doc.pageStarts, p.start, p.end) } : {}),
    };
  }
}

/** An English question's words beside the reports' Chinese terms they matched in a quote (at most three). */
function termsIn(quote: string, query: AnalyzedQuery): { asked: string; term: string }[] {
  const out: { asked: string; term: string }[] = [];
  for (const c of query.concepts) {
    if (!/[a-z]/i.test(c.label)) continue;
    const term = c.forms.find((f) => /[\u4e00-\u9fff]/.test(f) && quote.includes(f));
    if (term && !out.some((t) => t.term === term)) out.push({ asked: c.label, term });
    if (out.length === 3) break;
  }
  return out;
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
  if (config.backend.kind === 'opensearch') return (await import('../index/opensearch/open.js')).openOpenSearchSearcher(config, options);
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
  const retrieval = new EmbeddedRetrieval(manifest, (id) => store.passages[id]!.doc, dense, lexical, vectors);
  return searcherOver({ config, manifest, store, retrieval, df, bridge: terms.bridge ?? EMPTY_BRIDGE, embedder }, options);
}

/** The parts a searcher is made of, however they were read (index/ on disk, or a search engine). */
export interface SearcherParts {
  config: Config;
  manifest: Manifest;
  store: PassageStore;
  retrieval: PassageRetrieval;
  df: DocumentFrequencies;
  bridge: EnglishBridge;
  embedder: Embedder;
}

/** A searcher over opened parts, warmed up when asked. */
export async function searcherOver(p: SearcherParts, options: OpenOptions = {}): Promise<Searcher> {
  const searcher = new IndexSearcher(p.config, p.manifest, p.store, p.retrieval, p.df, p.bridge, p.embedder);
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
