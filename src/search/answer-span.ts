/**
 * The answer line: the clause of a quote that answers the question, taken verbatim (never generated),
 * with the part the question asks for (its figure, date or place) marked for bold.
 *
 * What the question asks decides which clause wins, not a pattern per question:
 * - a number (多少, 几次, how many) → a clause with a figure and its unit (30余次);
 * - a date (何时, 哪年, when) → a clause with a date;
 * - a place (哪里, 哪些村, where) → a clause naming a village, town, school …;
 * - a reason (为什么, 为啥, why) → a clause of purpose or cause (为…, 由于…);
 * - a list or a way (哪些, 怎样, 如何, how, what) → the clauses after the item title that restates
 *   the question, up to a phone line or three.
 * Among clauses of the right kind, the one sharing most of the question's words wins.
 */
import { ITEM_LABEL } from '../corpus/chunk.js';
import type { AnswerKind, AnswerSpan, Result } from './types.js';
import { askedUnit, questionKind } from './question-kind.js';
import type { LinearModel } from './sentence-ranker.js';
import { bigrams, normalize } from '../language/text.js';

export type { AnswerKind, AnswerSpan } from './types.js';

/** What a question asks for, in the answer line's terms (question-kind.ts reads the question). */
export function answerKind(question: string): AnswerKind {
  const kind = questionKind(question);
  return kind === 'where' ? 'place' : kind === 'why' ? 'reason' : kind === 'how' || kind === 'yesno' ? 'list' : kind;
}

/** A figure with its unit: 30余次, 1000多人次, 2600 余人次, 两个, 36.5%. */
const FIGURE = /\d[\d,.]*\s*[余多]?\s*(?:万亿|[万亿千百])?\s*(?:万亿元|亿元|万元|元|人次|平方公里|万平方米|平方米|公里|公顷|个百分点|%|％|[次人起处个项件份场家户条名所期批篇卷套台辆亩座部吨倍岁天]|(?![年月日号时])[\u4e00-\u9fff]{1,2})|[一二三四五六七八九十百千万两]+[余多]?(?:人次|[次人起处个项件份场家户条名所期批篇座部])/;
const DATE = /(?:19|20)\d\d\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?|\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|[上下]半年|年[初底末]|第[一二三四]季度/;
const PLACE = /[\u4e00-\u9fff]{1,8}?(?:村|社区|集市|广场|学校|中学|小学|中心|所|镇|乡|县|省|自治区|市|片区|新区|园区|街道|港|岛|湾)(?![场长委民])/;
const REASON = /^(?:为了?|由于|因为|旨在|以便|从而|确保|推动|促进)|(?:为了|由于|因为|旨在|以便|从而)/;
/** Words of a question that say nothing about its subject. */
const QUESTION_WORDS = /多少|哪些|哪个|哪里|什么|怎样|怎么|如何|为什么|为何|为啥|是否|有没有|咋|啥|几|吗|呢|呀|请问/g;
/** A signature or date line (史村镇人民政府, 2023年12月28日): never an answer. */
const SIGNATURE = /^(?:[\u4e00-\u9fff]{2,20}(?:人民政府|委员会|办公室)|(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)$/;

const WHO = /[\u4e00-\u9fff]{0,10}(?:同志|主任|书记|市长|区长|县长|镇长|省长|总理|局长|部长|委员会|人民政府|司法所|派出所|法院|检察院|法律顾问|律师|[局厅委办])/;

/** An item sentence this short is its title only ("二是开展普法宣传，创新普法方式。"). */
const TITLE_SENTENCE_CHARS = 24;
/** A list or reason answer line grows clause by clause until about this long. */
const LIST_TARGET_CHARS = 40;
/** Longest answer line, in characters: about three phone lines at 18 characters each. */
export const ANSWER_MAX_CHARS = 54;

interface Clause {
  start: number;
  end: number;
  text: string;
  /** Index of the sentence it is in (within the quote). */
  sentence: number;
}

/** Clauses of text (offsets relative to it): runs between ，；：。！？ and line breaks, trimmed. */
function clausesOf(text: string): Clause[] {
  const out: Clause[] = [];
  let sentence = 0;
  const re = /[^，,；;：:。！？!?\n]+[，,；;：:。！？!?]*[”’"」』）)】]*/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let s = m.index;
    let e = m.index + m[0].length;
    while (s < e && /\s/.test(text[s]!)) s++;
    while (e > s && /[\s，,；;：:。！？!?]/.test(text[e - 1]!)) e--;
    if (e > s) out.push({ start: s, end: e, text: text.slice(s, e), sentence });
    if (/[。！？!?\n]/.test(m[0])) sentence++;
  }
  return out;
}

/** The question's Chinese word pairs that say something (question words and the report's place removed). */
function questionPairs(question: string, place: string): Set<string> {
  const q = normalize(question).replace(QUESTION_WORDS, ' ');
  const pairs = new Set(bigrams(q));
  for (const p of bigrams(place)) pairs.delete(p);
  return pairs;
}

function overlap(text: string, pairs: Set<string>): number {
  if (pairs.size === 0) return 0;
  const own = new Set(bigrams(normalize(text)));
  let n = 0;
  for (const p of pairs) if (own.has(p)) n++;
  return n / pairs.size;
}

/** Where the kind's evidence is in a clause (figure, date, place, cause), or null. */
function evidence(kind: AnswerKind, text: string): { index: number; length: number } | null {
  const re = kind === 'number' ? FIGURE : kind === 'date' ? DATE : kind === 'place' ? PLACE : kind === 'reason' ? REASON : kind === 'who' ? WHO : null;
  const m = re?.exec(text);
  return m ? { index: m.index, length: m[0].length } : null;
}

/**
 * Whether a clause only announces its point: an item title ("一是建立健全普法队伍"), or one that mostly
 * restates the question ("三是推进科学决策" for "怎样推进科学决策？").
 */
function restates(text: string, pairs: Set<string>): boolean {
  if (ITEM_LABEL.test(text) && text.length <= 20) return true;
  const own = bigrams(normalize(text.replace(ITEM_LABEL, '')));
  if (own.length === 0) return true;
  return own.filter((p) => pairs.has(p)).length / own.length >= 0.5;
}

/**
 * The answering clause of a result's quote, searched first in the sentences search marked as
 * answering, then in the whole quote. Undefined only for an empty quote.
 */
export interface SpanHints {
  /** The sentence the second stage chose (cleaned-text offsets): the answer is in it. */
  anchor?: { start: number; end: number };
  /** The question's content words in the reports' language (an English question's bridged Chinese words). */
  words?: string[];
  /** The fitted answer-line model (data/ranker.json `line`); without it the rules below choose. */
  model?: LineModel;
}

/** A linear score over LINE_FEATURES (standardized), fitted listwise by tools/ranker/fit-ranker.ts. */
export type LineModel = LinearModel;

/**
 * Evidence that a run of clauses is the answer line. Fitted, not hand-weighted: which clause answers
 * depends on the kind of question in ways rules kept getting wrong (the clause after an item title,
 * the figure in the asked unit, the cause before its effect).
 */
export const LINE_FEATURES = [
  'bias',
  'overlap',
  'overlap_first',
  'overlap_gap',
  'evidence',
  'unit_figure',
  'bare_number',
  'in_anchor',
  'before_anchor',
  'after_anchor',
  'far_from_anchor',
  'restates_first',
  'after_restating',
  'sentence_start',
  'item_label',
  'clauses_1',
  'clauses_2',
  'clauses_3',
  'length',
  'too_long',
  'highlight',
  'enumeration',
  'how_verb',
  'has_best',
  'after_best',
  'typed',
] as const;

/** A run of whole clauses of a quote (offsets relative to the quote). */
export interface LineCandidate {
  start: number;
  end: number;
  features: number[];
}

/** Verbs that open a way of doing something (how questions answer with them). */
const HOW_VERB = /通过|采取|采用|坚持|建立|健全|完善|实行|推行|推进|实施|开展|组织|利用|依托|借助|落实|强化|加强|创新|以/;
/** Longest run of clauses a candidate answer line spans. */
const MAX_LINE_CLAUSES = 3;

/**
 * Candidate answer lines of a quote: runs of 1–3 clauses of one or two sentences, with their evidence
 * (LINE_FEATURES order), where they are from the sentence search chose among them.
 */
export function lineCandidates(question: string, r: Pick<Result, 'quote' | 'start' | 'highlights' | 'source'>, hints: SpanHints = {}): LineCandidate[] {
  const clauses = clausesOf(r.quote);
  if (clauses.length === 0) return [];
  const kind = answerKind(question);
  const unit = askedUnit(question);
  const place = (r.source.split('/').pop() ?? '').split(/[-_ ]/)[0] ?? '';
  const pairs = questionPairs(question, place);
  for (const w of hints.words ?? []) for (const p of bigrams(w)) pairs.add(p);
  const { anchor } = hints;
  const inAnchor = (c: Clause) => anchor !== undefined && r.start + c.start >= anchor.start && r.start + c.end <= anchor.end;
  const anchorSentence = clauses.find(inAnchor)?.sentence;
  const inHighlight = (c: Clause) => r.highlights.some((h) => h.start <= r.start + c.start && r.start + c.end <= h.end);
  const overlaps = clauses.map((c) => overlap(c.text, pairs));
  // Per clause, not per run: each clause starts or follows up to three runs.
  const restating = clauses.map((c) => restates(c.text, pairs));
  const bestOverlap = Math.max(...overlaps);
  const best = overlaps.indexOf(bestOverlap);
  const typed = kind === 'number' || kind === 'date' || kind === 'place' || kind === 'who' || kind === 'reason';
  const out: LineCandidate[] = [];
  for (let i = 0; i < clauses.length; i++) {
    if (SIGNATURE.test(clauses[i]!.text)) continue;
    for (let j = i; j < Math.min(clauses.length, i + MAX_LINE_CLAUSES); j++) {
      const run = clauses.slice(i, j + 1);
      if (SIGNATURE.test(clauses[j]!.text)) break;
      const start = clauses[i]!.start;
      const end = clauses[j]!.end;
      if (j > i && end - start > ANSWER_MAX_CHARS) break;
      const text = r.quote.slice(start, end);
      const ov = overlap(text, pairs);
      const sentence = clauses[i]!.sentence;
      const f: Record<(typeof LINE_FEATURES)[number], number> = {
        bias: 1,
        overlap: ov,
        overlap_first: overlaps[i]!,
        overlap_gap: ov - bestOverlap,
        evidence: typed && evidence(kind, text) ? 1 : 0,
        unit_figure: kind === 'number' && unit && figureWithUnit(text, unit) ? 1 : 0,
        bare_number: kind === 'number' && /\d{2,}(?![\d.,年月日号])/.test(text) ? 1 : 0,
        in_anchor: run.every(inAnchor) ? 1 : 0,
        before_anchor: anchorSentence !== undefined && sentence < anchorSentence ? 1 : 0,
        after_anchor: anchorSentence !== undefined && sentence > anchorSentence ? 1 : 0,
        far_from_anchor: anchorSentence !== undefined && Math.abs(sentence - anchorSentence) >= 2 ? 1 : 0,
        restates_first: restating[i] ? 1 : 0,
        after_restating: i > 0 && restating[i - 1] ? 1 : 0,
        sentence_start: i === 0 || clauses[i - 1]!.sentence !== sentence ? 1 : 0,
        item_label: ITEM_LABEL.test(clauses[i]!.text) ? 1 : 0,
        clauses_1: run.length === 1 ? 1 : 0,
        clauses_2: run.length === 2 ? 1 : 0,
        clauses_3: run.length === 3 ? 1 : 0,
        length: Math.min(end - start, ANSWER_MAX_CHARS) / ANSWER_MAX_CHARS,
        too_long: end - start > ANSWER_MAX_CHARS ? 1 : 0,
        highlight: run.some(inHighlight) ? 1 : 0,
        enumeration: (kind === 'list' || kind === 'other') && /、.*、|；/.test(text) ? 1 : 0,
        how_verb: kind === 'list' && HOW_VERB.test(text) ? 1 : 0,
        has_best: i <= best && best <= j ? 1 : 0,
        after_best: i === best + 1 ? 1 : 0,
        typed: typed ? 1 : 0,
      };
      out.push({ start, end, features: LINE_FEATURES.map((name) => f[name]) });
    }
  }
  return out;
}

/** The answer line the fitted model prefers among lineCandidates, cut to ANSWER_MAX_CHARS, its evidence in bold. */
function fittedSpan(question: string, r: Pick<Result, 'quote' | 'start' | 'highlights' | 'source'>, hints: SpanHints, model: LineModel): AnswerSpan | undefined {
  const candidates = lineCandidates(question, r, hints);
  if (candidates.length === 0) return answerSpan(question, r, { ...hints, model: undefined });
  let best = candidates[0]!;
  let bestScore = -Infinity;
  for (const c of candidates) {
    let z = 0;
    for (let j = 0; j < c.features.length; j++) z += model.weights[j]! * ((c.features[j]! - model.mean[j]!) / model.scale[j]!);
    if (z > bestScore) {
      bestScore = z;
      best = c;
    }
  }
  return lineAt(r, best.start, best.end, answerKind(question), askedUnit(question));
}

export function answerSpan(question: string, r: Pick<Result, 'quote' | 'start' | 'highlights' | 'source'>, hints: SpanHints = {}): AnswerSpan | undefined {
  // A model of another version of the features would pick nonsense: the rules choose then.
  if (hints.model && hints.model.features.join() === LINE_FEATURES.join()) return fittedSpan(question, r, hints, hints.model);
  const { anchor } = hints;
  const quote = r.quote;
  const clauses = clausesOf(quote);
  if (clauses.length === 0) return undefined;
  const kind = answerKind(question);
  const place = (r.source.split('/').pop() ?? '').split(/[-_ ]/)[0] ?? '';
  const pairs = questionPairs(question, place);
  for (const w of hints.words ?? []) for (const p of bigrams(w)) pairs.add(p);
  const inHighlight = (c: Clause) => r.highlights.some((h) => h.start <= r.start + c.start && r.start + c.end <= h.end);
  const hasHighlights = clauses.some(inHighlight);

  const unit = askedUnit(question);
  // The sentence the second stage chose holds the answer: clauses outside it only continue a list.
  const outside = (c: Clause) => anchor !== undefined && (r.start + c.start < anchor.start || r.start + c.end > anchor.end);
  const scoreOf = (c: Clause): number => {
    if (SIGNATURE.test(c.text)) return -1;
    if (outside(c)) return -2;
    let score = overlap(c.text, pairs);
    // "发了多少资料" is answered by 1300余份 (份, the unit asked) rather than by 两个 (场次) in the same
    // sentence, however many of the question's words that clause repeats.
    if (kind === 'number' && unit) score += figureWithUnit(c.text, unit) ? 1.5 : evidence(kind, c.text) ? 0.5 : 0;
    else if (evidence(kind, c.text)) score += 1;
    // A bare number (a table cell read as "参与人数1200") answers too, a little less surely than one with its unit.
    else if (kind === 'number' && /\d{2,}(?![\d.,年月日号])/.test(c.text)) score += 0.8;
    if (hasHighlights && inHighlight(c)) score += 0.3;
    return score;
  };
  let best = 0;
  const scores = clauses.map(scoreOf);
  scores.forEach((s, i) => {
    if (s > scores[best]!) best = i;
  });

  // An item title that only restates a list/way/reason question is not the answer: what follows it is.
  let from = best;
  let to = best;
  const explains = kind === 'list' || kind === 'reason' || kind === 'other';
  const sameSentence = (a: number, b: number) => clauses[a]!.sentence === clauses[b]!.sentence;
  if (kind === 'reason' && restates(clauses[best]!.text, pairs) && best > 0 && sameSentence(best - 1, best) && !restates(clauses[best - 1]!.text, pairs)) {
    // "整治乱占耕地建房24万平方米，受到国务院办公厅通报表扬": the cause comes before the effect asked about.
    from = best - 1;
  } else if (explains && restates(clauses[best]!.text, pairs) && best + 1 < clauses.length) {
    // What follows the announcement answers: the next clause, or after a title sentence
    // ("二是开展普法宣传，创新普法方式。") the first clause of the next sentence.
    const title = clauses.filter((c) => c.sentence === clauses[best]!.sentence);
    const titleSentence = ITEM_LABEL.test(title[0]!.text) && title[title.length - 1]!.end - title[0]!.start <= TITLE_SENTENCE_CHARS;
    const next = titleSentence ? clauses.findIndex((c) => c.sentence > clauses[best]!.sentence) : best + 1;
    if (next > 0) from = to = next;
  }
  // Short clauses (a bare "30余次") read better with the clause before them, unless that is the title
  // just skipped; lists and reasons take the next clauses too, up to about two phone lines.
  const length = () => clauses[to]!.end - clauses[from]!.start;
  if (length() < 8 && from > 0 && from === best && clauses[from - 1]!.sentence === clauses[from]!.sentence) from--;
  if (explains) {
    // An enumeration goes on in the next sentence ("一是…；二是…"): a list answer follows it.
    const continues = (c: Clause, next: Clause) => next.sentence === c.sentence || (kind === 'list' && ITEM_LABEL.test(next.text));
    while (to + 1 < clauses.length && continues(clauses[to]!, clauses[to + 1]!) && clauses[to + 1]!.end - clauses[from]!.start <= ANSWER_MAX_CHARS && length() < LIST_TARGET_CHARS) to++;
  }
  return lineAt(r, clauses[from]!.start, clauses[to]!.end, kind, unit);
}

/** The answer line quote[start, end), cut to ANSWER_MAX_CHARS, with what the question asks for in bold. */
function lineAt(r: Pick<Result, 'quote' | 'start'>, start: number, end: number, kind: AnswerKind, unit: string | undefined): AnswerSpan {
  if (end - start > ANSWER_MAX_CHARS) end = cutAt(r.quote, start, start + ANSWER_MAX_CHARS);
  const text = r.quote.slice(start, end);
  const ev = kind === 'list' || kind === 'other' ? null : (unit && kind === 'number' ? figureWithUnit(text, unit) : null) ?? evidence(kind, text);
  const focus = ev ? { start: start + ev.index, end: start + ev.index + ev.length } : { start, end };
  const shift = (s: { start: number; end: number }) => ({ start: r.start + s.start, end: r.start + s.end });
  return { text, ...shift({ start, end }), focus: shift(focus), kind };
}

/** An end at most `limit`, after a 、 or a space when there is one near it (never inside a surrogate pair). */
function cutAt(text: string, from: number, limit: number): number {
  for (let i = limit; i > from + ANSWER_MAX_CHARS / 2; i--) if (/[、\s]/.test(text[i - 1]!)) return i - 1;
  const c = text.charCodeAt(limit);
  return c >= 0xdc00 && c <= 0xdfff ? limit - 1 : limit;
}

/** The first figure of a text in the asked unit (份, 亿元, %), or null. */
function figureWithUnit(text: string, unit: string): { index: number; length: number } | null {
  const re = new RegExp(FIGURE.source, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const f = m[0];
    if (f.endsWith(unit) || (unit === '人' && f.endsWith('人次')) || (unit === '%' && /[%％]|百分点$/.test(f))) return { index: m.index, length: f.length };
  }
  return null;
}

/** The answer line of a result: the one search decided (Result.answer), or one read from its quote. */
export function answerOf(question: string, r: Pick<Result, 'quote' | 'start' | 'highlights' | 'source' | 'answer'>): AnswerSpan | undefined {
  return r.answer ?? answerSpan(question, r);
}
