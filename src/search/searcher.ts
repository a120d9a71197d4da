/**
 * The search facade: opens an index and answers questions.
 *
 *   question → analyze (words, English bridge) → dense (HNSW) + lexical (BM25)
 *            → reciprocal rank fusion → abstain rule → quotes → Answer
 */
import type { Config } from '../config.js';
import type { Span } from '../corpus/chunk.js';
import { pageAt, pagesWithin } from '../corpus/clean.js';
import { type Embedder, loadEmbedder } from '../embed/embedder.js';
import { openIndexReader } from '../index/open-reader.js';
import { IndexError, type IndexInfo, type IndexReader, type PassageRecord, type ReportInfo, type ReportText, type TermStatistics } from '../index/reader.js';
import { EMPTY_BRIDGE, type EnglishBridge, sharedGlossWords } from '../language/english.js';
import { isMetadataText } from '../corpus/report-header.js';
import { reportLabel, reportMeta } from '../corpus/report-meta.js';
import { ReportDirectory } from './named-reports.js';
import { type AnalyzedQuery, analyzeQuery, containsForm, coverage } from './query.js';
import { countedThing } from './question-kind.js';
import { extractQuote } from './quote.js';
import { headerLinesFor, reportAttribute } from './report-questions.js';
import { answerSpan, type LineModel } from './answer-span.js';
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
import { normalize } from '../language/text.js';
import type { Answer, ReportId, Result, SearchOptions, SourceInfo } from './types.js';

export interface Searcher {
  /** Answers a question: ranked quotes with sources, or abstained. Never throws on odd input. */
  search(question: string, options?: SearchOptions): Promise<Answer>;
  /** The reports in the index, with passage counts. */
  sources(): SourceInfo[];
  /** Labels of the reports a text names by place and year ("柏山镇", "Yantian 2019"); empty if none. */
  reportsNamed(text: string): string[];
  info(): { model: string; dim: number; passages: number; builtAt: string; generation: string };
  /**
   * A passage's report and that report's cleaned text (offsets of results and `explain` point into it),
   * for a passage of a recent answer (its report's text is what the answer was quoted from).
   */
  passage(id: number): { source: string; corpusDir: string; text: string };
  /** Ranked passage ids of one retriever alone (for benchmarks and diagnostics). */
  retrieve(question: string, mode: 'dense' | 'lexical' | 'hybrid', k: number): Promise<number[]>;
}

export interface OpenOptions {
  log?: (message: string) => void;
  /** An already loaded embedder (one model per process). */
  embedder?: Embedder;
  /** Another index than the generation folder in config.indexDir (a search engine backend). */
  reader?: IndexReader;
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

/** Report texts kept between questions (a remote index sends each once): more than the seeds and corpus-large hold. */
const REPORT_TEXT_CACHE_SIZE = 512;

/**
 * What one question has read from the index: passages, report texts and vectors, fetched in batches
 * (one round trip each for a remote index) and then read synchronously. Each question has its own, so
 * that questions answered at once never see each other's data come and go.
 */
class Fetched {
  private readonly passageById = new Map<number, PassageRecord>();
  private readonly textOf = new Map<number, ReportText>();
  private readonly vectorById = new Map<number, Float32Array>();

  constructor(
    private readonly reader: IndexReader,
    private readonly texts: Map<number, ReportText>,
  ) {}

  /** Fetches the passages not fetched yet (and, with `withTexts`, their reports' texts). */
  async load(ids: Iterable<number>, withTexts = false): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.passageById.has(id));
    if (missing.length) for (const p of await this.reader.passages(missing)) this.passageById.set(p.id, p);
    if (withTexts) await this.loadTexts([...new Set(ids)].map((id) => this.passage(id).report));
  }

  async loadTexts(reports: Iterable<number>): Promise<void> {
    for (const report of new Set(reports)) {
      if (this.textOf.has(report)) continue;
      let text = this.texts.get(report);
      if (!text) {
        text = await this.reader.reportText(report);
        if (this.texts.size >= REPORT_TEXT_CACHE_SIZE) this.texts.delete(this.texts.keys().next().value!);
        this.texts.set(report, text);
      }
      this.textOf.set(report, text);
    }
  }

  async loadVectors(ids: Iterable<number>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.vectorById.has(id));
    if (missing.length) (await this.reader.vectors(missing)).forEach((v, i) => this.vectorById.set(missing[i]!, v));
  }

  passage(id: number): PassageRecord {
    return this.passageById.get(id)!;
  }

  text(report: number): ReportText {
    return this.textOf.get(report)!;
  }

  vector(id: number): Float32Array {
    return this.vectorById.get(id)!;
  }
}

class IndexSearcher implements Searcher {
  private readonly normalizedCache = new Map<number, string>();
  private readonly sentenceVectors = new Map<string, Float32Array>();
  /** Report texts read lately, shared by the questions (see Fetched). */
  private readonly reportTexts = new Map<number, ReportText>();
  /** Normalized report titles, by doc index (computed on first use). */
  private titles: string[] | undefined;
  /** Place and year of each report, for questions that name one. */
  readonly directory: ReportDirectory;
  private readonly labels: string[];

  constructor(
    private readonly config: Config,
    private readonly reader: IndexReader,
    private readonly reports: ReportInfo[],
    private readonly df: TermStatistics,
    private readonly bridge: EnglishBridge,
    private readonly embedder: Embedder,
  ) {
    const metas = reports.map((d) => reportMeta(d.source, d.title));
    this.directory = new ReportDirectory(metas);
    this.labels = metas.map((m, i) => reportLabel(m, reports[i]!.title));
  }

  /** Passage ids of a report (a report's passages are contiguous). */
  private passagesOf(doc: number): number[] {
    const f = this.reports[doc]!;
    return Array.from({ length: f.passages }, (_, i) => f.firstPassage + i);
  }

  private fetched(): Fetched {
    return new Fetched(this.reader, this.reportTexts);
  }

  info() {
    const i = this.reader.info;
    return { model: i.model.id, dim: i.model.dim, passages: i.passageCount, builtAt: i.builtAt, generation: i.generation };
  }

  sources(): SourceInfo[] {
    return this.reports.map((f) => ({ source: f.source, title: f.title, passages: f.passages, corpusDir: f.corpusDir }));
  }

  passage(id: number) {
    const doc = this.reports.findIndex((r) => id >= r.firstPassage && id < r.firstPassage + r.passages);
    const text = this.reportTexts.get(doc);
    if (!text) throw new Error(`passage ${id} is not from a recent answer (its report's text is not at hand)`);
    return { source: this.reports[doc]!.source, corpusDir: this.reports[doc]!.corpusDir, text: text.text };
  }

  reportsNamed(text: string): string[] {
    return [...new Set(this.directory.resolve(normalize(text)).docs.map((d) => this.labels[d]!))];
  }

  /** Passage text with its report title and headings, normalized: what a question's words are looked for in. */
  private matchText(fetched: Fetched, id: number): string {
    let text = this.normalizedCache.get(id);
    if (text === undefined) {
      const p = fetched.passage(id);
      text = normalize(`${this.reports[p.report]!.title}\n${p.section.join('\n')}\n${p.text}`);
      if (this.normalizedCache.size > 20000) this.normalizedCache.clear();
      this.normalizedCache.set(id, text);
    }
    return text;
  }

  /** The one report asked for (by identity, never by a part of its name), or undefined for all. */
  private docsMatching(only?: ReportId): Set<number> | undefined {
    if (!only) return undefined;
    return new Set(this.reports.flatMap((d, i) => (d.corpusDir === only.corpusDir && d.source === only.source ? [i] : [])));
  }

  private normalizedTitles(): string[] {
    return (this.titles ??= this.reports.map((d) => normalize(d.title)));
  }

  /** The question's words, weighted; within the reports `docs` (an English question naming them), their passages' words only. */
  private async analyze(fetched: Fetched, question: string, docs?: number[]): Promise<AnalyzedQuery> {
    const titles = this.normalizedTitles();
    const bridge = this.config.search.englishBridge ? this.bridge : EMPTY_BRIDGE;
    const ids = docs?.length ? docs.flatMap((d) => this.passagesOf(d)) : undefined;
    if (ids) await fetched.load(ids);
    const scope = ids?.map((id) => this.matchText(fetched, id));
    return analyzeQuery(
      question,
      this.df,
      bridge,
      (w) => titles.some((t) => t.includes(w)),
      scope && ((w) => scope.some((t) => t.includes(w))),
      (w) => sharedGlossWords(w, this.bridge),
    );
  }

  /** Dense and lexical rankings, fused; within the reports `only` when given. */
  private async rank(query: AnalyzedQuery, mode: 'dense' | 'lexical' | 'hybrid', candidates: number, vectors: Float32Array[], only?: Set<number>) {
    const lists: { ids: number[]; weight: number }[] = [];
    const within = only && [...only];
    // Every retriever call at once: on a search engine each is a round trip.
    const ids = (hits: Promise<{ id: number }[]>) => hits.then((h) => h.map((x) => x.id));
    const [denseLists, lexical] = await Promise.all([
      Promise.all(mode === 'lexical' ? [] : vectors.map((v) => ids(this.reader.denseSearch(v, candidates, within)))),
      mode === 'dense' ? [] : ids(this.reader.lexicalSearch(query.terms, candidates, within)),
    ]);
    for (const dense of denseLists) lists.push({ ids: dense, weight: 1 / vectors.length });
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

  /** Cosine between the question and a fetched passage vector (both vectors are normalized). */
  private similarity(fetched: Fetched, vector: Float32Array, id: number): number {
    const row = fetched.vector(id);
    let dot = 0;
    for (let k = 0; k < row.length; k++) dot += vector[k]! * row[k]!;
    return dot;
  }

  async retrieve(question: string, mode: 'dense' | 'lexical' | 'hybrid', k: number): Promise<number[]> {
    const query = await this.analyze(this.fetched(), question);
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
    const fetched = this.fetched();
    let query = await this.analyze(fetched, asked);
    const shortenedTo = asked.length < question.length ? asked.length : undefined;
    const none: Answer = { q: query.question, abstained: true, results: [], notices, confidence: 0, level: 'none', shortenedTo };
    if (query.concepts.length === 0) return none;

    // A report named by place and year is searched on its own; a year that place has no report for is said.
    const named = this.directory.resolve(query.normalized);
    if (named.missing && !options.onlyReport) return { ...none, missingReport: named.missing };
    if (query.english && named.docs.length && !options.onlyReport) query = await this.analyze(fetched, asked, named.docs);
    const only = this.docsMatching(options.onlyReport) ?? (named.docs.length ? new Set(named.docs) : undefined);
    // A question about the report itself (its date, issuer, addressee …) is answered from its header lines.
    const about = only?.size === 1 ? await this.aboutReport(fetched, asked, [...only][0]!, query) : undefined;
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
    const pool = ranked.fused.slice(0, Math.max(s.candidates, k));
    await fetched.load(pool.map((c) => c.id));
    // Rerank: fused rank evidence and coverage together (coverage alone ties too often; rank alone
    // lets a passage that matches one rare word beat one that answers the whole question).
    const best = ranked.fused[0]?.score ?? 1;
    const scored = pool
      // A report's title lines, signature and date are its metadata (for citations), never an answer.
      .filter((c) => !isMetadataText(fetched.passage(c.id).text))
      .map((c) => {
        const cov = coverage(this.matchText(fetched, c.id), query.concepts);
        return { id: c.id, coverage: cov, fused: c.score / best, score: (1 - COVERAGE_WEIGHT) * (c.score / best) + COVERAGE_WEIGHT * cov };
      })
      .sort((a, b) => b.score - a.score || a.id - b.id);
    const namedReports = named.docs.length && !options.onlyReport ? [...new Set(named.docs.map((d) => this.labels[d]!))] : undefined;
    if (scored.length === 0) return { ...none, namedReports };

    if (vectors.length) await fetched.loadVectors(scored.slice(0, Math.max(3, s.secondStagePassages)).map((c) => c.id));
    const dense = (id: number) => (vectors.length ? this.similarity(fetched, vectors[0]!, id) : 0);
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
    const second = s.secondStagePassages > 0 ? await this.secondStage(fetched, query, scored, ranked, vectors, named.docs.length > 0, ranker) : undefined;
    const order: Candidate[] = second?.order ?? scored;
    if (second?.rightProbability !== undefined && ranker) level = second.rightProbability >= ranker.caveat.threshold ? 'high' : 'low';
    await fetched.load(order.slice(0, k).map((c) => c.id), true);
    const results: Result[] = order.slice(0, k).map((c, i) => this.toResult(fetched, c, i + 1, query, ranker?.line));
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
      ...(options.explain && second ? { explain: { ...second.explain, firstLine: { anchor: order[0]?.anchor, words: bridgedWords(query) } } } : {}),
    };
  }

  /**
   * Scores the sentences of the best few passages (sentence-ranker.ts) and reorders those passages by
   * their best sentence. Without a fitted model the first-stage order stays and only the features are
   * made (for `explain`, which the fitting tool reads).
   */
  private async secondStage(
    fetched: Fetched,
    query: AnalyzedQuery,
    scored: (Candidate & { coverage: number; fused: number })[],
    ranked: { dense: number[]; lexical: number[] },
    vectors: Float32Array[],
    named: boolean,
    ranker: RankerModel | undefined,
  ) {
    const s = this.config.search;
    const pool = scored.slice(0, s.secondStagePassages);
    await fetched.load(pool.map((c) => c.id), true);
    const passages = new Map<number, PassageView>();
    const sentences: SentenceView[] = [];
    pool.forEach((c, rank) => {
      const p = fetched.passage(c.id);
      const text = fetched.text(p.report).text;
      passages.set(c.id, {
        id: c.id,
        rank,
        fused: c.fused,
        coverage: c.coverage,
        dense: vectors.length ? this.similarity(fetched, vectors[0]!, c.id) : 0,
        agree: ranked.dense.slice(0, 3).includes(c.id) && ranked.lexical.slice(0, 3).includes(c.id),
        headings: normalize(`${this.reports[p.report]!.title}\n${p.section.join('\n')}`),
      });
      for (let i = 0; i < p.sentences.length; i += 2) {
        const start = p.sentences[i]!;
        const end = p.sentences[i + 1]!;
        const sentence = text.slice(start, end);
        if (sentence.trim().length < 4 || isMetadataText(sentence)) continue;
        sentences.push({ passage: c.id, start, end, text: sentence, index: i / 2, dense: 0 });
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
    const line = answerSpan(query.question, { quote: w.text, start: w.start, highlights: [], source: this.reports[fetched.passage(w.passage).report]!.source });
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
    return model?.model === this.reader.info.model.id ? model : undefined;
  }

  /** The answer to a question about a report itself from its header or signature lines, or undefined. */
  private async aboutReport(fetched: Fetched, question: string, doc: number, query: AnalyzedQuery): Promise<Answer | undefined> {
    const attribute = reportAttribute(question);
    if (!attribute) return undefined;
    await fetched.loadTexts([doc]);
    const { text, pageStarts } = fetched.text(doc);
    const found = headerLinesFor(text, attribute);
    if (found.length === 0) return undefined;
    const start = found[0]!.start;
    const end = found[found.length - 1]!.end;
    const f = this.reports[doc]!;
    const ids = this.passagesOf(doc);
    await fetched.load(ids);
    const id = ids.find((i) => fetched.passage(i).start <= start && start < fetched.passage(i).end) ?? (start > text.length / 2 ? ids[ids.length - 1]! : f.firstPassage);
    const result = this.toResult(fetched, { id, score: 1 }, 1, query);
    const span = { text: text.slice(start, end), start, end, focus: { start, end }, kind: 'other' as const };
    const quoted: Result = { ...result, quote: span.text, start, end, highlights: [{ start, end }], answer: span, section: '', sectionPath: [] };
    if (pageStarts) quoted.page = pageAt(pageStarts, start);
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

  /** A ranked passage quoted: its passage and its report's text must have been fetched. */
  private toResult(fetched: Fetched, c: Candidate, rank: number, query: AnalyzedQuery, lineModel?: LineModel): Result {
    const p = fetched.passage(c.id);
    const report = this.reports[p.report]!;
    const doc = { ...report, ...fetched.text(p.report) };
    const sentences: Span[] = [];
    for (let i = 0; i < p.sentences.length; i += 2) sentences.push({ start: p.sentences[i]!, end: p.sentences[i + 1]! });
    const anchor = c.anchor ? sentences.findIndex((x) => x.start === c.anchor!.start) : -1;
    const quote = extractQuote(doc.text, sentences, query.concepts, this.config.search.quoteMaxChars, query.asksQuantity, anchor >= 0 ? anchor : undefined);
    // The answer line is taken from the sentence the second stage chose (else from the whole quote).
    const span = answerSpan(
      query.question,
      { quote: quote.text, start: quote.start, highlights: quote.highlights, source: doc.source },
      { anchor: anchor >= 0 ? c.anchor : undefined, words: bridgedWords(query), model: lineModel },
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

/** An English question's words in the reports' language (its bridged Chinese forms), for the answer line. */
function bridgedWords(query: AnalyzedQuery): string[] | undefined {
  return query.english ? query.concepts.flatMap((x) => x.forms) : undefined;
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
 * Opens the live index in config.indexDir (or `options.reader`). Throws IndexError with a one-line
 * reason (and what to run) when it cannot: missing, damaged, built with another model, or parts out of
 * step with each other.
 */
export async function openSearcher(config: Config, options: OpenOptions = {}): Promise<Searcher> {
  let embedder = options.embedder;
  // The model is loaded once the index is found, and compared with the index's before its files are read.
  const checkModel = async (info: IndexInfo) => {
    embedder ??= await loadEmbedder(config.model, options.log);
    if (embedder.modelId !== info.model.id || embedder.dim !== info.model.dim) {
      throw new IndexError(
        `the index was built with model ${info.model.id} (${info.model.dim} dims) but the model now is ${embedder.modelId} (${embedder.dim} dims); run \`npm run ingest\` to rebuild it`,
      );
    }
  };
  let reader = options.reader;
  if (reader) await checkModel(reader.info);
  else reader = await openIndexReader(config, { check: checkModel, log: options.log });
  const [reports, df, bridge] = await Promise.all([reader.reports(), reader.termStatistics(), reader.englishBridge()]);
  const searcher = new IndexSearcher(config, reader, reports, df, bridge, embedder!);
  if (options.warmUp) for (const question of WARM_UP_QUESTIONS) await searcher.search(question);
  return searcher;
}
