/**
 * Dev-set scoring shared by our system and the peer, so both are judged by one rule:
 * - a result belongs to a document by its source path (史村 → shicun, 柏山 → baishan; any other
 *   path, e.g. a distractor report from corpus-large, belongs to none);
 * - a result is a hit when it is from the expected document AND its text (whitespace removed)
 *   contains one of the question's `must` strings (whitespace removed);
 * - Hit@1/3/5 and MRR@10 are over answerable questions (doc not null);
 * - a question with doc null is correct only when the system abstains.
 */
import fs from 'node:fs';
import { round, summarize, type LatencySummary } from './stats.js';

export interface EvalItem {
  id: string;
  lang: string;
  doc: string | null;
  q: string;
  must: string[];
}

/** One system answer reduced to what scoring needs. */
export interface RankedAnswer {
  abstained: boolean;
  results: { source: string; text: string }[];
}

export interface QualityFigures {
  answerable: number;
  unanswerable: number;
  hit1: number;
  hit3: number;
  hit5: number;
  mrr10: number;
  /** Unanswerable questions the system rightly abstained on. */
  abstainCorrect: number;
  /** Answerable questions it wrongly abstained on. */
  abstainWrong: number;
  /** Rank of the first hit per question (null = none in the top 10, or abstained). */
  ranks: Record<string, number | null>;
}

export function loadEval(file: string): EvalItem[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const item = JSON.parse(l) as EvalItem;
      if (typeof item.q !== 'string' || !Array.isArray(item.must)) throw new Error(`${file}:${i + 1}: not an eval item`);
      return item;
    });
}

const DOC_MARKERS: [string, string][] = [
  ['史村', 'shicun'],
  ['柏山', 'baishan'],
];

export function docOfSource(source: string): string | null {
  for (const [marker, doc] of DOC_MARKERS) if (source.includes(marker)) return doc;
  return null;
}

const squash = (s: string) => s.replace(/\s+/g, '');

/** 1-based rank of the first hit among the top 10, or null. */
export function firstHitRank(item: EvalItem, answer: RankedAnswer): number | null {
  if (answer.abstained || item.doc === null) return null;
  const must = item.must.map(squash);
  const i = answer.results.slice(0, 10).findIndex((r) => docOfSource(r.source) === item.doc && must.some((m) => squash(r.text).includes(m)));
  return i < 0 ? null : i + 1;
}

/** Scores answers given in the same order as items. */
export function scoreAnswers(items: EvalItem[], answers: RankedAnswer[]): QualityFigures {
  const answerable = items.filter((it) => it.doc !== null);
  const ranks: Record<string, number | null> = {};
  let h1 = 0,
    h3 = 0,
    h5 = 0,
    rr = 0,
    abstainCorrect = 0,
    abstainWrong = 0;
  items.forEach((item, i) => {
    const answer = answers[i]!;
    if (item.doc === null) {
      if (answer.abstained) abstainCorrect++;
      return;
    }
    if (answer.abstained) abstainWrong++;
    const r = firstHitRank(item, answer);
    ranks[item.id] = r;
    if (r === null) return;
    if (r <= 1) h1++;
    if (r <= 3) h3++;
    if (r <= 5) h5++;
    rr += 1 / r;
  });
  const n = Math.max(1, answerable.length);
  return {
    answerable: answerable.length,
    unanswerable: items.length - answerable.length,
    hit1: round(h1 / n, 3),
    hit3: round(h3 / n, 3),
    hit5: round(h5 / n, 3),
    mrr10: round(rr / n, 3),
    abstainCorrect,
    abstainWrong,
    ranks,
  };
}

/** Runs every question once (the warm-up, whose answers are scored), then `rounds` timed passes. */
export async function timeQuestions<T>(items: EvalItem[], rounds: number, ask: (q: string) => Promise<T>): Promise<{ answers: T[]; latency: LatencySummary }> {
  const answers: T[] = [];
  for (const it of items) answers.push(await ask(it.q));
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const it of items) {
      const t = performance.now();
      await ask(it.q);
      ms.push(performance.now() - t);
    }
  }
  return { answers, latency: summarize(ms) };
}

