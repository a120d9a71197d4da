/**
 * The second stage: the sentences of the best few passages, scored against the question, decide the
 * passage order, the quote and the answer line.
 *
 * Each candidate sentence gets a vector of evidence that generalizes across reports (no rule for a
 * single question): how well its passage ranked in the first stage, the question's words in the
 * sentence and in its headings, the multilingual model's similarity of question and sentence, and
 * whether the sentence holds the kind of thing the question asks for (a figure with the asked unit,
 * a date, an office, a place, an enumeration, a means or a cause). A linear model over these,
 * fitted listwise (softmax over a question's candidates) on the development sets with cross-validation
 * (tools/ranker/fit-ranker.ts; weights in data/ranker.json), scores them. A second small logistic
 * model on the winner's evidence says how likely the first answer is right: the caveat.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.js';
import { type Concept, coverage } from './query.js';
import { ASKS_PLAN, ASKS_PROBLEM, askedUnit, type QuestionKind, questionKind } from './question-kind.js';
import { bigrams, normalize } from '../language/text.js';

/** Names of the features, in vector order (the model file lists them too, and must match). */
export const FEATURES = [
  'bias',
  'p_fused',
  'p_cov',
  'p_rank',
  'p_dense',
  'p_dense_gap',
  'p_agree',
  'p_head_cov',
  's_cov',
  's_cov_gap',
  's_bigram',
  's_dense',
  's_dense_gap',
  's_len',
  's_short',
  's_first',
  't_figure',
  't_unit',
  't_unit_missing',
  't_date',
  't_who',
  't_where',
  't_list',
  't_how',
  't_why',
  't_plan',
  't_problem',
  't_year',
  'e_dense_gap',
  'e_cov',
] as const;

export type FeatureName = (typeof FEATURES)[number];

/** What the second stage knows of the question. */
export interface QuestionView {
  question: string;
  normalized: string;
  concepts: Concept[];
  english: boolean;
  kind: QuestionKind;
  unit?: string;
  plan: boolean;
  problem: boolean;
  /** Years the question names (2023), as text. */
  years: string[];
  /** Chinese character pairs of the question, question words and named places removed. */
  pairs: Set<string>;
}

/** A passage among the best few, with its first-stage evidence. */
export interface PassageView {
  id: number;
  /** 0-based rank in the first stage. */
  rank: number;
  /** Fused (RRF) score divided by the best one. */
  fused: number;
  /** Coverage of the question by passage + headings + title. */
  coverage: number;
  /** Cosine of question and passage vectors. */
  dense: number;
  /** First in both retrievers' top 3. */
  agree: boolean;
  /** Heading path and title, normalized. */
  headings: string;
}

/** A candidate sentence: its passage, offsets, text and (optionally) its cosine with the question. */
export interface SentenceView {
  passage: number;
  start: number;
  end: number;
  text: string;
  /** Index within its passage's sentences. */
  index: number;
  dense: number;
}

const QUESTION_WORDS = /多少|哪些|哪个|哪里|什么|怎样|怎么|如何|为什么|为何|为啥|是否|有没有|咋|啥|几|吗|呢|呀|请问|报告|政府工作/g;

export function viewQuestion(question: string, normalized: string, concepts: Concept[], english: boolean, placeWords: string[]): QuestionView {
  const pairs = new Set(bigrams(normalized.replace(QUESTION_WORDS, ' ')));
  for (const w of placeWords) for (const p of bigrams(w)) pairs.delete(p);
  return {
    question,
    normalized,
    concepts,
    english,
    kind: questionKind(question),
    unit: askedUnit(question),
    plan: ASKS_PLAN.test(question),
    problem: ASKS_PROBLEM.test(question),
    years: [...new Set(normalized.match(/(?:19|20)\d\d(?!\d)/g) ?? [])],
    pairs,
  };
}

/** A figure: Arabic or Chinese numerals, with an optional unit. */
const FIGURE = /\d[\d,.]*\s*[余多]?\s*[万亿千百]?|[一二三四五六七八九十百千万两]{1,6}[余多]?(?:[个次人起处项件份场家户条名所期批座部台亿万])/;
const DATE = /(?:19|20)\d\d\s*年|[一二〇○零九八七六五四三]{4}年|\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?|[一二三四五六七八九十]{1,3}月(?:[一二三四五六七八九十]{1,3}日)?|[上下]半年|年[初底末]|第[一二三四]季度|春季|夏季|秋季|冬季|\d{1,2}[·.]\d{1,2}/;
const WHO = /同志|主任|书记|市长|区长|县长|镇长|省长|总理|局长|部长|委员会|人民政府|政府|[局厅委办部院所站队处]|中心|法院|检察院|公安|司法所|派出所|律师|顾问|专家|干部|班子|领导|网格员|志愿者|企业|公司|大学|医院|学校/;
const WHERE = /[\u4e00-\u9fff]{1,8}?(?:村|社区|集市|广场|学校|中学|小学|中心|园区|片区|新区|港|湾|路|街道|镇|乡|县|市|区|省|岛|河|湖|山)|位于|选址|落户|在[\u4e00-\u9fff]{2,8}(?:建|设|举办|召开)/;
const LIST = /、.*、|[一二三四五六七八九十]是|；|第[一二三四五六七八九十]/;
const HOW = /通过|采取|采用|以|坚持|建立|健全|完善|实行|推行|推进|实施|开展|组织|利用|依托|借助|落实|强化|加强|创新/;
const WHY = /因为|由于|为了|为|旨在|以便|从而|导致|造成|原因|目的|是因/;
const PLAN = /将|要|计划|力争|预计|目标|下一步|明年|今年|推动|确保|争取|加快/;
const PROBLEM = /问题|不足|短板|差距|薄弱|困难|挑战|风险|不够|不强|不高|有待|仍然|依然|还存在|尚未/;

function unitFigure(text: string, unit: string): boolean {
  const u = unit === '%' ? '(?:%|％|个百分点|成)' : unit === '人' ? '人次?' : unit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:\\d[\\d,.]*|[一二三四五六七八九十百千万两几]+)\\s*[余多]?\\s*[万亿千百]?\\s*${u}`).test(text);
}

/** Share of the question's pairs found in a text (0..1). */
function pairShare(text: string, pairs: Set<string>): number {
  if (pairs.size === 0) return 0;
  const own = new Set(bigrams(text));
  let n = 0;
  for (const p of pairs) if (own.has(p)) n++;
  return n / pairs.size;
}

/** Feature vectors of the candidate sentences (same order), in FEATURES order. */
export function sentenceFeatures(q: QuestionView, passages: Map<number, PassageView>, sentences: SentenceView[]): number[][] {
  const maxPassageDense = Math.max(...[...passages.values()].map((p) => p.dense));
  const maxSentenceDense = Math.max(...sentences.map((s) => s.dense));
  const texts = sentences.map((s) => normalize(s.text));
  const covs = texts.map((t) => coverage(t, q.concepts));
  const maxCov = Math.max(0, ...covs);
  // Per passage, not per sentence: its headings are the same for all of its sentences.
  const headingCoverage = new Map([...passages.values()].map((p) => [p.id, coverage(p.headings, q.concepts)]));
  return sentences.map((s, i) => {
    const p = passages.get(s.passage)!;
    const text = texts[i]!;
    const f: Record<FeatureName, number> = {
      bias: 1,
      p_fused: p.fused,
      p_cov: p.coverage,
      p_rank: 1 / (1 + p.rank),
      p_dense: p.dense,
      p_dense_gap: p.dense - maxPassageDense,
      p_agree: p.agree ? 1 : 0,
      p_head_cov: headingCoverage.get(p.id)!,
      s_cov: covs[i]!,
      s_cov_gap: covs[i]! - maxCov,
      s_bigram: pairShare(text, q.pairs),
      s_dense: s.dense,
      s_dense_gap: s.dense - maxSentenceDense,
      s_len: Math.log(1 + s.text.length) / 6,
      s_short: s.text.length < 16 ? 1 : 0,
      s_first: s.index === 0 ? 1 : 0,
      t_figure: q.kind === 'number' && FIGURE.test(text) ? 1 : 0,
      t_unit: q.unit && unitFigure(text, q.unit) ? 1 : 0,
      t_unit_missing: q.unit && !unitFigure(text, q.unit) ? 1 : 0,
      t_date: q.kind === 'date' && DATE.test(text) ? 1 : 0,
      t_who: q.kind === 'who' && WHO.test(text) ? 1 : 0,
      t_where: q.kind === 'where' && WHERE.test(text) ? 1 : 0,
      t_list: q.kind === 'list' && LIST.test(text) ? 1 : 0,
      t_how: q.kind === 'how' && HOW.test(text) ? 1 : 0,
      t_why: q.kind === 'why' && WHY.test(text) ? 1 : 0,
      t_plan: q.plan && (PLAN.test(text) || /计划|安排|打算|思路|下一步|\d{4}年工作/.test(p.headings)) ? 1 : 0,
      t_problem: q.problem && (PROBLEM.test(text) || /问题|不足|短板/.test(p.headings)) ? 1 : 0,
      t_year: q.years.length > 0 && q.years.some((y) => text.includes(y)) ? 1 : 0,
      e_dense_gap: q.english ? s.dense - maxSentenceDense : 0,
      e_cov: q.english ? covs[i]! : 0,
    };
    return FEATURES.map((name) => f[name]);
  });
}

/** The fitted second stage (data/ranker.json). */
export interface RankerModel {
  /** The embedding model it was fitted with: similarities are on that model's scale, so it applies to its indexes only. */
  model: string;
  features: string[];
  /** Per-feature centring and scale applied before the weights. */
  mean: number[];
  scale: number[];
  weights: number[];
  /** The caveat: logistic model of "rank 1 is right" over CAVEAT_FEATURES, and the probability below which the answer is caveated. */
  caveat: {
    features: string[];
    mean: number[];
    scale: number[];
    weights: number[];
    threshold: number;
    /** A confident answer also covers at least this share of the question's words (passage, headings, title). */
    minCoverage?: number;
  };
  /** How it was fitted (figures of held-out folds), for people. */
  fitted?: Record<string, unknown>;
}

/** Evidence about the winner for the caveat model. */
export const CAVEAT_FEATURES = ['bias', 'top_prob', 'margin', 's_cov', 'p_cov', 's_dense', 'p_dense', 'p_fused', 'p_rank', 'p_agree', 'type_match', 'unit_missing', 'line_evidence', 'english', 'named'] as const;

export function linearScore(model: Pick<RankerModel, 'mean' | 'scale' | 'weights'>, x: number[]): number {
  let z = 0;
  for (let j = 0; j < x.length; j++) z += model.weights[j]! * ((x[j]! - model.mean[j]!) / model.scale[j]!);
  return z;
}

export function softmax(scores: number[]): number[] {
  const max = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** Features of the winner that the caveat model reads (CAVEAT_FEATURES order). */
export function caveatFeatures(probs: number[], scores: number[], winner: number, x: number[], english: boolean, named: boolean, lineEvidence: boolean): number[] {
  const sorted = [...scores].sort((a, b) => b - a);
  const at = (name: FeatureName) => x[FEATURES.indexOf(name)]!;
  const typeMatch = Math.max(at('t_figure'), at('t_unit'), at('t_date'), at('t_who'), at('t_where'), at('t_list'), at('t_how'), at('t_why'));
  return [
    1,
    probs[winner]!,
    sorted.length > 1 ? Math.min(sorted[0]! - sorted[1]!, 5) : 5,
    at('s_cov'),
    at('p_cov'),
    at('s_dense'),
    at('p_dense'),
    at('p_fused'),
    at('p_rank'),
    at('p_agree'),
    typeMatch,
    at('t_unit_missing'),
    lineEvidence ? 1 : 0,
    english ? 1 : 0,
    named ? 1 : 0,
  ];
}

/** Probability that the first answer is right (the caveat model, on standardized evidence). */
export function caveatProbability(model: Pick<RankerModel, 'caveat'>, c: number[]): number {
  return 1 / (1 + Math.exp(-linearScore(model.caveat, c)));
}

export const RANKER_FILE = path.join(PROJECT_ROOT, 'data', 'ranker.json');

let cached: { file: string; model: RankerModel | undefined } | undefined;

/** The committed model (data/ranker.json), checked against FEATURES; undefined when absent. */
export function loadRanker(file = RANKER_FILE): RankerModel | undefined {
  if (cached?.file === file) return cached.model;
  if (!fs.existsSync(file)) return undefined;
  const model = JSON.parse(fs.readFileSync(file, 'utf8')) as RankerModel;
  if (model.features.join() !== FEATURES.join() || model.caveat.features.join() !== CAVEAT_FEATURES.join()) {
    // A model of another version of the features would score nonsense: answer in the first stage's order.
    process.emitWarning(`${file} was fitted for other features and is not used; run \`npm run fit:ranker\``);
    cached = { file, model: undefined };
    return undefined;
  }
  cached = { file, model };
  return model;
}
