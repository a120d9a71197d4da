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
import { type Embedder, loadEmbedder } from '../embed/embedder.js';
import { DenseIndex, exactSearch } from '../index/hnsw.js';
import { FILES, IndexError, type Manifest, type PassageStore, readJson, readLive, readVectors, verifyGeneration, verifyPassageStore } from '../index/store.js';
import { EMPTY_BRIDGE, type EnglishBridge } from './english.js';
import { DocumentFrequencies, LexicalIndex } from './lexical.js';
import { type AnalyzedQuery, analyzeQuery, containsForm, coverage } from './query.js';
import { extractQuote } from './quote.js';
import { normalize } from './text.js';
import type { Answer, ReportId, Result, SearchOptions, SourceInfo } from './types.js';

export interface Searcher {
  /** Answers a question: ranked quotes with sources, or abstained. Never throws on odd input. */
  search(question: string, options?: SearchOptions): Promise<Answer>;
  /** The reports in the index, with passage counts. */
  sources(): SourceInfo[];
  info(): { model: string; dim: number; passages: number; builtAt: string; generation: string };
  /** Ranked passage ids of one retriever alone (for benchmarks and diagnostics). */
  retrieve(question: string, mode: 'dense' | 'lexical' | 'hybrid', k: number): Promise<number[]>;
}

export interface OpenOptions {
  log?: (message: string) => void;
  /** An already loaded embedder (one model per process). */
  embedder?: Embedder;
}

/** Share of the final score that comes from how much of the question a passage covers. */
const COVERAGE_WEIGHT = 0.5;

/** A concept names reports when it matches at most this share of the titles (and at least one). */
const NAMED_DOCS_SHARE = 0.05;

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

  constructor(
    private readonly config: Config,
    private readonly manifest: Manifest,
    private readonly store: PassageStore,
    private readonly dense: DenseIndex,
    private readonly lexical: LexicalIndex,
    private readonly df: DocumentFrequencies,
    private readonly bridge: EnglishBridge,
    private readonly embedder: Embedder,
    /** All passage vectors, row by row (for exact search among the passages of named reports). */
    private readonly vectors: Float32Array,
  ) {}

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

  /** Passage text with its report title and headings, normalized: what a question's words are looked for in. */
  private matchText(id: number): string {
    let text = this.normalizedCache.get(id);
    if (text === undefined) {
      const p = this.store.passages[id]!;
      const doc = this.store.docs[p.doc]!;
      text = normalize(`${doc.title}\n${p.section.join('\n')}\n${doc.text.slice(p.start, p.end)}`);
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

  private analyze(question: string): AnalyzedQuery {
    const titles = this.normalizedTitles();
    return analyzeQuery(question, this.df, this.bridge, (w) => titles.some((t) => t.includes(w)));
  }

  /**
   * Reports the question names by their title (a town, a year with a place …): the concepts that
   * match the titles of only a few reports. Their passages are searched a second time on their own,
   * so that a report named in the question is not drowned by hundreds of reports on the same topic.
   */
  private namedDocs(query: AnalyzedQuery): Set<number> {
    const titles = this.normalizedTitles();
    const few = Math.max(1, Math.floor(titles.length * NAMED_DOCS_SHARE));
    const named = new Set<number>();
    for (const c of query.concepts) {
      const docs = titles.flatMap((t, i) => (c.forms.some((f) => containsForm(t, f)) ? [i] : []));
      if (docs.length > 0 && docs.length <= few) docs.forEach((d) => named.add(d));
    }
    return named;
  }

  /**
   * Dense and lexical rankings, fused. Within a few reports (a source filter, or the reports the
   * question names) dense search is an exact scan of their vectors: HNSW with a filter that keeps
   * 0.1 % of the points has to walk most of the graph.
   */
  private async rank(query: AnalyzedQuery, mode: 'dense' | 'lexical' | 'hybrid', candidates: number, only?: Set<number>): Promise<Candidate[]> {
    const lists: { ids: number[]; weight: number }[] = [];
    const vector = mode !== 'lexical' && query.denseText ? await this.embedder.embedQuery(query.denseText) : null;
    const retrieve = (docs?: Set<number>) => {
      const inDocs = docs && ((id: number) => docs.has(this.store.passages[id]!.doc));
      if (vector) {
        const hits = docs ? exactSearch(this.vectors, this.dense.dim, vector, [...docs].flatMap((d) => this.passagesOf(d)), candidates) : this.dense.search(vector, candidates);
        lists.push({ ids: hits.map((h) => h.id), weight: 1 });
      }
      if (mode !== 'dense') lists.push({ ids: this.lexical.search(query.terms, candidates, inDocs).map((h) => h.id), weight: this.config.search.lexicalWeight });
    };
    retrieve(only);
    if (mode === 'hybrid') {
      const named = [...this.namedDocs(query)].filter((d) => !only || only.has(d));
      if (named.length > 0) retrieve(new Set(named));
    }
    return fuse(lists, this.config.search.rrfK);
  }

  async retrieve(question: string, mode: 'dense' | 'lexical' | 'hybrid', k: number): Promise<number[]> {
    const query = this.analyze(question);
    return (await this.rank(query, mode, k)).slice(0, k).map((c) => c.id);
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
    const query = this.analyze(asked);
    const shortenedTo = asked.length < question.length ? asked.length : undefined;
    const none: Answer = { q: query.question, abstained: true, results: [], notices, confidence: 0, shortenedTo };
    if (query.concepts.length === 0) return none;

    const fused = await this.rank(query, 'hybrid', Math.max(s.candidates, k), this.docsMatching(options.onlyReport));
    // Evidence: how much of the question's weight a passage (with its title and headings) covers.
    // Rerank: fused rank evidence and coverage together (coverage alone ties too often; rank alone
    // lets a passage that matches one rare word beat one that answers the whole question).
    const best = fused[0]?.score ?? 1;
    const scored = fused
      .slice(0, Math.max(s.candidates, k))
      .map((c) => {
        const cov = coverage(this.matchText(c.id), query.concepts);
        return { id: c.id, coverage: cov, score: (1 - COVERAGE_WEIGHT) * (c.score / best) + COVERAGE_WEIGHT * cov };
      })
      .sort((a, b) => b.score - a.score || a.id - b.id);
    const top = scored.slice(0, k);
    const confidence = top.reduce((m, c) => Math.max(m, c.coverage), 0);
    if (top.length === 0 || confidence < s.abstainBelow) return { ...none, confidence };

    const results: Result[] = top.map((c, i) => this.toResult(c, i + 1, query));
    return { q: query.question, abstained: false, results, notices, confidence, shortenedTo };
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
    };
  }
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
  const vectors = readVectors(dir, manifest.passageCount, manifest.model.dim);
  return new IndexSearcher(config, manifest, store, dense, lexical, DocumentFrequencies.fromJSON(terms.df), terms.bridge ?? EMPTY_BRIDGE, embedder, vectors);
}

function readIndexFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new IndexError(`index file ${path.basename(file)} is missing (${(err as Error).message}); run \`npm run ingest\` to rebuild it`);
  }
}
