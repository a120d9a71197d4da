/**
 * The scores of `npm run eval` (also read by fit:ranker): Hit@1/3/5, MRR@10 and abstain accuracy, per set, overall
 * and per language. The scoring rule (../shared/eval/README.md): a result belongs to a document by its
 * source (史村 → shicun, 柏山 → baishan; a `doc` that is a path names the report's file); it hits when it
 * is from the question's document and its quote, whitespace removed, contains one of `must`.
 * Unanswerable questions (doc null) are right when abstained.
 */
import fs from 'node:fs';
import path from 'node:path';
import { answerOf } from '../search/answer-span.js';
import type { Answer } from '../search/types.js';
import { UsageError } from './options.js';

export interface EvalQuestion {
  id: string;
  lang: string;
  doc: string | null;
  q: string;
  must: string[];
  /** dev-bank: what kind of answer (number, list, how, …) and how it is written (everyday, english, …). */
  kind?: string;
  style?: string;
  /** dev-bank seed questions: false when the question does not name its town (asked of the seeds alone). */
  names_report?: boolean;
}

export const DOC_OF_SOURCE: [RegExp, string][] = [
  [/史村/, 'shicun'],
  [/柏山/, 'baishan'],
];

export function docOf(source: string): string {
  return DOC_OF_SOURCE.find(([re]) => re.test(source))?.[1] ?? 'other';
}

/** What scoring compares: NFKC (old reports use full-width digits), whitespace removed. */
export const squeeze = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');

/** Whether a result's source is the question's document: a named seed town, or a report's file name. */
export function isQuestionDoc(doc: string, source: string): boolean {
  return doc.includes('/') || doc.includes('.') ? path.basename(source) === path.basename(doc) : docOf(source) === doc;
}

/** Whether the answer line of the first result (its answering clause, not the whole quote) contains one of `must`, in the question's document. */
export function answerLineHit(question: EvalQuestion, answer: Pick<Answer, 'abstained' | 'results' | 'q'>): boolean {
  const top = answer.results[0];
  if (answer.abstained || question.doc === null || !top || !isQuestionDoc(question.doc, top.source)) return false;
  const span = squeeze(answerOf(answer.q, top)?.text ?? '');
  return question.must.map(squeeze).some((m) => span.includes(m));
}

/** Rank (1-based) of the first hit among results, or 0. */
export function firstHit(question: EvalQuestion, answer: Pick<Answer, 'abstained' | 'results'>): number {
  if (answer.abstained || question.doc === null) return 0;
  const must = question.must.map(squeeze);
  const doc = question.doc;
  const i = answer.results.findIndex((r) => isQuestionDoc(doc, r.source) && must.some((m) => squeeze(r.quote).includes(m)));
  return i + 1;
}

export interface Scores {
  answerable: number;
  hit1: number;
  hit3: number;
  hit5: number;
  /** Share of answerable questions whose first result's answer line contains the expected string. */
  answerLine: number;
  mrr: number;
  unanswerable: number;
  abstainedRight: number;
  falseAbstain: number;
  /** Outcomes of all questions: answered (high), answered with a caveat (low), refused. */
  high: number;
  low: number;
  refused: number;
  /** Unanswerable questions answered as (high): the confident wrong answers. */
  unanswerableHigh: number;
  /** Share of answerable questions answered with the caveat. */
  caveated: number;
  /** Share right at rank 1 among answerable questions answered confidently / with the caveat. */
  confidentRight: number;
  caveatedRight: number;
  meanQuoteChars: number;
}

export function score(rows: { question: EvalQuestion; answer: Pick<Answer, 'abstained' | 'results' | 'q'> & Partial<Pick<Answer, 'level'>> }[]): Scores {
  const levelOf = (a: (typeof rows)[number]['answer']) => (a.abstained || a.results.length === 0 ? 'none' : (a.level ?? 'high'));
  const answerable = rows.filter((r) => r.question.doc !== null);
  const unanswerable = rows.filter((r) => r.question.doc === null);
  const ranks = answerable.map((r) => firstHit(r.question, r.answer));
  const at = (k: number) => (answerable.length ? ranks.filter((x) => x > 0 && x <= k).length / answerable.length : 0);
  const quotes = rows.flatMap((r) => r.answer.results.map((x) => x.quote.length));
  return {
    answerable: answerable.length,
    hit1: at(1),
    hit3: at(3),
    hit5: at(5),
    answerLine: answerable.length ? answerable.filter((r) => answerLineHit(r.question, r.answer)).length / answerable.length : 0,
    mrr: answerable.length ? ranks.reduce((s, x) => s + (x > 0 && x <= 10 ? 1 / x : 0), 0) / answerable.length : 0,
    unanswerable: unanswerable.length,
    abstainedRight: unanswerable.filter((r) => r.answer.abstained || r.answer.results.length === 0).length,
    falseAbstain: answerable.filter((r) => r.answer.abstained).length,
    high: rows.filter((r) => levelOf(r.answer) === 'high').length,
    low: rows.filter((r) => levelOf(r.answer) === 'low').length,
    refused: rows.filter((r) => levelOf(r.answer) === 'none').length,
    unanswerableHigh: unanswerable.filter((r) => levelOf(r.answer) === 'high').length,
    caveated: answerable.length ? answerable.filter((r) => levelOf(r.answer) === 'low').length / answerable.length : 0,
    confidentRight: rightAmong(answerable.filter((r) => levelOf(r.answer) === 'high')),
    caveatedRight: rightAmong(answerable.filter((r) => levelOf(r.answer) === 'low')),
    meanQuoteChars: quotes.length ? quotes.reduce((a, b) => a + b, 0) / quotes.length : 0,
  };
}

/** Share of rows whose rank-1 result hits. */
function rightAmong(rows: { question: EvalQuestion; answer: Pick<Answer, 'abstained' | 'results'> }[]): number {
  return rows.length ? rows.filter((r) => firstHit(r.question, r.answer) === 1).length / rows.length : 0;
}

export function readQuestions(file: string): EvalQuestion[] {
  if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as EvalQuestion;
      } catch {
        throw new UsageError(`${file}:${i + 1} is not JSON`);
      }
    });
}

export function formatScores(label: string, s: Scores): string {
  const f = (x: number) => x.toFixed(3);
  const abstain = s.unanswerable ? `${s.abstainedRight}/${s.unanswerable}` : '—';
  return `${label.padEnd(14)} n=${String(s.answerable).padEnd(3)} Hit@1 ${f(s.hit1)}  Hit@3 ${f(s.hit3)}  Hit@5 ${f(s.hit5)}  Answer@1 ${f(s.answerLine)}  MRR ${f(s.mrr)}  caveated ${f(s.caveated)}  right|confident ${f(s.confidentRight)}  right|caveat ${f(s.caveatedRight)}  abstain ${abstain}  false-abstain ${s.falseAbstain}  outcomes high/low/refused ${s.high}/${s.low}/${s.refused}  unanswerable-high ${s.unanswerableHigh}  quote ${s.meanQuoteChars.toFixed(0)} chars`;
}

/** Scores of a set: all questions, then by language, kind and style (the latter two where the set has them). */
export function breakdown(rows: { question: EvalQuestion; answer: Answer }[]): Record<string, Scores> {
  const out: Record<string, Scores> = { all: score(rows) };
  const groups: [string, (q: EvalQuestion) => string | undefined][] = [
    ['lang', (q) => q.lang],
    ['kind', (q) => q.kind],
    ['style', (q) => q.style],
  ];
  for (const [name, key] of groups) {
    const values = [...new Set(rows.map((r) => key(r.question)).filter((v): v is string => !!v))].sort();
    for (const v of values) out[`${name}:${v}`] = score(rows.filter((r) => key(r.question) === v));
  }
  return out;
}
